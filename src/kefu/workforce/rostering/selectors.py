"""Reads of weekly schedules, shift templates, agent profiles, requests and the capacity plan; scoped."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet

from kefu.core.errors import PermissionDenied
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.routing import selectors as routing_selectors
from kefu.workforce import selectors
from kefu.workforce.models import (
    AgentWorkProfile,
    Schedule,
    ScheduledShift,
    ScheduleRequest,
    ShiftTemplateDef,
)
from kefu.workforce.permissions import WorkforcePerm

DEFAULT_CONTRACT_HOURS = 40.0


def _provider(scope: Scope, permission: str) -> None:
    """Rosters are the provider's staff data: clients see coverage through reports, not names."""
    scope.require(permission)
    if not (scope.is_provider or scope.all_tenants):
        raise PermissionDenied()


# --- templates and profiles ------------------------------------------------------------------------
def shift_template_list(
    scope: Scope, *, client_id: int | None = None, active: bool | None = None
) -> QuerySet[ShiftTemplateDef]:
    """The provider's shift shapes; with `client_id`, those for every client plus that client's."""
    _provider(scope, WorkforcePerm.VIEW)
    rows = ShiftTemplateDef.objects.for_scope(scope).select_related("client")
    if client_id is not None:
        rows = rows.filter(Q(client_id__isnull=True) | Q(client_id=client_id))
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.order_by("name")


def shift_template_get(scope: Scope, *, template_id: int) -> ShiftTemplateDef:
    return one_of(shift_template_list(scope), pk=template_id)


def _profiles(scope: Scope) -> QuerySet[AgentWorkProfile]:
    return AgentWorkProfile.objects.for_scope(scope).select_related("user", "client")


def with_routing_skills(scope: Scope, profiles: Iterable[AgentWorkProfile]) -> list[AgentWorkProfile]:
    """The profiles with `skills` set to the queues routing says each agent serves (routing owns
    skills; the profile's own JSON copy is only kept in step by `agent_profile_set`)."""
    rows = list(profiles)
    served = routing_selectors.agents_queues(scope, {p.user_id for p in rows})
    for profile in rows:
        profile.skills = served.get(profile.user_id, [])
    return rows


def agent_profile_list(scope: Scope) -> QuerySet[AgentWorkProfile]:
    _provider(scope, WorkforcePerm.VIEW)
    return _profiles(scope).order_by("user__username")


def profile_user_ids(scope: Scope) -> list[int]:
    """Agents with a work profile at the acting provider (whom an agent may name in a swap)."""
    _provider(scope, WorkforcePerm.VIEW_OWN_SCHEDULE)
    return list(_profiles(scope).values_list("user_id", flat=True))


def colleagues(scope: Scope) -> list[tuple[int, str]]:
    _provider(scope, WorkforcePerm.VIEW_OWN_SCHEDULE)
    return [
        (p.user_id, str(p.user))
        for p in _profiles(scope).order_by("user__username")
        if p.user_id != scope.user_id
    ]


# --- schedules ---------------------------------------------------------------------------------------
def schedule_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[Schedule]:
    _provider(scope, WorkforcePerm.VIEW)
    rows = Schedule.objects.for_scope(scope).select_related("client", "created_by")
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    return rows.order_by("-week_start", "-created_at")


def schedule_get(scope: Scope, *, schedule_id: int, for_update: bool = False) -> Schedule:
    return one_of(schedule_list(scope), pk=schedule_id, for_update=for_update)


def published_schedule_get(scope: Scope, *, schedule_id: int) -> Schedule:
    """A published schedule of the acting provider, for agents filing requests."""
    _provider(scope, WorkforcePerm.VIEW_OWN_SCHEDULE)
    return one_of(Schedule.objects.for_scope(scope), pk=schedule_id, status=Schedule.Status.PUBLISHED)


def scheduled_shift_rows(schedule: Schedule) -> QuerySet[ScheduledShift]:
    """The shifts of a schedule the caller already holds (a related manager: scoped by its parent)."""
    return schedule.shifts.select_related("agent").order_by("agent__username", "date")


