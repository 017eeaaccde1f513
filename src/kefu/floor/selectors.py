"""The floor's reads: the wallboard (queues, agents, adherence, open alarms), alarms and their
rules, emergency plans and the log of their steps, one's own notices. Always scoped.

A client's managers see only their own queues (routing's `queue_list` answers that), counts of
agents by state (never who), and the alarms the provider shares with them; agents' rows,
adherence and missed offers are the provider's staff data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.analytics import selectors as analytics_selectors
from kefu.core import clock
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import selectors as desk_selectors
from kefu.floor import adherence as core
from kefu.floor.models import (
    Alarm,
    AlarmKind,
    AlarmRule,
    AlarmStatus,
    EmergencyPlan,
    Notice,
    PlanStep,
    StepRun,
)
from kefu.floor.permissions import FloorPerm
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.workforce.rostering import selectors as rostering_selectors

OPEN_STATUSES = ("new", "open", "pending_customer", "pending_client")


def midnight(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


# --- the wallboard -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueRow:
    queue_id: int
    name: str
    client: str
    waiting: int
    longest_wait_s: float
    service_level_today: float | None
    sl_target_percent: int
    sl_target_seconds: int
    offered_today: int
    answered_today: int
    abandoned_today: int
    agents_by_state: dict[str, int]
    alarmed: bool = False


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    name: str
    state: str
    reason: str
    since: datetime | None
    seconds_in_state: float
    load: int  # open conversations assigned now
    queues: list[str]


@dataclass(frozen=True)
class AdherenceRow:
    user_id: int
    name: str
    scheduled_now: str  # work / break / off
    actual_now: str
    out_since: datetime | None  # None: in adherence now
    scheduled_s: float
    in_adherence_s: float

    @property
    def share(self) -> float | None:
        return self.in_adherence_s / self.scheduled_s if self.scheduled_s > 0 else None

    @property
    def out_for_s(self) -> float:
        return 0.0 if self.out_since is None else (clock.now() - self.out_since).total_seconds()


@dataclass(frozen=True)
class Wallboard:
    at: datetime
    queues: list[QueueRow]
    agents: list[AgentRow] = field(default_factory=list)
    adherence: list[AdherenceRow] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    agents_by_state: dict[str, int] = field(default_factory=dict)
    shows_agents: bool = False

    @property
    def out_of_adherence(self) -> list[AdherenceRow]:
        return [row for row in self.adherence if row.out_since is not None]


def _abandoned_today(scope: Scope, now: datetime) -> Counter[tuple[int, str]]:
    rows = analytics_selectors.contact_event_list(scope, type="abandoned").filter(at__gte=midnight(now))
    return Counter(rows.values_list("client_id", "queue"))


def queue_rows(scope: Scope, *, now: datetime | None = None) -> list[QueueRow]:
    """Every queue the actor sees, with its live figures (routing's `queue_stats`, from the event log)."""
    scope.require(FloorPerm.VIEW_WALLBOARD)
    now = now or clock.now()
    abandoned = _abandoned_today(scope, now)
    open_rules = set(
        Alarm.objects.for_scope(scope)
        .filter(kind=AlarmKind.THRESHOLD)
        .exclude(status=AlarmStatus.CLEARED)
        .values_list("queue_id", flat=True)
    )
    rows = []
    for queue in routing_selectors.queue_list(scope).select_related("client"):
        if not queue.active:
            continue
        stats = routing_selectors.queue_stats(scope, queue_id=queue.pk, now=now)
        rows.append(
            QueueRow(
                queue_id=queue.pk,
                name=queue.name,
                client=queue.client.name if queue.client_id else "",
                waiting=stats.waiting,
                longest_wait_s=stats.longest_wait_s,
                service_level_today=stats.service_level_today,
                sl_target_percent=queue.sl_target_percent,
                sl_target_seconds=queue.sl_target_seconds,
                offered_today=stats.offered_today,
                answered_today=stats.answered_today,
                abandoned_today=abandoned.get((queue.client_id, queue.name), 0),
                agents_by_state=stats.agents_by_state,
                alarmed=queue.pk in open_rules,
            )
        )
    return rows


def agent_rows(scope: Scope, *, now: datetime | None = None) -> list[AgentRow]:
    """The provider's agents and leads: state, since when, current load, queues served."""
    scope.require(FloorPerm.VIEW_AGENTS)
    if not scope.is_provider:
        return []
    now = now or clock.now()
    ids = routing_selectors.staff_ids(scope)
    current = routing_selectors.presence_current(scope, user_ids=ids)
    served = routing_selectors.agents_queues(scope, ids)
    load = dict(
        desk_selectors.conversation_list(scope)
        .filter(assignee_id__in=list(ids), status__in=OPEN_STATUSES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    names = _names(scope, ids)
    rows = []
    for user_id in ids:
        row = current.get(user_id)
        since = row.since if row else None
        rows.append(
            AgentRow(
                user_id=user_id,
                name=names.get(user_id, str(user_id)),
                state=row.state if row else "offline",
                reason=row.reason if row else "",
                since=since,
                seconds_in_state=(now - since).total_seconds() if since else 0.0,
                load=load.get(user_id, 0),
                queues=served.get(user_id, []),
            )
        )
    order = {"missed": 0, "busy": 1, "online": 2, "after_contact_work": 3, "break": 4, "offline": 5}
    return sorted(rows, key=lambda r: (order.get(r.state, 9), r.name))


def _names(scope: Scope, ids: set[int]) -> dict[int, str]:
    found = {}
    for user_id, row in routing_selectors.presence_current(scope, user_ids=ids).items():
        found[user_id] = str(row.user)
    missing = ids - set(found)
    if missing and scope.is_provider:
        organization = tenancy_selectors.organization_get(scope, organization_id=scope.organization_id)
        for role in routing_selectors.STAFF_ROLES:
            for membership in tenancy_selectors.membership_list_for_role(organization, role=role):
                if membership.user_id in missing:
                    found[membership.user_id] = str(membership.user)
    return found


def adherence_rows(scope: Scope, *, now: datetime | None = None) -> list[AdherenceRow]:
    """Each agent with a published shift today (or yesterday's running past midnight): presence
    against the schedule now, and today's adherence so far (docs/floor.md)."""
    scope.require(FloorPerm.VIEW_AGENTS)
    if not scope.is_provider:
        return []
    now = now or clock.now()
    day_start = midnight(now)
    ids = routing_selectors.staff_ids(scope)
    shifts = rostering_selectors.published_shifts_between(
        scope,
        user_ids=ids,
        since=day_start.date() - timedelta(days=1),
        until=day_start.date() + timedelta(days=1),
    )
    by_agent: dict[int, list[core.Shift]] = {}
    for shift in shifts:
        origin = (shift.date - day_start.date()).days * 86400.0
        by_agent.setdefault(shift.agent_id, []).append(
            core.Shift(
                origin=origin,
                segments=tuple((int(s), int(e)) for s, e in shift.segments),
                breaks=tuple((int(s), int(e)) for s, e in shift.breaks),
            )
        )
    now_s = (now - day_start).total_seconds()
    names = _names(scope, set(by_agent))
    rows = []
    for user_id, agent_shifts in by_agent.items():
        scheduled = core.scheduled_spans(agent_shifts)
        if not core.adherence(scheduled, [], start=0.0, end=86400.0).scheduled_s:
            continue  # yesterday's shift ended before today began
        history = routing_selectors.presence_history(scope, user_id=user_id, since=day_start, until=now)
        initial = _state_before(scope, user_id, day_start)
        changes = [((c.at - day_start).total_seconds(), c.state) for c in history]
        actual = core.actual_spans(changes, start=0.0, end=max(now_s, 1e-6), initial=initial)
        figure = core.adherence(scheduled, actual, start=0.0, end=now_s)
        out = core.out_since(scheduled, actual, now=now_s - 1e-6) if now_s > 0 else None
        rows.append(
            AdherenceRow(
                user_id=user_id,
                name=names.get(user_id, str(user_id)),
                scheduled_now=core.activity_at(scheduled, now_s),
                actual_now=core.activity_at(actual, now_s - 1e-6, default=core.activity(initial)),
                out_since=None if out is None else day_start + timedelta(seconds=max(out, 0.0)),
                scheduled_s=figure.scheduled_s,
                in_adherence_s=figure.in_adherence_s,
            )
        )
    return sorted(rows, key=lambda r: (r.out_since is None, r.out_since or now, r.name))


def _state_before(scope: Scope, user_id: int, at: datetime) -> str:
    times = routing_selectors.agent_time_in_state(
        scope, user_id=user_id, start=at - timedelta(seconds=1), end=at
    )
    states = [state for state, seconds in times.seconds.items() if seconds > 0]
    return states[0] if states else "offline"


def wallboard(scope: Scope, *, now: datetime | None = None) -> Wallboard:
    """Everything the wallboard shows, as the actor may see it."""
    now = now or clock.now()
    queues = queue_rows(scope, now=now)
    shows_agents = scope.is_provider and scope.has(FloorPerm.VIEW_AGENTS)
    # the provider's agents by state; a client's managers have the counts per queue (routing's
    # `queue_stats`) and no total, which would count an agent serving two queues twice
    counts = routing_selectors.agents_by_state(scope) if shows_agents else {}
    return Wallboard(
        at=now,
        queues=queues,
        agents=agent_rows(scope, now=now) if shows_agents else [],
        adherence=adherence_rows(scope, now=now) if shows_agents else [],
        alarms=list(alarm_list(scope, open_only=True)[:50]),
        agents_by_state=counts,
        shows_agents=shows_agents,
    )


# --- alarms --------------------------------------------------------------------------------------
def alarm_list(scope: Scope, *, open_only: bool = False) -> QuerySet[Alarm]:
    """The alarms the actor sees: the provider's all; a client's only shared threshold alarms."""
    scope.require(FloorPerm.VIEW_WALLBOARD)
    rows = Alarm.objects.for_scope(scope).select_related("queue", "agent", "acknowledged_by", "cleared_by")
    if not scope.is_provider:
        rows = rows.filter(kind=AlarmKind.THRESHOLD, notify_client=True)
    if open_only:
        rows = rows.exclude(status=AlarmStatus.CLEARED)
    return rows.order_by("-raised_at", "-id")


def alarm_get(scope: Scope, *, alarm_id: int) -> Alarm:
    return one_of(alarm_list(scope), pk=alarm_id)


def alarm_open_count(scope: Scope) -> int:
    if not scope.has(FloorPerm.VIEW_WALLBOARD):
        return 0
    return alarm_list(scope, open_only=True).filter(status=AlarmStatus.RAISED).count()


def alarm_rule_list(scope: Scope) -> QuerySet[AlarmRule]:
    scope.require(FloorPerm.VIEW_WALLBOARD)
    rows = AlarmRule.objects.for_scope(scope).select_related("queue", "plan")
    if not scope.is_provider:
        rows = rows.filter(notify_client=True)
    return rows


def alarm_rule_get(scope: Scope, *, rule_id: int, for_update: bool = False) -> AlarmRule:
    return one_of(alarm_rule_list(scope), pk=rule_id, for_update=for_update)


def missed_offer_events(scope: Scope, *, since: datetime, types: frozenset[str]) -> QuerySet:
    """`missed` offer events of the event log since a time (the assignment step writes them)."""
    return analytics_selectors.contact_event_list(scope).filter(type__in=list(types), at__gte=since)


# --- plans ---------------------------------------------------------------------------------------
def plan_list(scope: Scope) -> QuerySet[EmergencyPlan]:
    scope.require(FloorPerm.MANAGE_ALARMS)
    if not scope.is_provider:
        return EmergencyPlan.all_tenants.none()  # empty, no query: nothing to scope
    return (
        EmergencyPlan.objects.for_scope(scope).select_related("client").filter(provider_id=scope.provider_id)
    )


def plan_get(scope: Scope, *, emergency_plan_id: int) -> EmergencyPlan:
    return one_of(plan_list(scope), pk=emergency_plan_id)


def plan_steps(scope: Scope, *, emergency_plan_id: int) -> list[PlanStep]:
    """The plan's steps in order, each with `names`: what its ids stand for, to show people."""
    plan = plan_get(scope, emergency_plan_id=emergency_plan_id)
    steps = list(plan.steps.order_by("position", "id"))
    queues = {q.pk: q.name for q in routing_selectors.queue_list(scope, client_id=plan.client_id)}
    people = _names(scope, {i for s in steps for i in s.params.get("agent_ids", [])})
    for step in steps:
        p = step.params
        step.names = {
            "queue": queues.get(p.get("queue_id"), "?"),
            "overflow_queue": queues.get(p.get("overflow_queue_id"), "?"),
            "agents": "、".join(people.get(i, str(i)) for i in p.get("agent_ids", [])),
        }
    return steps


def plan_step_get(scope: Scope, *, step_id: int) -> PlanStep:
    scope.require(FloorPerm.MANAGE_ALARMS)
    return one_of(PlanStep.objects.for_scope(scope), pk=step_id, provider_id=scope.provider_id)


def step_run_list(
    scope: Scope, *, alarm_id: int | None = None, emergency_plan_id: int | None = None
) -> QuerySet[StepRun]:
    scope.require(FloorPerm.MANAGE_ALARMS)
    rows = StepRun.objects.for_scope(scope).select_related("step", "done_by", "undone_by")
    if not scope.is_provider:
        return rows.none()
    if alarm_id is not None:
        rows = rows.filter(alarm_id=alarm_id)
    if emergency_plan_id is not None:
        rows = rows.filter(step__plan_id=emergency_plan_id)
    return rows.order_by("-done_at", "-id")


def step_run_get(scope: Scope, *, run_id: int, for_update: bool = False) -> StepRun:
    return one_of(step_run_list(scope), pk=run_id, for_update=for_update)


# --- notices -------------------------------------------------------------------------------------
def notice_list(scope: Scope, *, unread_only: bool = False) -> QuerySet[Notice]:
    """The acting person's own notices (a call-in to standby)."""
    if scope.user_id is None or not scope.has(FloorPerm.NOTICES):
        return Notice.all_tenants.none()  # empty, no query: nothing to scope
    rows = Notice.objects.for_scope(scope).filter(user_id=scope.user_id).select_related("sent_by")
    return rows.filter(read_at__isnull=True) if unread_only else rows


def bell(scope: Scope) -> dict[str, object]:
    """What the bell in the header shows: open alarms (leads) and one's unread notices."""
    alarms = list(alarm_list(scope, open_only=True)[:8]) if scope.has(FloorPerm.MANAGE_ALARMS) else []
    notices = list(notice_list(scope, unread_only=True)[:8])
    return {"alarms": alarms, "notices": notices, "count": len(alarms) + len(notices)}


def monitor(scope: Scope, *, conversation_id: int) -> dict[str, object]:
    """A live conversation, read-only, for a lead: the conversation and its latest messages."""
    scope.require(FloorPerm.SUPERVISE)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    messages = desk_selectors.message_list(
        scope, conversation_id=conversation_id, after_seq=max(conversation.last_message_seq - 50, 0)
    )
    return {"conversation": conversation, "thread": messages}


def waiting_conversations(scope: Scope, *, queue_names: list[str] | None = None) -> list:
    """Unassigned open conversations (those a lead may move or hand to someone), oldest first."""
    scope.require(FloorPerm.SUPERVISE)
    rows = desk_selectors.conversation_list(scope).filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    if queue_names is not None:
        rows = rows.filter(queue__in=queue_names)
    return list(rows.order_by("created_at")[:50])


def live_conversations(scope: Scope) -> list:
    """Assigned open conversations: what a lead may monitor, whisper into or take over."""
    scope.require(FloorPerm.SUPERVISE)
    return list(
        desk_selectors.conversation_list(scope)
        .filter(~Q(assignee=None), status__in=OPEN_STATUSES)
        .order_by("-updated_at")[:50]
    )
