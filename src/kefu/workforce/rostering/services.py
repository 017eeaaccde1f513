"""Writes of weekly schedules: shift templates, agent work profiles, schedule creation, queuing a solve,
grid edits, publishing, requests (swap, leave, change).

The solve itself runs in `solving` (the background task calls it); the stored rows become the pure
core's types in `stored`; every later change is checked against the labour rules in `grid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services
from kefu.workforce import selectors as workforce_selectors
from kefu.workforce.models import (
    AgentWorkProfile,
    Schedule,
    ScheduledShift,
    ScheduleRequest,
    ShiftTemplateDef,
)
from kefu.workforce.permissions import WorkforcePerm
from kefu.workforce.rostering import grid, problem, selectors, solving, stored, tasks

INTERVALS = (15, 30, 60)
SCHEDULABLE_ROLES = (Role.AGENT, Role.SUPERVISOR)


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
        shape = grid.template_of(name, segments, breaks)
    except problem.ScheduleInputError as exc:
        raise Invalid(str(exc), field="segments") from None
    if any(a % 15 or b % 15 for a, b in shape.segments):
        raise Invalid(_("Shift times must be on a quarter hour."), field="segments")
    clean_segments = [[grid.hhmm(a), grid.hhmm(b)] for a, b in shape.segments]
    clean_breaks = [
        {"length": r.length, "earliest": grid.hhmm(r.earliest_start), "latest": grid.hhmm(r.latest_start)}
        for r in sorted(shape.breaks, key=lambda r: r.earliest_start)
    ]
    for rule in shape.breaks:
        if not grid.allowed_break_starts(shape, rule):
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
    if selectors.shift_template_list(scope).filter(name=name, client_id=client_id).exists():
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
    template = selectors.shift_template_get(scope, template_id=template_id)
    name, segs, brks, days, paid = _clean_shape(name, segments, breaks, days)
    clash = selectors.shift_template_list(scope).filter(name=name, client_id=template.client_id)
    if clash.exclude(pk=template.pk).exists():
        raise Conflict(_("A shift named %(name)s exists already.") % {"name": name}, field="name")
    template.name, template.segments, template.breaks, template.days = name, segs, brks, days
    template.paid_minutes = paid
    template.save()
    return template


@transaction.atomic
def shift_template_delete(scope: Scope, *, template_id: int) -> None:
    scope.require(WorkforcePerm.PLAN)
    template = selectors.shift_template_get(scope, template_id=template_id)
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
                problem.clock(str(entry.get("start") or "00:00")),
                problem.clock(str(entry.get("end") or "24:00")),
            )
            if on:
                date.fromisoformat(str(on))
        except ValueError:
            raise Invalid(
                _("Unavailability needs HH:MM times and YYYY-MM-DD dates."), field="unavailable"
            ) from None
        if (weekday is None) == (not on) or (weekday is not None and not 0 <= int(weekday) <= 6):
            raise Invalid(_("Each unavailability names a weekday (0–6) or a date."), field="unavailable")
        if not 0 <= start < end <= grid.DAY:
            raise Invalid(_("Unavailability must start before it ends, within the day."), field="unavailable")
        clean.append(
            {
                "weekday": None if weekday is None else int(weekday),
                "date": on or None,
                "start": grid.hhmm(start),
                "end": grid.hhmm(end),
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
    # Routing owns skills: the queues the agent serves are written there; the profile's JSON copy
    # is kept in step until every reader has moved (docs/routing.md).
    routing_services.agent_queue_skills_set(scope, user_id=user_id, queues=clean_skills)
    profile = selectors.agent_profile_list(scope).filter(user_id=user_id).first()
    if profile is None:
        return AgentWorkProfile.objects.create(provider_id=scope.provider_id, user_id=user_id, **values)
    for key, value in values.items():
        setattr(profile, key, value)
    profile.save()
    return profile


# =====================================================================================================
# Schedules
def schedule_create(
    scope: Scope,
    *,
    client_id: int | None,
    week_start: date,
    queues: Mapping[str, int] | None = None,
    required: Mapping[str, Sequence[int]] | None = None,
    template_ids: Sequence[int] | None = None,
    interval_minutes: int = 30,
    time_limit_s: float = solving.DEFAULT_TIME_LIMIT_S,
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
    slots = grid.WEEK_MINUTES // interval_minutes
    demand: dict[str, list[int]] = {}
    source: dict[str, Any]
    if queues:
        source = {"plans": {}}
        for queue, plan_id in queues.items():
            name = str(queue).strip()
            if not name:
                raise Invalid(_("Every queue needs a name."), field="queues")
            plan = workforce_selectors.staffing_plan_get(scope, plan_id=int(plan_id))
            if client_id is not None and plan.client_id != client_id:
                raise Invalid(
                    _("Staffing plan %(id)d is for another client.") % {"id": plan.pk}, field="queues"
                )
            row = stored.resample(plan.required, plan.forecast.interval_minutes, week_start, interval_minutes)
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

    templates_qs = selectors.shift_template_list(scope, client_id=client_id, active=True)
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
    for shape in stored.snapshot_shapes(snapshot):
        if any(a % interval_minutes or b % interval_minutes for a, b in shape.segments) or any(
            r.length % interval_minutes for r in shape.breaks
        ):
            raise Invalid(
                _("Shift %(name)s does not fit a %(n)d-minute interval; choose a shorter interval.")
                % {"name": shape.name, "n": interval_minutes},
                field="interval_minutes",
            )
    if solve and not stored.solvable_profiles(scope, client_id, queue_names):
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")

    with transaction.atomic():
        created = Schedule.objects.create(
            provider_id=scope.provider_id,
            client_id=client_id,
            week_start=week_start,
            queues=queue_names,
            demand_source=source,
            interval_minutes=interval_minutes,
            rules=stored.rules_record(grid.DEFAULT_RULES),
            templates=snapshot,
            coverage={"required": demand, "scheduled": {q: [0] * slots for q in queue_names}},
            solve_time_limit_s=time_limit_s,
            created_by_id=scope.user_id,
        )
        stored.recompute_coverage(created)
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
        created = solving.schedule_solve_run(scope, schedule_id=created.pk)
    return created


def _check_time_limit(time_limit_s: float) -> None:
    if not 1 <= time_limit_s <= solving.MAX_TIME_LIMIT_S:
        raise Invalid(_("The time limit must be between 1 and 120 seconds."), field="time_limit_s")


# --- queuing a solve (running it: `solving`) ----------------------------------------------------------
SOLVE_STALE_MARGIN_S = 300  # a solve running this long past its time limit was lost with its worker


def solve_busy(schedule_obj: Schedule) -> bool:
    """Whether a solve is queued or running (and not lost with a crashed worker)."""
    state = schedule_obj.solve_state
    if state == Schedule.SolveState.QUEUED:
        return True
    if state == Schedule.SolveState.RUNNING and schedule_obj.solve_started_at is not None:
        limit = (schedule_obj.solve_time_limit_s or solving.MAX_TIME_LIMIT_S) + SOLVE_STALE_MARGIN_S
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
    schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    if schedule_obj.status == Schedule.Status.PUBLISHED:
        raise Conflict(_("A published schedule is not solved again; edit its shifts instead."))
    if solve_busy(schedule_obj):
        raise Conflict(_("This schedule is being solved already; wait until the solve ends."))
    if time_limit_s is not None:
        _check_time_limit(time_limit_s)
        schedule_obj.solve_time_limit_s = time_limit_s
        schedule_obj.save(update_fields=["solve_time_limit_s"])
    if not stored.solvable_profiles(scope, schedule_obj.client_id, schedule_obj.queues):
        raise Invalid(_("No agent profile has a skill for these queues."), field="queues")
    _queue_solve(scope, schedule_obj)
    return schedule_obj


# =====================================================================================================
# Grid edits and publishing
def _shape(schedule_obj: Schedule, name: str) -> tuple[problem.ShiftTemplate, set[int]]:
    for t in schedule_obj.templates:
        if t["name"] == name:
            return grid.template_of(t["name"], t["segments"], t["breaks"]), set(t["days"] or range(7))
    raise Invalid(_("Unknown shift %(name)s.") % {"name": name}, field="template")


def _queues_served(scope: Scope, schedule_obj: Schedule, user_id: int) -> list[str]:
    """The schedule's queues the agent serves, in the schedule's order (routing's one answer)."""
    served = set(routing_selectors.agent_queues(scope, user_id=user_id))
    return [q for q in schedule_obj.queues if q in served]


def _profile_for(scope: Scope, user_id: int) -> AgentWorkProfile:
    profile = selectors.agent_profile_list(scope).filter(user_id=user_id).first()
    if profile is None:
        raise Invalid(_("The agent has no work profile."), field="user_id")
    return selectors.with_routing_skills(scope, [profile])[0]


def _check_week(
    scope: Scope, schedule_obj: Schedule, user_id: int, week: Mapping[int, grid.PlacedShift]
) -> None:
    """Raise `Invalid` naming the agent and every rule their week would break."""
    profile = _profile_for(scope, user_id)
    others = stored.other_shifts(scope, schedule_obj, schedule_obj.week_start, [user_id]).get(user_id, [])
    problems = grid.rule_violations(stored.agent_rules(profile, schedule_obj, others), list(week.values()))
    if problems:
        raise Invalid(
            _("%(agent)s: %(problems)s") % {"agent": profile.user, "problems": " ".join(problems)},
            field="template",
        )


def _week_of(schedule_obj: Schedule, user_id: int) -> dict[int, grid.PlacedShift]:
    rows = selectors.scheduled_shift_rows(schedule_obj).filter(agent_id=user_id)
    return {(r.date - schedule_obj.week_start).days: stored.placed(r, schedule_obj.week_start) for r in rows}


def _write_day(
    scope: Scope, schedule_obj: Schedule, user_id: int, day: int, placed: grid.PlacedShift | None
) -> None:
    on = schedule_obj.week_start + timedelta(days=day)
    existing = selectors.scheduled_shift_rows(schedule_obj).filter(agent_id=user_id, date=on)
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
) -> grid.PlacedShift:
    shape, days = _shape(schedule_obj, template)
    if day not in days:
        raise Invalid(_("Shift %(name)s is not used on that weekday.") % {"name": template}, field="template")
    if queue not in schedule_obj.queues:
        raise Invalid(_("Unknown queue %(q)s.") % {"q": queue}, field="queue")
    try:
        return grid.place_shift(shape, day=day, queue=queue, break_starts=break_starts)
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
    schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    index = _day_index(schedule_obj, day)
    _profile_for(scope, user_id)  # 404 for an agent without a profile
    week = _week_of(schedule_obj, user_id)
    if template:
        if not queue:
            skills = _queues_served(scope, schedule_obj, user_id)
            queue = skills[0] if skills else ""
        week[index] = _place(
            schedule_obj, template=template, day=index, queue=queue, break_starts=break_starts
        )
        _check_week(scope, schedule_obj, user_id, week)
    else:
        week.pop(index, None)
    _write_day(scope, schedule_obj, user_id, index, week.get(index))
    stored.recompute_coverage(schedule_obj)
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
    schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
    if schedule_obj.status == Schedule.Status.PUBLISHED:
        raise Conflict(_("The schedule is already published."))
    if not selectors.scheduled_shift_rows(schedule_obj).exists():
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
    schedule_obj = selectors.published_schedule_get(scope, schedule_id=schedule_id)
    if kind not in ScheduleRequest.Kind.values:
        raise Invalid(_("Unknown request kind."), field="kind")
    index = _day_index(schedule_obj, day)
    if day < timezone.localdate():
        raise Invalid(_("That day is past."), field="date")
    own = _week_of(schedule_obj, scope.user_id).get(index)
    if kind == ScheduleRequest.Kind.SWAP:
        if target_user_id is None or target_user_id == scope.user_id:
            raise Invalid(_("Choose the colleague to swap with."), field="target_user_id")
        if target_user_id not in selectors.profile_user_ids(scope):
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
        selectors.schedule_request_list(scope, schedule_id=schedule_obj.pk)
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


