"""Writes of weekly schedules: shift templates, agent work profiles, solving, grid edits, requests.

The solver itself is the pure core `kefu.workforce.schedule`; this module turns stored staffing plans,
profiles and templates into a `ScheduleProblem`, stores the result, and keeps every later change
(a planner's grid edit, an approved swap) inside the labour rules. The helpers in the first section
are pure (no database) so the rules can be checked anywhere, tests included.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services
from kefu.workforce import roster_selectors, schedule, selectors
from kefu.workforce.models import (
    AgentWorkProfile,
    Schedule,
    ScheduledShift,
    ScheduleRequest,
    ShiftTemplateDef,
)
from kefu.workforce.permissions import WorkforcePerm

DAY = 1440
WEEK_MINUTES = 7 * DAY
DEFAULT_TIME_LIMIT_S = 30.0
MAX_TIME_LIMIT_S = 120.0
INTERVALS = (15, 30, 60)
SCHEDULABLE_ROLES = (Role.AGENT, Role.SUPERVISOR)
DEFAULT_RULES = schedule.LabourRules()


# =====================================================================================================
# Pure helpers: shapes, break placement, coverage, labour rules
@dataclass(frozen=True)
class PlacedShift:
    """A shift on one day of the week: what the grid shows and the rules check."""

    day: int  # 0 = the schedule's Monday
    template: str
    segments: tuple[tuple[int, int], ...]
    breaks: tuple[tuple[int, int], ...]
    spells: tuple[tuple[int, int, str], ...]
    paid_minutes: int

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]


@dataclass(frozen=True)
class AgentRules:
    """The rules one agent's week must keep (their profile over the labour-rule defaults)."""

    max_weekly_minutes: int = DEFAULT_RULES.max_weekly_minutes
    min_rest_minutes: int = DEFAULT_RULES.min_rest_minutes
    min_days_off: int = DEFAULT_RULES.min_days_off
    max_consecutive_days: int = DEFAULT_RULES.max_consecutive_days
    days_worked_before: int = 0
    skills: frozenset[str] = frozenset()
    templates: frozenset[str] | None = None
    blocked: tuple[tuple[int, int, str], ...] = ()  # (start, end, why) in minutes since week start
    other_spans: tuple[tuple[int, int], ...] = field(default=())  # shifts in other schedules/weeks
    other_days: frozenset[int] = frozenset()  # days of this week worked in other schedules


