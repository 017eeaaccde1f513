"""Routing's reads: queues, which queues an agent serves, presence, capacity, certification.

This module is the one answer to "which queues does this agent serve" (`agent_queues`,
`agents_queues`, `my_queues`): the desk and workforce both ask it, so neither reads skills
anywhere else. The selectors the assignment step uses are `eligible_agents`,
`certified_agents`, `agent_capacity` and `presence_current` (docs/routing.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.analytics import selectors as analytics_selectors
from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.routing import decision, occupancy, wait_estimate
from kefu.routing.decision import rules
from kefu.routing.models import (
    AgentCapacity,
    AgentPresence,
    AgentSkill,
    Certification,
    PresenceChange,
    PresenceState,
    Queue,
    QueueProvider,
    QueueSkill,
    Skill,
    SkillKind,
)
from kefu.routing.permissions import RoutingPerm
from kefu.tenancy import selectors as tenancy_selectors

STAFF_ROLES = ("agent", "supervisor")


# --- which queues an agent serves ----------------------------------------------------------------
def agents_queues(scope: Scope, user_ids: list[int] | set[int] | None = None) -> dict[int, list[str]]:
    """The queue names each agent of the acting provider serves (their "queue" skills), sorted;
    every agent with a skill when `user_ids` is None. A client's staff get nothing: skills are the
    provider's staffing data."""
    if not scope.is_provider:
        return {}
    rows = AgentSkill.objects.for_scope(scope).filter(skill__kind=SkillKind.QUEUE)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    found: dict[int, list[str]] = defaultdict(list)
    for user_id, name in rows.values_list("user_id", "skill__name"):
        found[user_id].append(name)
    return {user_id: sorted(names) for user_id, names in found.items()}


def agent_queues(scope: Scope, *, user_id: int) -> list[str]:
    """The queues one agent of the acting provider serves, sorted; none without skills."""
    return agents_queues(scope, [user_id]).get(user_id, [])


def my_queues(scope: Scope) -> list[str]:
    """The queues the acting agent serves (the workspace's "My queues" view)."""
    if scope.user_id is None:
        return []
    return agent_queues(scope, user_id=scope.user_id)


def agent_skill_list(scope: Scope, *, user_id: int | None = None) -> QuerySet[AgentSkill]:
    rows = AgentSkill.objects.for_scope(scope).select_related("skill", "user")
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return rows.order_by("user_id", "skill__kind", "skill__name")


def skill_list(scope: Scope, *, kind: str | None = None) -> QuerySet[Skill]:
    rows = Skill.objects.for_scope(scope)
    return rows.filter(kind=kind) if kind else rows


def skill_get(scope: Scope, *, skill_id: int) -> Skill:
    skill = Skill.objects.for_scope(scope).filter(pk=skill_id).first()
    if skill is None:
        raise NotFound(field="skill_id")
    return skill


# --- queues --------------------------------------------------------------------------------------
def queue_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[Queue]:
    """Queues the actor sees: the client's own, the provider's, and those the provider serves
    beside another provider (through its `QueueProvider` row)."""
    if not scope.has(RoutingPerm.VIEW_QUEUES) and not scope.has(RoutingPerm.MANAGE_QUEUES):
        return Queue.objects.for_scope(scope).none()
    served = QueueProvider.objects.for_scope(scope).values("queue_id")
    rows = Queue.all_tenants.filter(Q(scope.tenant_q()) | Q(pk__in=served)) if scope.is_provider else None
    if rows is None:
        rows = Queue.objects.for_scope(scope)
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    return rows.select_related("client", "provider").order_by("client_id", "name")


def queue_get(scope: Scope, *, queue_id: int, for_update: bool = False) -> Queue:
    return one_of(queue_list(scope), pk=queue_id, for_update=for_update)


def client_queue_names(scope: Scope) -> dict[int, set[str]]:
    """Queue names per client the actor sees (capacity plans group agents by these)."""
    found: dict[int, set[str]] = defaultdict(set)
    served = QueueProvider.objects.for_scope(scope).values("queue_id")
    rows = (
        Queue.all_tenants.filter(Q(scope.tenant_q()) | Q(pk__in=served))
        if scope.is_provider
        else Queue.objects.for_scope(scope)
    )
    for client_id, name in rows.values_list("client_id", "name"):
        found[client_id].add(name)
    return dict(found)