def _retarget(shift: grid.PlacedShift, skills: Sequence[str]) -> grid.PlacedShift:
    """The same shift for another agent: queues they lack move to their first skill in the schedule."""
    if all(q in skills for _a, _b, q in shift.spells):
        return shift
    if not skills:
        return shift  # the rule check reports the missing skill
    spells = tuple((a, b, q if q in skills else skills[0]) for a, b, q in shift.spells)
    return grid.PlacedShift(
        shift.day, shift.template, shift.segments, shift.breaks, spells, shift.paid_minutes
    )


@transaction.atomic
def schedule_request_decide(
    scope: Scope, *, request_id: int, approve: bool, note: str = ""
) -> ScheduleRequest:
    """Approve (apply the change atomically, re-checking every rule) or reject a pending request."""
    scope.require(WorkforcePerm.APPROVE_REQUESTS)
    request = selectors.schedule_request_get(scope, request_id=request_id, for_update=True)
    if request.status != ScheduleRequest.Status.PENDING:
        raise Conflict(_("The request was already decided."))
    schedule_obj = selectors.schedule_get(scope, schedule_id=request.schedule_id, for_update=True)
    if approve:
        index = _day_index(schedule_obj, request.date)
        mine = _week_of(schedule_obj, request.agent_id)
        changes: dict[int, grid.PlacedShift | None] = {}
        if request.kind == ScheduleRequest.Kind.LEAVE:
            mine.pop(index, None)
            changes[request.agent_id] = None
        elif request.kind == ScheduleRequest.Kind.CHANGE:
            _profile_for(scope, request.agent_id)
            current = mine.get(index)
            queue = current.spells[0][2] if current and current.spells else ""
            skills = _queues_served(scope, schedule_obj, request.agent_id)
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
                _profile_for(scope, user_id)
                skills = _queues_served(scope, schedule_obj, user_id)
                if incoming is not None:
                    week[index] = _retarget(incoming, skills)
                changes[user_id] = week.get(index)
                _check_week(scope, schedule_obj, user_id, week)
        for user_id, placed in changes.items():
            _write_day(scope, schedule_obj, user_id, index, placed)
        stored.recompute_coverage(schedule_obj)
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