def template_of(
    name: str,
    segments: Sequence[Sequence[str]],
    breaks: Sequence[Mapping[str, Any]],
    *,
    days: Sequence[int] | None = None,
) -> schedule.ShiftTemplate:
    """A solver template from the stored shape (`days`: the weekdays it may be used on, empty: all);
    malformed shapes raise `ScheduleInputError`."""
    try:
        spans = tuple((schedule.clock(str(a)), schedule.clock(str(b))) for a, b in segments)
        rules = tuple(
            schedule.BreakRule(
                int(b["length"]), schedule.clock(str(b["earliest"])), schedule.clock(str(b["latest"]))
            )
            for b in breaks
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise schedule.ScheduleInputError(f"template {name!r}: {exc}") from None
    allowed = frozenset(int(d) for d in days) if days and len(set(days)) < 7 else None
    return schedule.ShiftTemplate(name=name, segments=spans, breaks=rules, days=allowed)


def place_shift(
    template: schedule.ShiftTemplate, *, day: int, queue: str, break_starts: Sequence[int] | None = None
) -> PlacedShift:
    """Lay a template on a day: breaks at the given starts (or the earliest allowed), one queue throughout."""
    rules = sorted(template.breaks, key=lambda r: r.earliest_start)
    if break_starts is not None and len(break_starts) != len(rules):
        raise ValueError(_("Give one start per meal break (%(n)d).") % {"n": len(rules)})
    breaks = []
    for index, rule in enumerate(rules):
        allowed = _break_starts(template, rule)
        start = allowed[0] if break_starts is None else int(break_starts[index])
        if start not in allowed:
            raise ValueError(
                _("The break must start between %(a)s and %(b)s, inside a work segment.")
                % {"a": hhmm(rule.earliest_start), "b": hhmm(rule.latest_start)}
            )
        breaks.append((start, start + rule.length))
    spells = []
    for a, b in template.segments:
        cursor = a
        for s, e in breaks:
            if a <= s and e <= b:
                if s > cursor:
                    spells.append((cursor, s, queue))
                cursor = e
        if b > cursor:
            spells.append((cursor, b, queue))
    return PlacedShift(
        day=day,
        template=template.name,
        segments=template.segments,
        breaks=tuple(breaks),
        spells=tuple(spells),
        paid_minutes=template.paid_minutes,
    )


def _break_starts(template: schedule.ShiftTemplate, rule: schedule.BreakRule) -> list[int]:
    step = rule.step or 15
    first = math.ceil(rule.earliest_start / step) * step
    return [
        s
        for s in range(first, rule.latest_start + 1, step)
        if any(a <= s and s + rule.length <= b for a, b in template.segments)
    ]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def scheduled_heads(
    shifts: Iterable[PlacedShift], *, queues: Sequence[str], interval: int
) -> dict[str, list[int]]:
    """Heads per queue per interval of the week from the shifts' queue spells (breaks excluded)."""
    slots = WEEK_MINUTES // interval
    heads = {q: [0] * slots for q in queues}
    for shift in shifts:
        for start, end, queue in shift.spells:
            if queue not in heads:
                continue
            for minute in range(start - start % interval, end, interval):
                lo, hi = max(start, minute), min(end, minute + interval)
                slot = (shift.day * DAY + minute) // interval
                if hi > lo and 0 <= slot < slots and (hi - lo) * 2 >= interval:
                    heads[queue][slot] += 1
    return heads


def coverage_summary(
    required: Mapping[str, Sequence[int]], scheduled: Mapping[str, Sequence[int]], *, interval: int
) -> dict[str, Any]:
    """Under/over-staffing per queue and overall (share of demanded interval × queue pairs short)."""
    per_queue = {}
    demanded = short = 0
    under_total = over_total = 0
    for queue, need in required.items():
        have = scheduled.get(queue, [0] * len(need))
        under = [max(0, r - h) for r, h in zip(need, have, strict=True)]
        over = [max(0, h - r) for r, h in zip(need, have, strict=True)]
        q_demanded = sum(1 for r in need if r > 0)
        q_short = sum(1 for u in under if u > 0)
        demanded += q_demanded
        short += q_short
        under_total += sum(under)
        over_total += sum(over)
        per_queue[queue] = {
            "under_head_hours": sum(under) * interval / 60,
            "over_head_hours": sum(over) * interval / 60,
            "short_intervals": q_short,
            "demanded_intervals": q_demanded,
            "peak_required": max(need, default=0),
            "peak_scheduled": max(have, default=0),
        }
    return {
        "under_staffed_share": short / demanded if demanded else 0.0,
        "under_head_hours": under_total * interval / 60,
        "over_head_hours": over_total * interval / 60,
        "queues": per_queue,
    }


def rule_violations(rules: AgentRules, shifts: Sequence[PlacedShift]) -> list[str]:
    """Every labour rule one agent's week breaks (empty when the week is lawful)."""
    problems: list[str] = []
    days = sorted(s.day for s in shifts)
    if len(days) != len(set(days)):
        problems.append(_("Two shifts on one day."))
    worked = set(days) | rules.other_days
    paid = sum(s.paid_minutes for s in shifts)
    if paid > rules.max_weekly_minutes:
        problems.append(
            _("%(paid)s paid hours exceed the weekly maximum of %(max)s.")
            % {"paid": f"{paid / 60:g}", "max": f"{rules.max_weekly_minutes / 60:g}"}
        )
    if 7 - len(worked) < rules.min_days_off:
        problems.append(_("Fewer than %(n)d days off in the week.") % {"n": rules.min_days_off})
    streak = rules.days_worked_before
    for day in range(7):
        streak = streak + 1 if day in worked else 0
        if streak > rules.max_consecutive_days:
            problems.append(
                _("More than %(n)d consecutive working days.") % {"n": rules.max_consecutive_days}
            )
            break
    spans = sorted([(s.day * DAY + s.start, s.day * DAY + s.end) for s in shifts] + list(rules.other_spans))
    for (_a1, e1), (a2, _e2) in itertools.pairwise(spans):
        if a2 < e1:
            problems.append(_("Shifts overlap."))
        elif a2 - e1 < rules.min_rest_minutes:
            problems.append(
                _("Only %(rest)s hours of rest between shifts; at least %(min)s are required.")
                % {"rest": f"{(a2 - e1) / 60:g}", "min": f"{rules.min_rest_minutes / 60:g}"}
            )
    for shift in shifts:
        if rules.templates is not None and shift.template not in rules.templates:
            problems.append(_("Shift %(t)s is not among the agent's shifts.") % {"t": shift.template})
        for _s, _e, queue in shift.spells:
            if queue not in rules.skills:
                problems.append(_("The agent has no skill for queue %(q)s.") % {"q": queue})
                break
        for a, b in shift.segments:
            for lo, hi, why in rules.blocked:
                if shift.day * DAY + a < hi and lo < shift.day * DAY + b:
                    problems.append(why)
                    break
    return list(dict.fromkeys(problems))


# =====================================================================================================
# Shift templates
def _clean_shape(
    name: str,
    segments: Sequence[Sequence[str]],
    breaks: Sequence[Mapping[str, Any]],
    days: Sequence[int] | None,
) -> tuple[str, list[list[str]], list[dict[str, Any]], list[int], int]:
    name = name.strip()
    if not name:
        raise Invalid(_("Give the shift a name."), field="name")
    if len(name) > 40:
        raise Invalid(_("The name is at most 40 characters."), field="name")
    days = sorted(set(range(7) if days is None or len(days) == 0 else days))
    if any(not 0 <= d <= 6 for d in days):
        raise Invalid(_("Days are 0 (Monday) to 6 (Sunday)."), field="days")
    try:
        shape = template_of(name, segments, breaks)
    except schedule.ScheduleInputError as exc:
        raise Invalid(str(exc), field="segments") from None
    if any(a % 15 or b % 15 for a, b in shape.segments):
        raise Invalid(_("Shift times must be on a quarter hour."), field="segments")
    clean_segments = [[hhmm(a), hhmm(b)] for a, b in shape.segments]
    clean_breaks = [
        {"length": r.length, "earliest": hhmm(r.earliest_start), "latest": hhmm(r.latest_start)}
        for r in sorted(shape.breaks, key=lambda r: r.earliest_start)
    ]
    for rule in shape.breaks:
        if not _break_starts(shape, rule):
            raise Invalid(_("A meal break window does not fit inside a work segment."), field="breaks")
    return name, clean_segments, clean_breaks, days, shape.paid_minutes


@transaction.atomic
def shift_template_create(
    scope: Scope,
    *,
    name: str,
    segments: Sequence[Sequence[str]],
    breaks: Sequence[Mapping[str, Any]] = (),
    days: Sequence[int] | None = None,
    client_id: int | None = None,
) -> ShiftTemplateDef:
    """A shift shape of the provider (for one client, or every client when `client_id` is empty)."""
    scope.require(WorkforcePerm.PLAN)
    _require_provider(scope)
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."))
    name, segs, brks, days, paid = _clean_shape(name, segments, breaks, days)
    if roster_selectors.shift_template_list(scope).filter(name=name, client_id=client_id).exists():
        raise Conflict(_("A shift named %(name)s exists already.") % {"name": name}, field="name")
    return ShiftTemplateDef.objects.create(
        provider_id=scope.provider_id,
        client_id=client_id,
        name=name,
        segments=segs,
        breaks=brks,
        days=days,
        paid_minutes=paid,
    )


@transaction.atomic
def shift_template_update(
    scope: Scope,
    *,
    template_id: int,
    name: str,
    segments: Sequence[Sequence[str]],
    breaks: Sequence[Mapping[str, Any]] = (),
    days: Sequence[int] | None = None,
) -> ShiftTemplateDef:
    """Change a shape; schedules already made keep the snapshot they were solved with."""
    scope.require(WorkforcePerm.PLAN)
    template = roster_selectors.shift_template_get(scope, template_id=template_id)
    name, segs, brks, days, paid = _clean_shape(name, segments, breaks, days)
    clash = roster_selectors.shift_template_list(scope).filter(name=name, client_id=template.client_id)
    if clash.exclude(pk=template.pk).exists():
        raise Conflict(_("A shift named %(name)s exists already.") % {"name": name}, field="name")
    template.name, template.segments, template.breaks, template.days = name, segs, brks, days
    template.paid_minutes = paid
    template.save()
    return template


@transaction.atomic
def shift_template_delete(scope: Scope, *, template_id: int) -> None:
    scope.require(WorkforcePerm.PLAN)
    template = roster_selectors.shift_template_get(scope, template_id=template_id)
    template.delete()


# =====================================================================================================
# Agent work profiles
def _require_provider(scope: Scope) -> None:
    if not scope.is_provider:
        raise NotFound()


def schedulable_members(scope: Scope) -> dict[int, Any]:
    """Users of the acting provider who may be scheduled (agents and team leads), by id."""
    _require_provider(scope)
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.organization_id)
    found = {}
    for role in SCHEDULABLE_ROLES:
        for membership in tenancy_selectors.membership_list_for_role(organization, role=role):
            found[membership.user_id] = membership.user
    return found