def shifts_between(
    scope: Scope, *, user_ids: list[int], since: date, until: date
) -> QuerySet[ScheduledShift]:
    """Shifts of these agents in any of the provider's schedules, `since` ≤ date < `until`."""
    return ScheduledShift.objects.for_scope(scope).filter(
        agent_id__in=user_ids, date__gte=since, date__lt=until
    )


def published_shifts_between(
    scope: Scope, *, user_ids: Iterable[int], since: date, until: date
) -> list[ScheduledShift]:
    """Shifts of these agents in the provider's published schedules, `since` <= date < `until`:
    the plan real-time adherence compares presence with (the floor checks its own permission)."""
    if not scope.is_provider:
        return []
    return list(
        ScheduledShift.objects.for_scope(scope)
        .filter(
            agent_id__in=list(user_ids),
            schedule__status=Schedule.Status.PUBLISHED,
            date__gte=since,
            date__lt=until,
        )
        .order_by("agent_id", "date", "start_minute")
    )


@dataclass(frozen=True)
class GridRow:
    agent_id: int
    agent: str
    skills: list[str]
    cells: list[ScheduledShift | None]
    paid_hours: float


def schedule_grid(scope: Scope, *, schedule: Schedule) -> list[GridRow]:
    """Rows = agents (profiled for the schedule's queues, or holding a shift in it), columns = 7 days."""
    shifts = list(scheduled_shift_rows(schedule))
    by_agent: dict[int, list[ScheduledShift | None]] = defaultdict(lambda: [None] * 7)
    names: dict[int, str] = {}
    for shift in shifts:
        by_agent[shift.agent_id][(shift.date - schedule.week_start).days] = shift
        names[shift.agent_id] = str(shift.agent)
    skills: dict[int, list[str]] = {}
    for profile in with_routing_skills(scope, _profiles(scope)):
        mine = [q for q in schedule.queues if q in profile.skills]
        if mine and (schedule.client_id is None or profile.client_id in (None, schedule.client_id)):
            skills[profile.user_id] = mine
            names.setdefault(profile.user_id, str(profile.user))
            by_agent[profile.user_id]
    rows = [
        GridRow(
            agent_id=agent_id,
            agent=names[agent_id],
            skills=skills.get(agent_id, []),
            cells=cells,
            paid_hours=sum(c.paid_minutes for c in cells if c is not None) / 60,
        )
        for agent_id, cells in by_agent.items()
    ]
    return sorted(rows, key=lambda r: r.agent)


def my_shifts(scope: Scope, *, since: date, until: date) -> QuerySet[ScheduledShift]:
    """The acting user's own shifts in published schedules, `since` ≤ date < `until`."""
    _provider(scope, WorkforcePerm.VIEW_OWN_SCHEDULE)
    return (
        ScheduledShift.objects.for_scope(scope)
        .filter(
            agent_id=scope.user_id,
            schedule__status=Schedule.Status.PUBLISHED,
            date__gte=since,
            date__lt=until,
        )
        .select_related("schedule", "client")
        .order_by("date", "start_minute")
    )