def serving_provider_ids(scope: Scope, *, client_id: int) -> set[int]:
    """Providers with an active engagement for the client (who may serve or take its overflow)."""
    client = tenancy_selectors.organization_get(scope, organization_id=client_id)
    return set(tenancy_selectors.partner_ids(client))


def serving_providers(
    scope: Scope, *, client_ids: set[int] | frozenset[int] | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the providers serving any of these clients (default: the actor's), by name:
    the choices for overflow and for the planned split."""
    found: dict[int, str] = {}
    for client_id in sorted(scope.client_ids if client_ids is None else client_ids):
        client = tenancy_selectors.organization_get(scope, organization_id=client_id)
        for provider in tenancy_selectors.organization_partners(client):
            found[provider.pk] = provider.name
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def queue_providers(scope: Scope, *, queue_id: int) -> list[QueueProvider]:
    queue = queue_get(scope, queue_id=queue_id)
    return list(
        QueueProvider.all_tenants.filter(queue=queue).select_related("provider").order_by("provider_id")
    )


def queue_required_skills(scope: Scope, *, queue_id: int) -> list[QueueSkill]:
    """The skills the acting provider's agents need for this queue (each provider has its own)."""
    queue = queue_get(scope, queue_id=queue_id)
    return list(QueueSkill.objects.for_scope(scope).filter(queue=queue).select_related("skill"))


# --- skills, capacities and certifications: the management pages --------------------------------
def staff_list(scope: Scope) -> list:
    """The acting provider's agents and team leads (users), by username: the rows of the grids."""
    if not scope.is_provider or scope.organization_id is None:
        return []
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.organization_id)
    users = {
        m.user_id: m.user
        for role in STAFF_ROLES
        for m in tenancy_selectors.membership_list_for_role(organization, role=role)
    }
    return sorted(users.values(), key=lambda user: user.username)


@dataclass(frozen=True)
class SkillGrid:
    """Agents × skills with each agent's level, and agents × channels with their own capacity."""

    agents: list
    skills: list[Skill]
    levels: dict[tuple[int, int], int]  # (user id, skill id) → proficiency 1–5
    capacity: dict[tuple[int, str], int]  # (user id, channel) → the agent's own limit


def skill_grid(scope: Scope, *, kind: str | None = None) -> SkillGrid:
    """The lead's grid: every agent of the provider against its skills (of one kind, if given)."""
    agents = staff_list(scope)
    skills = list(skill_list(scope, kind=kind).filter(provider_id=scope.provider_id).order_by("kind", "name"))
    ids = [user.pk for user in agents]
    levels = {
        (user_id, skill_id): level
        for user_id, skill_id, level in AgentSkill.objects.for_scope(scope)
        .filter(user_id__in=ids, skill_id__in=[s.pk for s in skills])
        .values_list("user_id", "skill_id", "proficiency")
    }
    capacity = {
        (user_id, channel): n
        for user_id, channel, n in agent_capacity_list(scope)
        .filter(user_id__in=ids)
        .values_list("user_id", "channel", "max_concurrent")
    }
    return SkillGrid(agents=agents, skills=skills, levels=levels, capacity=capacity)


EXPIRING_SOON_DAYS = 30


def certification_status(cert: Certification, *, now: datetime, soon_days: int = EXPIRING_SOON_DAYS) -> str:
    """`revoked`, `expired`, `upcoming` (not started), `expiring` (ends within `soon_days`), `valid`."""
    if cert.revoked_at is not None:
        return "revoked"
    if cert.valid_until is not None and cert.valid_until <= now:
        return "expired"
    if cert.valid_from > now:
        return "upcoming"
    if cert.valid_until is not None and cert.valid_until <= now + timedelta(days=soon_days):
        return "expiring"
    return "valid"


def skills_for_managers(scope: Scope, *, kind: str | None = None) -> QuerySet[Skill]:
    """The provider's skills, for those who set agents' skills or queues' requirements."""
    if not scope.is_provider or not (
        scope.has(RoutingPerm.MANAGE_SKILLS) or scope.has(RoutingPerm.MANAGE_QUEUES)
    ):
        raise PermissionDenied()
    return skill_list(scope, kind=kind).filter(provider_id=scope.provider_id).order_by("kind", "name")


def agent_skills_get(scope: Scope, *, user_id: int) -> tuple[list[AgentSkill], dict[str, int]]:
    """An agent's skills and own capacity limits: for the agent, and for those who set them.
    Another provider's agent, or anyone else's, is not found."""
    own = user_id == scope.user_id and scope.has(RoutingPerm.PRESENCE_OWN)
    lead = scope.has(RoutingPerm.MANAGE_SKILLS) and user_id in staff_ids(scope)
    if not scope.is_provider or not (own or lead):
        raise NotFound(field="agent_id")
    limits = dict(agent_capacity_list(scope, user_id=user_id).values_list("channel", "max_concurrent"))
    return list(agent_skill_list(scope, user_id=user_id)), limits


def certifications_for_managers(
    scope: Scope, *, client_id: int | None = None, user_id: int | None = None
) -> QuerySet[Certification]:
    """The provider's certifications (newest first), for trainers, leads and provider admins."""
    if not scope.is_provider or not (scope.has(RoutingPerm.CERTIFY) or scope.has(RoutingPerm.MANAGE_SKILLS)):
        raise PermissionDenied()
    rows = certification_list(scope, client_id=client_id, user_id=user_id).filter(
        provider_id=scope.provider_id
    )
    return rows.order_by("-valid_from", "-id")


def report_period(
    date_from: str | None, date_to: str | None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """[start, end) of the local calendar days `from`..`to` (ISO dates, inclusive); the last seven
    days up to today when not given. Bad dates are `Invalid` naming `from` or `to`."""
    today = timezone.localdate(now or clock.now())
    days = {}
    for field, text, default in (("to", date_to, today), ("from", date_from, None)):
        if text:
            try:
                days[field] = date.fromisoformat(text)
            except ValueError:
                raise Invalid(_("Give a date as YYYY-MM-DD."), field=field) from None
        else:
            days[field] = default if default is not None else days["to"] - timedelta(days=6)
    if days["from"] > days["to"]:
        raise Invalid(_("The period must start before it ends."), field="from")
    if (days["to"] - days["from"]).days > 366:
        raise Invalid(_("A period is at most a year."), field="from")
    tz = timezone.get_current_timezone()
    start = datetime.combine(days["from"], time.min, tzinfo=tz)
    end = datetime.combine(days["to"] + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


# --- the customer's place in line and estimated wait ---------------------------------------------
ETA_WINDOW_S = 1800  # the recent past the drain rate is measured over
WAITING_LOOKBACK = timedelta(days=7)  # as the queue's figures: older openings no longer wait


@dataclass(frozen=True)
class QueuePlace:
    """Where one waiting contact stands: `ahead` contacts before it (0: next) and the estimated
    seconds until an agent takes it (None while the queue has no recent answer to go by)."""

    queue_id: int
    ahead: int
    estimated_wait_s: float | None


def _queue_by_name(scope: Scope, *, client_id: int, name: str) -> Queue | None:
    """The client's queue of that name as the actor's provider sees it (its own or one it serves),
    without the queue pages' permission: the widget's channel scope asks for its own customer."""
    served = QueueProvider.objects.for_scope(scope).values("queue_id")
    rows = Queue.all_tenants.filter(Q(scope.tenant_q()) | Q(pk__in=served)) if scope.is_provider else None
    if rows is None:
        rows = Queue.objects.for_scope(scope)
    return rows.filter(client_id=client_id, name=name).first()


def queue_spells(scope: Scope, *, queue: Queue, since: datetime) -> dict[int, list[wait_estimate.Spell]]:
    """Each conversation's waits in the queue since `since`, from the event log (times as epoch
    seconds). A wait opens at `offered`, `queued` or `reopened` (a second opening while waiting
    keeps the first: a re-queued contact keeps its place) and ends at `assigned` (answered),
    `resolved`, `closed`, `abandoned` or `transferred`."""
    events = analytics_selectors.contact_event_list(scope).filter(
        client_id=queue.client_id,
        queue=queue.name,
        at__gte=since,
        type__in=sorted(_OPENS | _TAKES | {_MOVED}),
    )
    spells: dict[int, list[wait_estimate.Spell]] = defaultdict(list)
    opened: dict[int, float] = {}
    for conversation_id, kind, at, data in events.values_list("conversation_id", "type", "at", "data"):
        if kind in _OPENS:
            opened.setdefault(conversation_id, at.timestamp())
        elif _takes(kind, data) and conversation_id in opened:
            spells[conversation_id].append(
                wait_estimate.Spell(opened.pop(conversation_id), at.timestamp(), answered=kind == "assigned")
            )
    for conversation_id, start in opened.items():
        spells[conversation_id].append(wait_estimate.Spell(start))
    return dict(spells)


def queue_place(
    scope: Scope, *, client_id: int, queue_name: str, conversation_id: int, now: datetime | None = None
) -> QueuePlace | None:
    """The conversation's place among the queue's waiting contacts, in the decision core's order
    (`decision.rules.contact_key`), and its estimated wait; None when it is not waiting there.

    Counts only: nothing about the other contacts leaves this function."""
    queue = _queue_by_name(scope, client_id=client_id, name=queue_name)
    if queue is None:
        return None
    now = now or clock.now()
    spells = queue_spells(scope, queue=queue, since=now - WAITING_LOOKBACK)
    core_queue = decision.Queue(id=queue.pk, client_id=client_id, channel=queue.channel)
    waiting = {
        conversation_id: waits[-1].start
        for conversation_id, waits in spells.items()
        if waits and waits[-1].end is None
    }
    if conversation_id not in waiting:
        return None
    # Within one queue every contact has the queue's priority, so the priority term of the key is
    # the same for all and the core's order is "first enqueued first, then the lower id".
    key = {
        cid: rules.contact_key(decision.Contact(id=cid, queue_id=queue.pk, enqueued_at=at), core_queue, 60.0)
        for cid, at in waiting.items()
    }
    mine = key[conversation_id]
    ahead = sum(1 for k in key.values() if k < mine)
    end = now.timestamp()
    rate = wait_estimate.drain_rate(
        [s for waits in spells.values() for s in waits], start=end - ETA_WINDOW_S, end=end
    )
    eta = wait_estimate.estimated_wait_s(ahead, rate)
    # whole seconds, at least one: "0 s" would promise an answer that has not come
    return QueuePlace(
        queue_id=queue.pk, ahead=ahead, estimated_wait_s=None if eta is None else max(1, round(eta))
    )


# --- realised against planned split --------------------------------------------------------------
@dataclass(frozen=True)
class SplitRow:
    provider_id: int
    provider_name: str
    planned_percent: int  # 0 for a provider outside the plan (overflow)
    contacts: int
    realised_percent: float | None  # of the period's assigned contacts; None before any
    by_how: dict[str, int]  # auto / manual / supervisor (unknown: events before the assignment step)

    @property
    def difference_points(self) -> float | None:
        """Realised minus planned, in percentage points (positive: more than planned)."""
        if self.realised_percent is None:
            return None
        return round(self.realised_percent - self.planned_percent, 1)


@dataclass(frozen=True)
class SplitReport:
    queue_id: int
    name: str
    start: datetime
    end: datetime
    total: int
    rows: list[SplitRow]


def queue_split(scope: Scope, *, queue_id: int, start: datetime, end: datetime) -> SplitReport:
    """Planned shares against the share of the queue's contacts each provider's agents took over
    [start, end): each conversation counted once, at its first `assigned` event in the period, for
    the provider in the event's `data.provider_id` (the agent's provider), else the event's own
    provider (events written before the assignment step recorded it)."""
    queue = queue_get(scope, queue_id=queue_id)
    plan = queue_providers(scope, queue_id=queue_id)
    serving = {p.provider_id for p in plan} | (
        {queue.provider_id} if queue.provider_id is not None else set()
    )
    if not scope.is_provider:
        serving &= set(scope.provider_ids)
    counted: set[int] = set()
    contacts: dict[int, int] = defaultdict(int)
    how: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for conversation_id, _at, event_provider, data in analytics_selectors.queue_assignments(
        scope, client_id=queue.client_id, queue=queue.name, provider_ids=serving, start=start, end=end
    ):
        if conversation_id in counted:
            continue
        counted.add(conversation_id)
        data = data if isinstance(data, dict) else {}
        provider = data.get("provider_id")
        provider = provider if isinstance(provider, int) else event_provider
        if provider is None:
            continue
        contacts[provider] += 1
        how[provider][str(data.get("how") or "unknown")] += 1
    total = sum(contacts.values())
    planned = {p.provider_id: p.share_percent for p in plan}
    names = {p.provider_id: p.provider.name for p in plan}
    if queue.overflow_provider_id is not None and queue.overflow_provider is not None:
        names.setdefault(queue.overflow_provider_id, queue.overflow_provider.name)
    for extra in set(contacts) - set(names):
        names[extra] = str(_("Another provider"))
    return SplitReport(
        queue_id=queue.pk,
        name=queue.name,
        start=start,
        end=end,
        total=total,
        rows=[
            SplitRow(
                provider_id=provider_id,
                provider_name=names[provider_id],
                planned_percent=planned.get(provider_id, 0),
                contacts=contacts.get(provider_id, 0),
                realised_percent=round(100 * contacts.get(provider_id, 0) / total, 1) if total else None,
                by_how=dict(how.get(provider_id, {})),
            )
            for provider_id in sorted(set(planned) | set(contacts))
        ],
    )


# --- presence ------------------------------------------------------------------------------------
def staff_ids(scope: Scope) -> set[int]:
    """The acting provider's agents and team leads (whose presence routing keeps)."""
    if not scope.is_provider or scope.organization_id is None:
        return set()
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.organization_id)
    return {
        m.user_id
        for role in STAFF_ROLES
        for m in tenancy_selectors.membership_list_for_role(organization, role=role)
    }


def presence_current(
    scope: Scope, *, user_ids: list[int] | set[int] | None = None
) -> dict[int, AgentPresence]:
    """Current state per agent of the acting provider (agents never seen are absent: offline)."""
    rows = AgentPresence.objects.for_scope(scope).filter(provider_id=scope.provider_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return {row.user_id: row for row in rows.select_related("user")}


def presence_get(scope: Scope, *, user_id: int) -> AgentPresence | None:
    return presence_current(scope, user_ids=[user_id]).get(user_id)


def presence_history(
    scope: Scope, *, user_id: int, since: datetime, until: datetime | None = None
) -> list[PresenceChange]:
    rows = PresenceChange.objects.for_scope(scope).filter(user_id=user_id, at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return list(rows.order_by("at", "id"))


def agent_time_in_state(
    scope: Scope, *, user_id: int, start: datetime, end: datetime
) -> occupancy.StateTimes:
    """Seconds per state, occupancy and utilisation of one agent over [start, end), from the history."""
    before = (
        PresenceChange.objects.for_scope(scope)
        .filter(user_id=user_id, at__lte=start)
        .order_by("-at", "-id")
        .values_list("state", flat=True)
        .first()
    )
    changes = [(c.at, c.state) for c in presence_history(scope, user_id=user_id, since=start, until=end)]
    return occupancy.time_in_state(changes, start=start, end=end, initial=before or occupancy.OFFLINE)


def agents_by_state(scope: Scope, *, user_ids: set[int] | None = None) -> dict[str, int]:
    """How many of the provider's agents are in each state (offline: those never seen too)."""
    ids = staff_ids(scope) if user_ids is None else set(user_ids)
    counts = {state: 0 for state in PresenceState.values}
    current = presence_current(scope, user_ids=ids)
    for user_id in ids:
        row = current.get(user_id)
        counts[row.state if row else PresenceState.OFFLINE] += 1
    return counts


# --- capacity ------------------------------------------------------------------------------------
def agent_capacity(scope: Scope, *, user_id: int, channel: str, queue: Queue | None = None) -> int:
    """How many contacts of a channel the agent may hold at once: their own override, else the
    queue's default chat concurrency for chats, else one."""
    own = (
        AgentCapacity.objects.for_scope(scope)
        .filter(user_id=user_id, channel=channel)
        .values_list("max_concurrent", flat=True)
        .first()
    )
    if own is not None:
        return own
    if channel == "chat":
        return queue.default_chat_concurrency if queue is not None else 3
    return 1


def agent_capacity_list(scope: Scope, *, user_id: int | None = None) -> QuerySet[AgentCapacity]:
    rows = AgentCapacity.objects.for_scope(scope)
    return rows.filter(user_id=user_id) if user_id is not None else rows


# --- certification -------------------------------------------------------------------------------
def certification_list(
    scope: Scope, *, client_id: int | None = None, user_id: int | None = None
) -> QuerySet[Certification]:
    rows = Certification.objects.for_scope(scope).select_related("user", "client")
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return rows


def certification_get(scope: Scope, *, certification_id: int) -> Certification:
    return one_of(Certification.objects.for_scope(scope), pk=certification_id)


def certified_agents(scope: Scope, *, client_id: int, at: datetime | None = None) -> set[int]:
    """Agents of the acting provider certified for the client at `at` (now by default)."""
    at = at or clock.now()
    rows = (
        Certification.objects.for_scope(scope)
        .filter(client_id=client_id, valid_from__lte=at, revoked_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
    )
    if scope.is_provider:
        rows = rows.filter(provider_id=scope.provider_id)
    return set(rows.values_list("user_id", flat=True))


@dataclass(frozen=True)
class EligibleAgent:
    """One agent the assignment step may offer a queue's contacts to."""

    user_id: int
    proficiency: dict[str, int]  # skill name → level, for the queue's required skills
    state: str
    since: datetime | None
    capacity: int


def eligible_agents(scope: Scope, *, queue_id: int, at: datetime | None = None) -> list[EligibleAgent]:
    """Agents of the acting provider qualified for a queue at `at`: every required skill at its
    least proficiency, and certified for the queue's client. Any state (the caller filters on
    `state` and load); sorted by id so the snapshot is deterministic."""
    queue = queue_get(scope, queue_id=queue_id)
    required = {
        r.skill_id: (r.skill.name, r.min_proficiency) for r in queue_required_skills(scope, queue_id=queue_id)
    }
    certified = certified_agents(scope, client_id=queue.client_id, at=at) if queue.client_id else set()
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    rows = AgentSkill.objects.for_scope(scope).filter(
        skill_id__in=list(required), user_id__in=list(certified)
    )
    for user_id, skill_id, proficiency in rows.values_list("user_id", "skill_id", "proficiency"):
        name, least = required[skill_id]
        if proficiency >= least:
            levels[user_id][name] = proficiency
    qualified = sorted(u for u, have in levels.items() if len(have) == len(required))
    if not required:
        qualified = sorted(certified)
    current = presence_current(scope, user_ids=qualified)
    overrides = dict(
        AgentCapacity.objects.for_scope(scope)
        .filter(user_id__in=qualified, channel=queue.channel)
        .values_list("user_id", "max_concurrent")
    )
    default = queue.default_chat_concurrency if queue.channel == "chat" else 1
    return [
        EligibleAgent(
            user_id=u,
            proficiency=levels.get(u, {}),
            state=current[u].state if u in current else PresenceState.OFFLINE,
            since=current[u].since if u in current else None,
            capacity=overrides.get(u, default),
        )
        for u in qualified
    ]


# --- queue statistics ----------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueStats:
    queue_id: int
    name: str
    waiting: int
    longest_wait_s: float
    service_level_today: float | None  # share answered within the target, None before any contact
    offered_today: int
    answered_today: int
    agents_by_state: dict[str, int]


_OPENS = {"offered", "queued", "reopened"}
_TAKES = {"assigned", "resolved", "closed", "abandoned", "transferred"}
_MOVED = "overflowed"  # with `data.to_provider`: it left this provider's line (a `queued` opens the next)


def _takes(kind: str, data: dict) -> bool:
    """Whether the event ends a wait in its queue (a move to another provider does)."""
    return kind in _TAKES or (kind == _MOVED and "to_provider" in (data or {}))


def queue_stats(scope: Scope, *, queue_id: int, now: datetime | None = None) -> QueueStats:
    """Live figures of one queue, from the event log.

    Waiting: conversations whose latest opening event (offered, queued, reopened) in this queue
    within the last week has no later assignment, resolution, closing, abandonment or transfer.
    Service level today: of the conversations offered in this queue since local midnight, the
    share whose first response (or, without one, assignment) came within the target seconds;
    contacts still waiting past the target count as missed.
    """
    queue = queue_get(scope, queue_id=queue_id)
    now = now or clock.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    events = analytics_selectors.contact_event_list(scope).filter(
        client_id=queue.client_id, queue=queue.name, at__gte=min(midnight, now - timedelta(days=7))
    )
    last_open: dict[int, datetime] = {}
    taken: dict[int, datetime] = {}
    offered_today: dict[int, datetime] = {}
    answered_at: dict[int, datetime] = {}
    assigned_at: dict[int, datetime] = {}
    for conversation_id, kind, at, data in events.values_list("conversation_id", "type", "at", "data"):
        if kind in _OPENS:
            last_open[conversation_id] = at
            if kind == "offered" and at >= midnight:
                offered_today[conversation_id] = at
        elif _takes(kind, data):
            taken[conversation_id] = at
        if kind == "first_response":
            answered_at.setdefault(conversation_id, at)
        elif kind == "assigned":
            assigned_at.setdefault(conversation_id, at)
    waits = [
        (now - opened).total_seconds()
        for conversation_id, opened in last_open.items()
        if conversation_id not in taken or taken[conversation_id] < opened
    ]
    target = timedelta(seconds=queue.sl_target_seconds)
    within = answered = 0
    for conversation_id, offered_at in offered_today.items():
        reached = answered_at.get(conversation_id) or assigned_at.get(conversation_id)
        if reached is not None:
            answered += 1
            within += (reached - offered_at) <= target
    judged = sum(
        1
        for conversation_id, offered_at in offered_today.items()
        if conversation_id in answered_at or conversation_id in assigned_at or now - offered_at > target
    )
    by_state = agents_by_state(scope) if scope.is_provider else _client_agents_by_state(scope, queue)
    return QueueStats(
        queue_id=queue.pk,
        name=queue.name,
        waiting=len(waits),
        longest_wait_s=round(max(waits, default=0.0), 1),
        service_level_today=round(within / judged, 4) if judged else None,
        offered_today=len(offered_today),
        answered_today=answered,
        agents_by_state=by_state,
    )


def _client_agents_by_state(scope: Scope, queue: Queue) -> dict[str, int]:
    """A client's manager sees how many agents serving this queue are in each state (counts only)."""
    counts = {state: 0 for state in PresenceState.values}
    skilled = set(
        AgentSkill.all_tenants.filter(
            skill__kind=SkillKind.QUEUE,
            skill__name=queue.name,
            provider_id__in=[
                p
                for p in QueueProvider.all_tenants.filter(queue=queue).values_list("provider_id", flat=True)
                if p in scope.provider_ids
            ],
        ).values_list("provider_id", "user_id")
    )
    current = {
        (row.provider_id, row.user_id): row.state
        for row in AgentPresence.all_tenants.filter(
            provider_id__in={p for p, _u in skilled}, user_id__in={u for _p, u in skilled}
        )
    }
    for key in skilled:
        counts[current.get(key, PresenceState.OFFLINE)] += 1
    return counts


@dataclass(frozen=True)
class PresenceDay:
    user_id: int
    state: str
    reason: str
    since: datetime | None
    history: list[PresenceChange]
    seconds_in_state: dict[str, float]


def presence_today(scope: Scope, *, user_id: int, now: datetime | None = None) -> PresenceDay:
    """An agent's state, since when, and today's history: for the agent themself, or for a team
    lead or provider admin of the agent's provider; anyone else gets NotFound."""
    own = user_id == scope.user_id and scope.has(RoutingPerm.PRESENCE_OWN)
    team = scope.has(RoutingPerm.PRESENCE_TEAM) and user_id in staff_ids(scope)
    if not scope.is_provider or not (own or team):
        raise NotFound()
    now = now or clock.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    current = presence_get(scope, user_id=user_id)
    times = agent_time_in_state(scope, user_id=user_id, start=midnight, end=now)
    return PresenceDay(
        user_id=user_id,
        state=current.state if current else PresenceState.OFFLINE,
        reason=current.reason if current else "",
        since=current.since if current else None,
        history=presence_history(scope, user_id=user_id, since=midnight, until=now + timedelta(seconds=1)),
        seconds_in_state=times.seconds,
    )


def queue_service_level_targets(client_id: int) -> list[tuple[str, int, int]]:
    """(name, percent, seconds) of the client's active queues: the dashboards' service-level targets.

    Unscoped on purpose, like the desk's `sla_policy_for`: analytics asks it (through the target
    source registered in `RoutingConfig.ready`) after checking that the actor sees the client."""
    rows = Queue.all_tenants.filter(client_id=client_id, active=True).order_by("name")
    return list(rows.values_list("name", "sl_target_percent", "sl_target_seconds"))