def _hours(value: float, field_name: str) -> float:
    if not 0 <= value <= 84:
        raise Invalid(_("Hours per week must be between 0 and 84."), field=field_name)
    return float(value)


def _clean_windows(unavailable: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for entry in unavailable:
        weekday, on = entry.get("weekday"), entry.get("date")
        try:
            start, end = (
                schedule.clock(str(entry.get("start") or "00:00")),
                schedule.clock(str(entry.get("end") or "24:00")),
            )
            if on:
                date.fromisoformat(str(on))
        except ValueError:
            raise Invalid(
                _("Unavailability needs HH:MM times and YYYY-MM-DD dates."), field="unavailable"
            ) from None
        if (weekday is None) == (not on) or (weekday is not None and not 0 <= int(weekday) <= 6):
            raise Invalid(_("Each unavailability names a weekday (0–6) or a date."), field="unavailable")
        if not 0 <= start < end <= DAY:
            raise Invalid(_("Unavailability must start before it ends, within the day."), field="unavailable")
        clean.append(
            {
                "weekday": None if weekday is None else int(weekday),
                "date": on or None,
                "start": hhmm(start),
                "end": hhmm(end),
            }
        )
    return clean


@transaction.atomic
def agent_profile_set(
    scope: Scope,
    *,
    user_id: int,
    skills: Sequence[str],
    client_id: int | None = None,
    min_hours_per_week: float = 0.0,
    max_hours_per_week: float = 40.0,
    hourly_cost: float = 1.0,
    max_consecutive_days: int | None = None,
    min_rest_hours: float | None = None,
    days_off_per_week: int | None = None,
    templates: Sequence[str] = (),
    unavailable: Sequence[Mapping[str, Any]] = (),
    leave: Sequence[date | str] = (),
) -> AgentWorkProfile:
    """Create or replace what the scheduler knows of one agent of the provider."""
    scope.require(WorkforcePerm.PLAN)
    if user_id not in schedulable_members(scope):
        raise NotFound(_("Unknown agent."), field="user_id")
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    clean_skills = sorted({s.strip() for s in skills if s and s.strip()})
    if not clean_skills:
        raise Invalid(_("Give the agent at least one queue skill."), field="skills")
    low, high = (
        _hours(min_hours_per_week, "min_hours_per_week"),
        _hours(max_hours_per_week, "max_hours_per_week"),
    )
    if low > high:
        raise Invalid(_("The minimum hours exceed the maximum."), field="min_hours_per_week")
    if hourly_cost < 0:
        raise Invalid(_("The hourly cost must not be negative."), field="hourly_cost")
    if max_consecutive_days is not None and not 1 <= max_consecutive_days <= 7:
        raise Invalid(_("Consecutive days must be between 1 and 7."), field="max_consecutive_days")
    if min_rest_hours is not None and not 0 <= min_rest_hours <= 24:
        raise Invalid(_("Rest between shifts must be between 0 and 24 hours."), field="min_rest_hours")
    if days_off_per_week is not None and not 0 <= days_off_per_week <= 7:
        raise Invalid(_("Days off must be between 0 and 7."), field="days_off_per_week")
    try:
        leave_days = sorted(
            {d if isinstance(d, date) else date.fromisoformat(str(d).strip()) for d in leave if d}
        )
    except ValueError:
        raise Invalid(_("Leave dates are YYYY-MM-DD."), field="leave") from None
    values = {
        "client_id": client_id,
        "skills": clean_skills,
        "min_hours_per_week": low,
        "max_hours_per_week": high,
        "hourly_cost": float(hourly_cost),
        "max_consecutive_days": max_consecutive_days,
        "min_rest_hours": min_rest_hours,
        "days_off_per_week": days_off_per_week,
        "templates": sorted({t.strip() for t in templates if t and t.strip()}),
        "unavailable": _clean_windows(unavailable),
        "leave": [d.isoformat() for d in leave_days],
    }
    profile = roster_selectors.agent_profile_list(scope).filter(user_id=user_id).first()
    if profile is None:
        return AgentWorkProfile.objects.create(provider_id=scope.provider_id, user_id=user_id, **values)
    for key, value in values.items():
        setattr(profile, key, value)
    profile.save()
    return profile


# =====================================================================================================
# Schedules
def _resample(
    plan_rows: Sequence[Sequence[Any]], plan_interval: int, week_start: date, interval: int
) -> list[int]:
    """Agents a plan needs on the phones, on the solver's grid (the peak of plan intervals in a slot).

    The schedule places meal breaks itself, so it covers the on-phone requirement; counting the
    plan's shrinkage-inflated heads as well would pay for breaks twice. Shrinkage for absence
    and training is headcount, which the capacity plan carries (from the plan's heads).
    """
    slots = WEEK_MINUTES // interval
    row = [0] * slots
    origin = datetime.combine(week_start, datetime.min.time())
    for start_iso, agents, _heads in plan_rows:
        moment = datetime.fromisoformat(start_iso)
        if moment.tzinfo is not None:
            moment = timezone.localtime(moment).replace(tzinfo=None)
        offset = int((moment - origin).total_seconds() // 60)
        first, last = max(0, offset // interval), min(slots, -(-(offset + plan_interval) // interval))
        for slot in range(first, last):
            row[slot] = max(row[slot], int(agents))
    return row


def _profile_rules(profile: AgentWorkProfile) -> tuple[int, int, int, int]:
    """(max weekly minutes, min rest, min days off, max consecutive days) of one profile."""
    return (
        round(profile.max_hours_per_week * 60),
        DEFAULT_RULES.min_rest_minutes
        if profile.min_rest_hours is None
        else round(profile.min_rest_hours * 60),
        DEFAULT_RULES.min_days_off if profile.days_off_per_week is None else profile.days_off_per_week,
        DEFAULT_RULES.max_consecutive_days
        if profile.max_consecutive_days is None
        else profile.max_consecutive_days,
    )


def _blocked(profile: AgentWorkProfile, week_start: date) -> list[tuple[date, int, int, str]]:
    """Leave and unavailability of a profile inside the week: (day, start, end, why)."""
    found = []
    leave = {date.fromisoformat(d) for d in profile.leave}
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        if day in leave:
            found.append((day, 0, DAY, _("The agent is on leave on %(day)s.") % {"day": day.isoformat()}))
        for window in profile.unavailable:
            if window.get("date") == day.isoformat() or window.get("weekday") == day.weekday():
                found.append(
                    (
                        day,
                        schedule.clock(window["start"]),
                        schedule.clock(window["end"]),
                        _("The agent is unavailable on %(day)s %(a)s–%(b)s.")
                        % {"day": day.isoformat(), "a": window["start"], "b": window["end"]},
                    )
                )
    return found


def _other_shifts(
    scope: Scope, schedule_obj: Schedule | None, week_start: date, user_ids: Iterable[int]
) -> dict[int, list[ScheduledShift]]:
    """The agents' shifts in other schedules from a week before to a week after this one."""
    rows = roster_selectors.shifts_between(
        scope,
        user_ids=list(user_ids),
        since=week_start - timedelta(days=7),
        until=week_start + timedelta(days=14),
    )
    if schedule_obj is not None:
        rows = rows.exclude(schedule_id=schedule_obj.pk)
    found: dict[int, list[ScheduledShift]] = {}
    for row in rows:
        found.setdefault(row.agent_id, []).append(row)
    return found


def _days_worked_before(others: Sequence[ScheduledShift], week_start: date) -> int:
    worked = {s.date for s in others}
    count = 0
    while week_start - timedelta(days=count + 1) in worked and count < 7:
        count += 1
    return count


def _span(shift: ScheduledShift, week_start: date) -> tuple[int, int]:
    base = (shift.date - week_start).days * DAY
    return base + shift.start_minute, base + shift.end_minute


def agent_rules(
    profile: AgentWorkProfile, schedule_obj: Schedule, others: Sequence[ScheduledShift]
) -> AgentRules:
    """The rules one agent's week in this schedule must keep, other schedules' shifts included."""
    week = schedule_obj.week_start
    max_min, rest, days_off, consecutive = _profile_rules(profile)
    in_week = [s for s in others if week <= s.date < week + timedelta(days=7)]
    blocked = [
        ((d - week).days * DAY + a, (d - week).days * DAY + b, why)
        for d, a, b, why in _blocked(profile, week)
    ]
    blocked += [
        (
            (s.date - week).days * DAY,
            (s.date - week).days * DAY + DAY,
            _("The agent works in another schedule that day."),
        )
        for s in in_week
    ]
    return AgentRules(
        max_weekly_minutes=max_min - sum(s.paid_minutes for s in in_week),
        min_rest_minutes=rest,
        min_days_off=days_off,
        other_days=frozenset((s.date - week).days for s in in_week),
        max_consecutive_days=consecutive,
        days_worked_before=_days_worked_before(others, week),
        skills=frozenset(profile.skills) & frozenset(schedule_obj.queues),
        templates=frozenset(profile.templates) if profile.templates else None,
        blocked=tuple(blocked),
        other_spans=tuple(_span(s, week) for s in others),
    )


def _solver_agent(
    profile: AgentWorkProfile,
    queues: Sequence[str],
    week_start: date,
    others: Sequence[ScheduledShift],
    template_names: set[str],
) -> schedule.Agent:
    """One agent with every rule of its own: contract hours, rest, days off, consecutive days,
    availability and leave, and the shifts it works in other schedules around this week."""
    in_week = [s for s in others if week_start <= s.date < week_start + timedelta(days=7)]
    before = [s for s in others if s.date < week_start]
    other_paid = sum(s.paid_minutes for s in in_week)
    max_min, rest, days_off, consecutive = _profile_rules(profile)
    unavailable = [
        schedule.Unavailable(day=d, start=a, end=b) for d, a, b, _why in _blocked(profile, week_start)
    ]
    return schedule.Agent(
        id=str(profile.user_id),
        skills=frozenset(profile.skills) & frozenset(queues),
        hourly_cost=profile.hourly_cost,
        max_weekly_minutes=max(0, max_min - other_paid),
        min_weekly_minutes=max(0, round(profile.min_hours_per_week * 60) - other_paid),
        templates=(frozenset(profile.templates) & template_names) if profile.templates else None,
        unavailable=tuple(u for u in unavailable if u.end > u.start),
        days_worked_before=_days_worked_before(others, week_start),
        last_shift_end=max((_span(s, week_start)[1] for s in before), default=None),
        min_rest_minutes=rest,
        min_days_off=days_off,
        max_consecutive_days=consecutive,
        other_days=frozenset((s.date - week_start).days for s in in_week),
        other_shifts=tuple(_span(s, week_start) for s in others if s.date >= week_start),
    )


def _holidays(week_start: date) -> frozenset[date]:
    try:
        return schedule.public_holidays(week_start)
    except (NotImplementedError, ImportError):
        return frozenset()  # chinese_calendar knows only the years it was released for


def _placed(row: ScheduledShift, week_start: date) -> PlacedShift:
    return PlacedShift(
        day=(row.date - week_start).days,
        template=row.template,
        segments=tuple((a, b) for a, b in row.segments),
        breaks=tuple((a, b) for a, b in row.breaks),
        spells=tuple((a, b, q) for a, b, q in row.spells),
        paid_minutes=row.paid_minutes,
    )


def _recompute_coverage(schedule_obj: Schedule) -> None:
    rows = roster_selectors.scheduled_shift_rows(schedule_obj)
    placed = [_placed(r, schedule_obj.week_start) for r in rows]
    required = schedule_obj.coverage.get("required", {})
    scheduled = scheduled_heads(placed, queues=schedule_obj.queues, interval=schedule_obj.interval_minutes)
    summary = coverage_summary(required, scheduled, interval=schedule_obj.interval_minutes)
    schedule_obj.coverage = {"required": required, "scheduled": scheduled}
    schedule_obj.under_staffed_share = summary["under_staffed_share"]
    schedule_obj.save(update_fields=["coverage", "under_staffed_share"])


def schedule_create(
    scope: Scope,
    *,
    client_id: int | None,
    week_start: date,
    queues: Mapping[str, int] | None = None,
    required: Mapping[str, Sequence[int]] | None = None,
    template_ids: Sequence[int] | None = None,
    interval_minutes: int = 30,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    solve: bool = True,
    wait: bool = False,
) -> Schedule:
    """A week to staff, from staffing plans (`queues` = {queue: plan id}) or uploaded heads.

    `required` gives heads per queue per interval directly (7 × 1440 / `interval_minutes` each).
    With `solve` the solve is queued as a background task (the schedule's `solve_state` tells how it
    goes; `wait` solves in this call instead, for the demo loader); without, the schedule starts
    empty, to be filled in the grid editor.
    """
    scope.require(WorkforcePerm.PLAN)
    _require_provider(scope)
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    if week_start.weekday() != 0:
        raise Invalid(_("A schedule week starts on a Monday."), field="week_start")
    if interval_minutes not in INTERVALS:
        raise Invalid(_("The interval must be 15, 30 or 60 minutes."), field="interval_minutes")
    _check_time_limit(time_limit_s)
    if bool(queues) == bool(required):
        raise Invalid(_("Give either a staffing plan per queue or the required heads."), field="queues")
    slots = WEEK_MINUTES // interval_minutes
    demand: dict[str, list[int]] = {}
    source: dict[str, Any]
    if queues:
        source = {"plans": {}}
        for queue, plan_id in queues.items():
            name = str(queue).strip()
            if not name:
                raise Invalid(_("Every queue needs a name."), field="queues")
            plan = selectors.staffing_plan_get(scope, plan_id=int(plan_id))
            if client_id is not None and plan.client_id != client_id:
                raise Invalid(
                    _("Staffing plan %(id)d is for another client.") % {"id": plan.pk}, field="queues"
                )
            row = _resample(plan.required, plan.forecast.interval_minutes, week_start, interval_minutes)
            if not any(row):
                raise Invalid(
                    _("Staffing plan %(id)d has no demand in the week of %(week)s.")
                    % {"id": plan.pk, "week": week_start.isoformat()},
                    field="queues",
                )
            demand[name] = row
            source["plans"][name] = plan.pk
    else:
        source = {"uploaded": True}
        for queue, row in (required or {}).items():
            if len(row) != slots or any(int(v) < 0 for v in row):
                raise Invalid(
                    _("Required heads need %(n)d non-negative values per queue.") % {"n": slots},
                    field="required",
                )
            demand[str(queue).strip()] = [int(v) for v in row]
    queue_names = list(demand)

    templates_qs = roster_selectors.shift_template_list(scope, client_id=client_id, active=True)
    if template_ids:
        templates_qs = templates_qs.filter(pk__in=list(template_ids))
    template_rows = list(templates_qs)
    if not template_rows:
        raise Invalid(_("Define at least one shift template first."), field="template_ids")
    snapshot = [
        {
            "name": t.name,
            "segments": t.segments,
            "breaks": t.breaks,
            "days": t.days,
            "paid_minutes": t.paid_minutes,
        }
        for t in template_rows
    ]
    for shape in _snapshot_shapes(snapshot):
        if any(a % interval_minutes or b % interval_minutes for a, b in shape.segments) or any(
            r.length % interval_minutes for r in shape.breaks
        ):
            raise Invalid(
                _("Shift %(name)s does not fit a %(n)d-minute interval; choose a shorter interval.")
                % {"name": shape.name, "n": interval_minutes},
                field="interval_minutes",
            )
    if solve and not _solvable_profiles(scope, client_id, queue_names):
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")

    with transaction.atomic():
        created = Schedule.objects.create(
            provider_id=scope.provider_id,
            client_id=client_id,
            week_start=week_start,
            queues=queue_names,
            demand_source=source,
            interval_minutes=interval_minutes,
            rules=_rules_record(DEFAULT_RULES),
            templates=snapshot,
            coverage={"required": demand, "scheduled": {q: [0] * slots for q in queue_names}},
            solve_time_limit_s=time_limit_s,
            created_by_id=scope.user_id,
        )
        _recompute_coverage(created)
        tenancy_services.audit_record(
            scope,
            action="workforce.schedule_created",
            target=created,
            client_id=client_id,
            data={"solve": solve, "week_start": week_start.isoformat()},
        )
        if solve:
            _queue_solve(scope, created, background=not wait)
    if solve and wait:
        created = schedule_solve_run(scope, schedule_id=created.pk)
    return created


def _check_time_limit(time_limit_s: float) -> None:
    if not 1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise Invalid(_("The time limit must be between 1 and 120 seconds."), field="time_limit_s")


def _rules_record(rules: schedule.LabourRules) -> dict[str, int]:
    return {
        "max_weekly_minutes": rules.max_weekly_minutes,
        "min_rest_minutes": rules.min_rest_minutes,
        "min_days_off": rules.min_days_off,
        "max_consecutive_days": rules.max_consecutive_days,
    }


def _snapshot_shapes(snapshot: Sequence[Mapping[str, Any]]) -> list[schedule.ShiftTemplate]:
    """Solver templates of a schedule's snapshot, each with the weekdays it may be used on."""
    return [template_of(t["name"], t["segments"], t["breaks"], days=t.get("days")) for t in snapshot]


def _solvable_profiles(
    scope: Scope, client_id: int | None, queue_names: Sequence[str]
) -> list[AgentWorkProfile]:
    """Profiles with a skill for these queues, of the client's agents or the shared pool."""
    return [
        p
        for p in roster_selectors.agent_profile_list(scope)
        if set(p.skills) & set(queue_names) and (client_id is None or p.client_id in (None, client_id))
    ]


# --- background solving --------------------------------------------------------------------------------
SOLVE_STALE_MARGIN_S = 300  # a solve running this long past its time limit was lost with its worker


def solve_busy(schedule_obj: Schedule) -> bool:
    """Whether a solve is queued or running (and not lost with a crashed worker)."""
    state = schedule_obj.solve_state
    if state == Schedule.SolveState.QUEUED:
        return True
    if state == Schedule.SolveState.RUNNING and schedule_obj.solve_started_at is not None:
        limit = (schedule_obj.solve_time_limit_s or MAX_TIME_LIMIT_S) + SOLVE_STALE_MARGIN_S
        return (clock.now() - schedule_obj.solve_started_at).total_seconds() < limit
    return False


def _queue_solve(scope: Scope, schedule_obj: Schedule, *, background: bool = True) -> None:
    """Mark the schedule queued and enqueue its solve task in the same transaction.

    The task row (django-tasks' database backend) commits or rolls back with the schedule, so a
    worker never sees a solve for a schedule that does not exist.
    """
    schedule_obj.solve_state = Schedule.SolveState.QUEUED
    schedule_obj.solve_message = ""
    schedule_obj.solve_queued_at = clock.now()
    schedule_obj.solve_started_at = schedule_obj.solve_finished_at = None
    schedule_obj.solve_task_id = ""
    if background:
        from kefu.workforce import tasks  # the task module imports this one

        result = tasks.schedule_solve.enqueue(
            schedule_id=schedule_obj.pk,
            provider_id=schedule_obj.provider_id,
            client_ids=sorted(scope.client_ids),
        )
        schedule_obj.solve_task_id = str(result.id)[:64]
    schedule_obj.save(
        update_fields=[
            "solve_state",
            "solve_message",
            "solve_queued_at",
            "solve_started_at",
            "solve_finished_at",
            "solve_task_id",
        ]
    )


@transaction.atomic
def schedule_solve(scope: Scope, *, schedule_id: int, time_limit_s: float | None = None) -> Schedule:
    """Queue a (re-)solve of a draft schedule; its shifts are replaced when the solve is done.

    A second solve while one is queued or running is refused (`Conflict`).
    """
    scope.require(WorkforcePerm.PLAN)
    schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    if schedule_obj.status == Schedule.Status.PUBLISHED:
        raise Conflict(_("A published schedule is not solved again; edit its shifts instead."))
    if solve_busy(schedule_obj):
        raise Conflict(_("This schedule is being solved already; wait until the solve ends."))
    if time_limit_s is not None:
        _check_time_limit(time_limit_s)
        schedule_obj.solve_time_limit_s = time_limit_s
        schedule_obj.save(update_fields=["solve_time_limit_s"])
    if not _solvable_profiles(scope, schedule_obj.client_id, schedule_obj.queues):
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")
    _queue_solve(scope, schedule_obj)
    return schedule_obj


def _solve_claim(scope: Scope, schedule_id: int) -> Schedule | None:
    """Move a queued solve to running (committed at once, so the page shows it); None if not queued."""
    with transaction.atomic():
        schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        if schedule_obj.solve_state != Schedule.SolveState.QUEUED:
            return None
        schedule_obj.solve_state = Schedule.SolveState.RUNNING
        schedule_obj.solve_started_at = clock.now()
        schedule_obj.save(update_fields=["solve_state", "solve_started_at"])
    return schedule_obj


def _solve_fail(scope: Scope, schedule_id: int, message: str) -> Schedule:
    with transaction.atomic():
        schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        schedule_obj.solve_state = Schedule.SolveState.FAILED
        schedule_obj.solve_message = message[:500]
        schedule_obj.solve_finished_at = clock.now()
        schedule_obj.save(update_fields=["solve_state", "solve_message", "solve_finished_at"])
    return schedule_obj


def schedule_solve_run(scope: Scope, *, schedule_id: int) -> Schedule:
    """Solve a queued schedule now (the background task's work): read the profiles as they are now,
    solve outside any transaction, then replace the schedule's shifts in one transaction.

    Bad input ends the solve as failed with the reason; an unexpected error does too and is raised
    again, so the worker logs it.
    """
    scope.require(WorkforcePerm.PLAN)
    schedule_obj = _solve_claim(scope, schedule_id)
    if schedule_obj is None:
        return roster_selectors.schedule_get(scope, schedule_id=schedule_id)
    try:
        problem, notes = _problem_of(scope, schedule_obj)
        result = schedule.solve_schedule(
            problem, time_limit_s=schedule_obj.solve_time_limit_s or DEFAULT_TIME_LIMIT_S, num_workers=2
        )
    except (Invalid, schedule.ScheduleInputError) as exc:
        return _solve_fail(scope, schedule_id, str(getattr(exc, "message", exc)))
    except Exception:
        _solve_fail(scope, schedule_id, _("The solver stopped with an error; see the worker's log."))
        raise
    with transaction.atomic():
        schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        roster_selectors.scheduled_shift_rows(schedule_obj).delete()
        ScheduledShift.objects.bulk_create(
            [
                ScheduledShift(
                    provider_id=schedule_obj.provider_id,
                    client_id=schedule_obj.client_id,
                    schedule=schedule_obj,
                    agent_id=int(a.agent_id),
                    date=a.date,
                    template=a.template,
                    start_minute=a.segments[0][0],
                    end_minute=a.segments[-1][1],
                    segments=[list(s) for s in a.segments],
                    breaks=[[b.start, b.end] for b in a.breaks],
                    spells=[[s.start, s.end, s.queue] for s in a.spells],
                    paid_minutes=a.paid_minutes,
                )
                for a in result.assignments
            ]
        )
        schedule_obj.rules = _rules_record(problem.rules)
        schedule_obj.solver_status = str(result.status)
        schedule_obj.problems = list(result.problems)
        schedule_obj.notes = notes
        schedule_obj.objective = result.objective
        schedule_obj.solve_seconds = round(result.solve_seconds, 3)
        schedule_obj.solve_stats = {
            **dict(result.stats),
            "shifts": len(result.assignments),
            "best_bound": result.best_bound,
            "labour_cost": round(result.labour_cost, 2),
        }
        schedule_obj.solve_state = Schedule.SolveState.DONE
        schedule_obj.solve_message = ""
        schedule_obj.solve_finished_at = clock.now()
        schedule_obj.save()
        _recompute_coverage(schedule_obj)
        tenancy_services.audit_record(
            scope,
            action="workforce.schedule_solved",
            target=schedule_obj,
            client_id=schedule_obj.client_id,
            data={"status": schedule_obj.solver_status, "shifts": len(result.assignments)},
        )
    return schedule_obj


def _problem_of(scope: Scope, schedule_obj: Schedule) -> tuple[schedule.ScheduleProblem, list[str]]:
    """The solver's input for a stored schedule: its demand and shift snapshot, today's profiles.

    Every labour rule is the agent's own (`_solver_agent`); the problem's rules are the defaults.
    """
    week_start = schedule_obj.week_start
    queue_names = list(schedule_obj.queues)
    shapes = _snapshot_shapes(schedule_obj.templates)
    profiles = _solvable_profiles(scope, schedule_obj.client_id, queue_names)
    if not profiles:
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")
    others = _other_shifts(scope, schedule_obj, week_start, [p.user_id for p in profiles])
    names = {s.name for s in shapes}
    notes = []
    no_template = [str(p.user) for p in profiles if p.templates and not set(p.templates) & names]
    if no_template:
        notes.append(
            _("Not scheduled, none of their shifts is in this schedule: %(agents)s.")
            % {"agents": ", ".join(no_template)}
        )
    problem = schedule.ScheduleProblem(
        start_date=week_start,
        queues=tuple(queue_names),
        required=schedule_obj.coverage.get("required", {}),
        agents=tuple(
            _solver_agent(p, queue_names, week_start, others.get(p.user_id, []), names) for p in profiles
        ),
        templates=tuple(shapes),
        rules=schedule.LabourRules(
            max_weekly_minutes=WEEK_MINUTES,  # the cap is each agent's contract (`_solver_agent`)
            min_rest_minutes=DEFAULT_RULES.min_rest_minutes,
            min_days_off=DEFAULT_RULES.min_days_off,
            max_consecutive_days=DEFAULT_RULES.max_consecutive_days,
        ),
        interval_minutes=schedule_obj.interval_minutes,
        holidays=_holidays(week_start),
    )
    return problem, notes


def _shape(schedule_obj: Schedule, name: str) -> tuple[schedule.ShiftTemplate, set[int]]:
    for t in schedule_obj.templates:
        if t["name"] == name:
            return template_of(t["name"], t["segments"], t["breaks"]), set(t["days"] or range(7))
    raise Invalid(_("Unknown shift %(name)s.") % {"name": name}, field="template")


def _profile_for(scope: Scope, user_id: int) -> AgentWorkProfile:
    profile = roster_selectors.agent_profile_list(scope).filter(user_id=user_id).first()
    if profile is None:
        raise Invalid(_("The agent has no work profile."), field="user_id")
    return profile


def _check_week(scope: Scope, schedule_obj: Schedule, user_id: int, week: Mapping[int, PlacedShift]) -> None:
    """Raise `Invalid` naming the agent and every rule their week would break."""
    profile = _profile_for(scope, user_id)
    others = _other_shifts(scope, schedule_obj, schedule_obj.week_start, [user_id]).get(user_id, [])
    problems = rule_violations(agent_rules(profile, schedule_obj, others), list(week.values()))
    if problems:
        raise Invalid(
            _("%(agent)s: %(problems)s") % {"agent": profile.user, "problems": " ".join(problems)},
            field="template",
        )


def _week_of(schedule_obj: Schedule, user_id: int) -> dict[int, PlacedShift]:
    rows = roster_selectors.scheduled_shift_rows(schedule_obj).filter(agent_id=user_id)
    return {(r.date - schedule_obj.week_start).days: _placed(r, schedule_obj.week_start) for r in rows}


def _write_day(
    scope: Scope, schedule_obj: Schedule, user_id: int, day: int, placed: PlacedShift | None
) -> None:
    on = schedule_obj.week_start + timedelta(days=day)
    existing = roster_selectors.scheduled_shift_rows(schedule_obj).filter(agent_id=user_id, date=on)
    existing.delete()
    if placed is None:
        return
    ScheduledShift.objects.create(
        provider_id=schedule_obj.provider_id,
        client_id=schedule_obj.client_id,
        schedule=schedule_obj,
        agent_id=user_id,
        date=on,
        template=placed.template,
        start_minute=placed.start,
        end_minute=placed.end,
        segments=[list(s) for s in placed.segments],
        breaks=[list(b) for b in placed.breaks],
        spells=[list(s) for s in placed.spells],
        paid_minutes=placed.paid_minutes,
        edited_by_id=scope.user_id,
        edited_at=timezone.now(),
    )


def _day_index(schedule_obj: Schedule, day: date) -> int:
    index = (day - schedule_obj.week_start).days
    if not 0 <= index < 7:
        raise Invalid(_("The day is outside the schedule's week."), field="date")
    return index


def _place(
    schedule_obj: Schedule, *, template: str, day: int, queue: str, break_starts: Sequence[int] | None
) -> PlacedShift:
    shape, days = _shape(schedule_obj, template)
    if day not in days:
        raise Invalid(_("Shift %(name)s is not used on that weekday.") % {"name": template}, field="template")
    if queue not in schedule_obj.queues:
        raise Invalid(_("Unknown queue %(q)s.") % {"q": queue}, field="queue")
    try:
        return place_shift(shape, day=day, queue=queue, break_starts=break_starts)
    except ValueError as exc:
        raise Invalid(str(exc), field="break_starts") from None


@transaction.atomic
def schedule_shift_edit(
    scope: Scope,
    *,
    schedule_id: int,
    user_id: int,
    day: date,
    template: str = "",
    queue: str = "",
    break_starts: Sequence[int] | None = None,
) -> Schedule:
    """Set (or clear, with an empty template) one agent's shift on one day; the week must stay lawful."""
    scope.require(WorkforcePerm.PLAN)
    schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    index = _day_index(schedule_obj, day)
    profile = _profile_for(scope, user_id)
    week = _week_of(schedule_obj, user_id)
    if template:
        if not queue:
            skills = [q for q in schedule_obj.queues if q in profile.skills]
            queue = skills[0] if skills else ""
        week[index] = _place(
            schedule_obj, template=template, day=index, queue=queue, break_starts=break_starts
        )
        _check_week(scope, schedule_obj, user_id, week)
    else:
        week.pop(index, None)
    _write_day(scope, schedule_obj, user_id, index, week.get(index))
    _recompute_coverage(schedule_obj)
    if schedule_obj.status == Schedule.Status.PUBLISHED:
        tenancy_services.audit_record(
            scope,
            action="workforce.published_shift_edited",
            target=schedule_obj,
            client_id=schedule_obj.client_id,
            data={"agent_id": user_id, "date": day.isoformat(), "template": template},
        )
    return schedule_obj


@transaction.atomic
def schedule_publish(scope: Scope, *, schedule_id: int) -> Schedule:
    """Agents see the schedule on their "my schedule" page from now on."""
    scope.require(WorkforcePerm.PLAN)
    schedule_obj = roster_selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    if schedule_obj.status == Schedule.Status.PUBLISHED:
        raise Conflict(_("The schedule is already published."))
    if not roster_selectors.scheduled_shift_rows(schedule_obj).exists():
        raise Invalid(_("The schedule has no shifts to publish."))
    schedule_obj.status = Schedule.Status.PUBLISHED
    schedule_obj.published_at = timezone.now()
    schedule_obj.save(update_fields=["status", "published_at"])
    tenancy_services.audit_record(
        scope,
        action="workforce.schedule_published",
        target=schedule_obj,
        client_id=schedule_obj.client_id,
        data={"week_start": schedule_obj.week_start.isoformat()},
    )
    return schedule_obj


# =====================================================================================================
# Requests: swap, leave, change
@transaction.atomic
def schedule_request_create(
    scope: Scope,
    *,
    schedule_id: int,
    kind: str,
    day: date,
    reason: str = "",
    target_user_id: int | None = None,
    target_template: str = "",
) -> ScheduleRequest:
    """An agent asks about one day of a published schedule; a team lead decides."""
    scope.require(WorkforcePerm.VIEW_OWN_SCHEDULE)
    schedule_obj = roster_selectors.published_schedule_get(scope, schedule_id=schedule_id)
    if kind not in ScheduleRequest.Kind.values:
        raise Invalid(_("Unknown request kind."), field="kind")
    index = _day_index(schedule_obj, day)
    if day < timezone.localdate():
        raise Invalid(_("That day is past."), field="date")
    own = _week_of(schedule_obj, scope.user_id).get(index)
    if kind == ScheduleRequest.Kind.SWAP:
        if target_user_id is None or target_user_id == scope.user_id:
            raise Invalid(_("Choose the colleague to swap with."), field="target_user_id")
        if target_user_id not in roster_selectors.profile_user_ids(scope):
            raise NotFound(_("Unknown colleague."), field="target_user_id")
        theirs = _week_of(schedule_obj, target_user_id).get(index)
        if own is None and theirs is None:
            raise Invalid(_("Neither of you works that day."), field="date")
    elif kind == ScheduleRequest.Kind.LEAVE:
        if own is None:
            raise Invalid(_("You have no shift that day."), field="date")
    else:
        if not target_template:
            raise Invalid(_("Choose the shift you would like."), field="target_template")
        _shape(schedule_obj, target_template)
    if (
        roster_selectors.schedule_request_list(scope, schedule_id=schedule_obj.pk)
        .filter(agent_id=scope.user_id, date=day, status=ScheduleRequest.Status.PENDING)
        .exists()
    ):
        raise Conflict(_("You already have a pending request for that day."), field="date")
    return ScheduleRequest.objects.create(
        provider_id=schedule_obj.provider_id,
        client_id=schedule_obj.client_id,
        schedule=schedule_obj,
        agent_id=scope.user_id,
        kind=kind,
        date=day,
        target_agent_id=target_user_id if kind == ScheduleRequest.Kind.SWAP else None,
        target_template=target_template if kind == ScheduleRequest.Kind.CHANGE else "",
        reason=reason.strip()[:300],
    )


def _retarget(shift: PlacedShift, skills: Sequence[str]) -> PlacedShift:
    """The same shift for another agent: queues they lack move to their first skill in the schedule."""
    if all(q in skills for _a, _b, q in shift.spells):
        return shift
    if not skills:
        return shift  # the rule check reports the missing skill
    spells = tuple((a, b, q if q in skills else skills[0]) for a, b, q in shift.spells)
    return PlacedShift(shift.day, shift.template, shift.segments, shift.breaks, spells, shift.paid_minutes)


@transaction.atomic
def schedule_request_decide(
    scope: Scope, *, request_id: int, approve: bool, note: str = ""
) -> ScheduleRequest:
    """Approve (apply the change atomically, re-checking every rule) or reject a pending request."""
    scope.require(WorkforcePerm.APPROVE_REQUESTS)
    request = roster_selectors.schedule_request_get(scope, request_id=request_id, for_update=True)
    if request.status != ScheduleRequest.Status.PENDING:
        raise Conflict(_("The request was already decided."))
    schedule_obj = roster_selectors.schedule_get(scope, schedule_id=request.schedule_id, for_update=True)
    if approve:
        index = _day_index(schedule_obj, request.date)
        mine = _week_of(schedule_obj, request.agent_id)
        changes: dict[int, PlacedShift | None] = {}
        if request.kind == ScheduleRequest.Kind.LEAVE:
            mine.pop(index, None)
            changes[request.agent_id] = None
        elif request.kind == ScheduleRequest.Kind.CHANGE:
            profile = _profile_for(scope, request.agent_id)
            current = mine.get(index)
            queue = current.spells[0][2] if current and current.spells else ""
            skills = [q for q in schedule_obj.queues if q in profile.skills]
            placed = _place(
                schedule_obj,
                template=request.target_template,
                day=index,
                queue=queue if queue in skills else (skills[0] if skills else ""),
                break_starts=None,
            )
            mine[index] = placed
            changes[request.agent_id] = placed
            _check_week(scope, schedule_obj, request.agent_id, mine)
        else:
            other_id = request.target_agent_id
            if other_id is None:
                raise Invalid(_("The colleague no longer exists."))
            theirs = _week_of(schedule_obj, other_id)
            mine_day, their_day = mine.pop(index, None), theirs.pop(index, None)
            for week, user_id, incoming in (
                (mine, request.agent_id, their_day),
                (theirs, other_id, mine_day),
            ):
                skills = [q for q in schedule_obj.queues if q in _profile_for(scope, user_id).skills]
                if incoming is not None:
                    week[index] = _retarget(incoming, skills)
                changes[user_id] = week.get(index)
                _check_week(scope, schedule_obj, user_id, week)
        for user_id, placed in changes.items():
            _write_day(scope, schedule_obj, user_id, index, placed)
        _recompute_coverage(schedule_obj)
    request.status = ScheduleRequest.Status.APPROVED if approve else ScheduleRequest.Status.REJECTED
    request.decided_by_id = scope.user_id
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    tenancy_services.audit_record(
        scope,
        action=f"workforce.schedule_request_{request.status}",
        target=request,
        client_id=request.client_id,
        data={"kind": request.kind, "date": request.date.isoformat(), "agent_id": request.agent_id},
    )
    return request
