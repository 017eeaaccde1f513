"""Stored rows in and out of the pure core: a staffing plan resampled to the solver's grid, an agent's
profile and other schedules' shifts as the rules of its week, a stored schedule as a `ScheduleProblem`,
and the schedule's coverage recomputed from its shifts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.workforce.models import (
    AgentWorkProfile,
    Schedule,
    ScheduledShift,
)
from kefu.workforce.rostering import grid, problem, selectors


def resample(
    plan_rows: Sequence[Sequence[Any]], plan_interval: int, week_start: date, interval: int
) -> list[int]:
    """Agents a plan needs on the phones, on the solver's grid (the peak of plan intervals in a slot).

    The schedule places meal breaks itself, so it covers the on-phone requirement; counting the
    plan's shrinkage-inflated heads as well would pay for breaks twice. Shrinkage for absence
    and training is headcount, which the capacity plan carries (from the plan's heads).
    """
    slots = grid.WEEK_MINUTES // interval
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
        grid.DEFAULT_RULES.min_rest_minutes
        if profile.min_rest_hours is None
        else round(profile.min_rest_hours * 60),
        grid.DEFAULT_RULES.min_days_off if profile.days_off_per_week is None else profile.days_off_per_week,
        grid.DEFAULT_RULES.max_consecutive_days
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
            found.append(
                (day, 0, grid.DAY, _("The agent is on leave on %(day)s.") % {"day": day.isoformat()})
            )
        for window in profile.unavailable:
            if window.get("date") == day.isoformat() or window.get("weekday") == day.weekday():
                found.append(
                    (
                        day,
                        problem.clock(window["start"]),
                        problem.clock(window["end"]),
                        _("The agent is unavailable on %(day)s %(a)s–%(b)s.")
                        % {"day": day.isoformat(), "a": window["start"], "b": window["end"]},
                    )
                )
    return found


def other_shifts(
    scope: Scope, schedule_obj: Schedule | None, week_start: date, user_ids: Iterable[int]
) -> dict[int, list[ScheduledShift]]:
    """The agents' shifts in other schedules from a week before to a week after this one."""
    rows = selectors.shifts_between(
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
    base = (shift.date - week_start).days * grid.DAY
    return base + shift.start_minute, base + shift.end_minute


def agent_rules(
    profile: AgentWorkProfile, schedule_obj: Schedule, others: Sequence[ScheduledShift]
) -> grid.AgentRules:
    """The rules one agent's week in this schedule must keep, other schedules' shifts included."""
    week = schedule_obj.week_start
    max_min, rest, days_off, consecutive = _profile_rules(profile)
    in_week = [s for s in others if week <= s.date < week + timedelta(days=7)]
    blocked = [
        ((d - week).days * grid.DAY + a, (d - week).days * grid.DAY + b, why)
        for d, a, b, why in _blocked(profile, week)
    ]
    blocked += [
        (
            (s.date - week).days * grid.DAY,
            (s.date - week).days * grid.DAY + grid.DAY,
            _("The agent works in another schedule that day."),
        )
        for s in in_week
    ]
    return grid.AgentRules(
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
) -> problem.Agent:
    """One agent with every rule of its own: contract hours, rest, days off, consecutive days,
    availability and leave, and the shifts it works in other schedules around this week."""
    in_week = [s for s in others if week_start <= s.date < week_start + timedelta(days=7)]
    before = [s for s in others if s.date < week_start]
    other_paid = sum(s.paid_minutes for s in in_week)
    max_min, rest, days_off, consecutive = _profile_rules(profile)
    unavailable = [
        problem.Unavailable(day=d, start=a, end=b) for d, a, b, _why in _blocked(profile, week_start)
    ]
    return problem.Agent(
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
        return problem.public_holidays(week_start)
    except (NotImplementedError, ImportError):
        return frozenset()  # chinese_calendar knows only the years it was released for


def placed(row: ScheduledShift, week_start: date) -> grid.PlacedShift:
    return grid.PlacedShift(
        day=(row.date - week_start).days,
        template=row.template,
        segments=tuple((a, b) for a, b in row.segments),
        breaks=tuple((a, b) for a, b in row.breaks),
        spells=tuple((a, b, q) for a, b, q in row.spells),
        paid_minutes=row.paid_minutes,
    )


def recompute_coverage(schedule_obj: Schedule) -> None:
    rows = selectors.scheduled_shift_rows(schedule_obj)
    shifts = [placed(r, schedule_obj.week_start) for r in rows]
    required = schedule_obj.coverage.get("required", {})
    scheduled = grid.scheduled_heads(
        shifts, queues=schedule_obj.queues, interval=schedule_obj.interval_minutes
    )
    summary = grid.coverage_summary(required, scheduled, interval=schedule_obj.interval_minutes)
    schedule_obj.coverage = {"required": required, "scheduled": scheduled}
    schedule_obj.under_staffed_share = summary["under_staffed_share"]
    schedule_obj.save(update_fields=["coverage", "under_staffed_share"])


def rules_record(rules: problem.LabourRules) -> dict[str, int]:
    return {
        "max_weekly_minutes": rules.max_weekly_minutes,
        "min_rest_minutes": rules.min_rest_minutes,
        "min_days_off": rules.min_days_off,
        "max_consecutive_days": rules.max_consecutive_days,
    }


def snapshot_shapes(snapshot: Sequence[Mapping[str, Any]]) -> list[problem.ShiftTemplate]:
    """Solver templates of a schedule's snapshot, each with the weekdays it may be used on."""
    return [grid.template_of(t["name"], t["segments"], t["breaks"], days=t.get("days")) for t in snapshot]


def solvable_profiles(
    scope: Scope, client_id: int | None, queue_names: Sequence[str]
) -> list[AgentWorkProfile]:
    """Profiles with a skill for these queues, of the client's agents or the shared pool."""
    return [
        p
        for p in selectors.with_routing_skills(scope, selectors.agent_profile_list(scope))
        if set(p.skills) & set(queue_names) and (client_id is None or p.client_id in (None, client_id))
    ]


def problem_of(scope: Scope, schedule_obj: Schedule) -> tuple[problem.ScheduleProblem, list[str]]:
    """The solver's input for a stored schedule: its demand and shift snapshot, today's profiles.

    Every labour rule is the agent's own (`_solver_agent`); the problem's rules are the defaults.
    """
    week_start = schedule_obj.week_start
    queue_names = list(schedule_obj.queues)
    shapes = snapshot_shapes(schedule_obj.templates)
    profiles = solvable_profiles(scope, schedule_obj.client_id, queue_names)
    if not profiles:
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")
    others = other_shifts(scope, schedule_obj, week_start, [p.user_id for p in profiles])
    names = {s.name for s in shapes}
    notes = []
    no_template = [str(p.user) for p in profiles if p.templates and not set(p.templates) & names]
    if no_template:
        notes.append(
            _("Not scheduled, none of their shifts is in this schedule: %(agents)s.")
            % {"agents": ", ".join(no_template)}
        )
    solver_input = problem.ScheduleProblem(
        start_date=week_start,
        queues=tuple(queue_names),
        required=schedule_obj.coverage.get("required", {}),
        agents=tuple(
            _solver_agent(p, queue_names, week_start, others.get(p.user_id, []), names) for p in profiles
        ),
        templates=tuple(shapes),
        rules=problem.LabourRules(
            max_weekly_minutes=grid.WEEK_MINUTES,  # the cap is each agent's contract (`_solver_agent`)
            min_rest_minutes=grid.DEFAULT_RULES.min_rest_minutes,
            min_days_off=grid.DEFAULT_RULES.min_days_off,
            max_consecutive_days=grid.DEFAULT_RULES.max_consecutive_days,
        ),
        interval_minutes=schedule_obj.interval_minutes,
        holidays=_holidays(week_start),
    )
    return solver_input, notes