# --- requests ----------------------------------------------------------------------------------------
def schedule_request_list(
    scope: Scope, *, schedule_id: int | None = None, status: str | None = None, mine: bool = False
) -> QuerySet[ScheduleRequest]:
    """Team leads see every request of the provider; agents only their own."""
    if not scope.has(WorkforcePerm.APPROVE_REQUESTS):
        _provider(scope, WorkforcePerm.VIEW_OWN_SCHEDULE)
        mine = True
    else:
        _provider(scope, WorkforcePerm.APPROVE_REQUESTS)
    rows = ScheduleRequest.objects.for_scope(scope).select_related(
        "agent", "target_agent", "schedule", "decided_by"
    )
    if mine:
        rows = rows.filter(agent_id=scope.user_id)
    if schedule_id is not None:
        rows = rows.filter(schedule_id=schedule_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at")


def schedule_request_get(scope: Scope, *, request_id: int, for_update: bool = False) -> ScheduleRequest:
    return one_of(schedule_request_list(scope), pk=request_id, for_update=for_update)


# --- capacity plan -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CapacityRow:
    client_id: int
    client: str
    month: str  # YYYY-MM
    plan_ids: list[int]
    days: int
    head_hours: float  # scheduled heads × interval over the month's planned days
    peak_heads: int  # most heads needed at once (queues summed per interval)
    contract_hours: float  # per agent per week
    fte_seats: float  # head hours ÷ (contract hours/week × weeks planned)
    seats_needed: int  # max(ceil(fte_seats), peak_heads)
    seats_profiled: int
    change: int  # + add, − remove

    @property
    def amount(self) -> int:
        return abs(self.change)

    @property
    def advice(self) -> str:
        return "add" if self.change > 0 else "remove" if self.change < 0 else "keep"


def capacity_plan(scope: Scope) -> list[CapacityRow]:
    """Seats needed per client per month from the latest staffing plan of each client queue."""
    _provider(scope, WorkforcePerm.VIEW)
    latest: dict[tuple[int, str], Any] = {}
    for plan in selectors.staffing_plan_list(scope).select_related("forecast"):
        latest.setdefault((plan.client_id, plan.forecast.queue), plan)  # newest first
    # A client's queues: routing's queues of the client, the queues of its own schedules, of its
    # plans, and those a multi-client schedule staffs from the client's plans (issue 10: the demo's
    # one schedule for every shop was skipped, so every shop counted 0 agents).
    queues_of: dict[int, set[str]] = defaultdict(set, routing_selectors.client_queue_names(scope))
    plan_client = dict(selectors.staffing_plan_list(scope).values_list("pk", "client_id"))
    for row in schedule_list(scope).values("client_id", "queues", "demand_source"):
        if row["client_id"] is not None:
            queues_of[row["client_id"]].update(row["queues"])
            continue
        for queue, plan_id in ((row["demand_source"] or {}).get("plans") or {}).items():
            if plan_client.get(plan_id) is not None:
                queues_of[plan_client[plan_id]].add(queue)
    for (client_id, queue), _plan in latest.items():
        if queue:
            queues_of[client_id].add(queue)
    profiles = with_routing_skills(scope, _profiles(scope))
    per_client: dict[int, list[Any]] = defaultdict(list)
    for (client_id, _queue), plan in latest.items():
        per_client[client_id].append(plan)
    rows = []
    for client_id, plans in per_client.items():
        heads_at: dict[str, float] = defaultdict(float)
        hours: dict[str, float] = defaultdict(float)
        days: dict[str, set[str]] = defaultdict(set)
        for plan in plans:
            step = plan.forecast.interval_minutes
            for start, _raw, heads in plan.required:
                month = start[:7]
                heads_at[start] += heads
                hours[month] += heads * step / 60
                days[month].add(start[:10])
        peaks: dict[str, float] = defaultdict(float)
        for start, heads in heads_at.items():
            peaks[start[:7]] = max(peaks[start[:7]], heads)
        mine = [
            p
            for p in profiles
            if p.client_id == client_id or (p.client_id is None and set(p.skills) & queues_of[client_id])
        ]
        contract = (
            sum(p.max_hours_per_week for p in mine) / len(mine) if mine else DEFAULT_CONTRACT_HOURS
        ) or DEFAULT_CONTRACT_HOURS
        client_name = str(plans[0].client)
        for month in sorted(hours):
            weeks = len(days[month]) / 7
            fte = hours[month] / (contract * weeks) if weeks else 0.0
            needed = max(math.ceil(round(fte, 6)), int(peaks[month]))
            rows.append(
                CapacityRow(
                    client_id=client_id,
                    client=client_name,
                    month=month,
                    plan_ids=sorted(p.pk for p in plans),
                    days=len(days[month]),
                    head_hours=round(hours[month], 1),
                    peak_heads=int(peaks[month]),
                    contract_hours=round(contract, 1),
                    fte_seats=round(fte, 2),
                    seats_needed=needed,
                    seats_profiled=len(mine),
                    change=needed - len(mine),
                )
            )
    return sorted(rows, key=lambda r: (r.client, r.month))


def week_monday(day: date | datetime) -> date:
    day = day.date() if isinstance(day, datetime) else day
    return date.fromordinal(day.toordinal() - day.weekday())
