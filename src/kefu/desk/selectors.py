"""Reads of the service desk; every read goes through the scope (others' ids are 404)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet

from kefu.analytics import selectors as analytics_selectors
from kefu.core import clock
from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.desk import masking, sla_clock
from kefu.desk.models import (
    WEEKDAYS,
    AfterSalesRule,
    Attachment,
    Case,
    CaseType,
    Category,
    Conversation,
    Customer,
    CustomStatus,
    DeskSettings,
    Direction,
    IdempotencyKey,
    Message,
    ProviderAccess,
    ServiceCalendar,
    SlaBreach,
    SlaPolicy,
)
from kefu.desk.permissions import DeskPerm

MAX_PAGE = 500


# --- service hours ---------------------------------------------------------------------------
DEFAULT_CALENDAR = sla_clock.ServiceCalendar.daily("09:00-24:00", tz="Asia/Shanghai")
"""Until a client sets its own: 09:00-24:00 every day, closed on Chinese statutory holidays
(adjusted workdays open), the usual e-commerce outsourcing contract."""

_calendars: dict[int, tuple[object, sla_clock.ServiceCalendar]] = {}
_calendars_lock = threading.Lock()


def calendar_from_row(row: ServiceCalendar) -> sla_clock.ServiceCalendar:
    """The pure calendar of a stored row (raises ValueError on malformed hours)."""
    return sla_clock.ServiceCalendar(
        tz=row.tz,
        weekly=tuple(tuple(row.weekly.get(day) or ()) for day in WEEKDAYS),
        chinese_holidays=row.chinese_holidays,
        holiday_mode=sla_clock.HolidayMode(row.holiday_mode),
        holiday_hours=tuple(row.holiday_hours or ()),
        overrides={day: tuple(hours or ()) for day, hours in (row.overrides or {}).items()},
        meal_breaks=tuple(row.meal_breaks or ()),
        covers_meals=row.covers_meals,
    )


def service_calendar_row(client_id: int) -> ServiceCalendar | None:
    """The stored calendar of a client, if any (unscoped: hours are not secret, the widget asks)."""
    return ServiceCalendar.all_tenants.filter(client_id=client_id).first()


def service_calendar_for(client_id: int) -> sla_clock.ServiceCalendar:
    """The client's service calendar for `desk.sla_clock`, or `DEFAULT_CALENDAR`.

    One calendar object per client version is kept, because sla_clock caches day totals on
    it: reusing it makes repeated timer computations cheap.
    """
    row = service_calendar_row(client_id)
    if row is None:
        return DEFAULT_CALENDAR
    with _calendars_lock:
        cached = _calendars.get(client_id)
        if cached is not None and cached[0] == row.updated_at:
            return cached[1]
    calendar = calendar_from_row(row)
    with _calendars_lock:
        _calendars[client_id] = (row.updated_at, calendar)
    return calendar


def client_is_open(client_id: int, at: datetime) -> bool:
    """Whether the client's service desk is staffed at `at` (aware datetime)."""
    return sla_clock.is_open(service_calendar_for(client_id), at)


# --- conversations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ConversationFilter:
    status: str = ""
    channel: str = ""
    client_id: int | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tags: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


def conversation_list(scope: Scope, *, filters: ConversationFilter | None = None) -> QuerySet[Conversation]:
    scope.require(DeskPerm.VIEW)
    queryset = Conversation.objects.for_scope(scope).select_related("assignee")
    if filters is None:
        return queryset
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.client_id is not None:
        queryset = queryset.filter(client_id=filters.client_id)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.assignee_id is not None:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    if filters.queues:
        queryset = queryset.filter(queue__in=filters.queues)
    return queryset


def conversation_get(scope: Scope, *, conversation_id: int, for_update: bool = False) -> Conversation:
    queryset = conversation_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    conversation = queryset.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


def conversations_for_update(scope: Scope, *, conversation_ids: set[int]) -> dict[int, Conversation]:
    """The visible ones among these conversations, row-locked in id order (no lock-order deadlocks).

    The hot path of message ingest, so plain SQL: rows are fetched by key and the tenant rule
    is applied in memory (`Scope.sees`, the same rule as `tenant_q`); building the ORM query
    with its tenant filter cost more than the database did.
    """
    if not conversation_ids:
        return {}
    ids = sorted(conversation_ids)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = "SELECT * FROM {} WHERE {} IN ({}) ORDER BY {}{}".format(
        connection.ops.quote_name(Conversation._meta.db_table),
        connection.ops.quote_name(Conversation._meta.pk.column),
        ", ".join(["%s"] * len(ids)),
        connection.ops.quote_name(Conversation._meta.pk.column),
        lock,
    )
    rows = Conversation.all_tenants.raw(sql, ids)
    return {row.pk: row for row in rows if scope.sees(row.provider_id, row.client_id)}


def conversations_for_update_query(
    columns: str, conversation_ids: list[int], external_ids: list[str]
) -> tuple[str, tuple[list[str], list[int]]]:
    """PostgreSQL, for a caller that sends its own queries (ingest on the event loop): lock
    these conversations in id order and return `columns` of each, then the ids of its
    messages carrying one of `external_ids` (a connector's retries; usually none), so the
    lock and the retry check are one statement.

    The rows are fetched by key only: the caller must keep those its scope sees
    (`Scope.sees`, the rule `conversations_for_update` applies).
    """
    conversation, message = Conversation._meta, Message._meta
    sql = (
        # One index probe per (conversation, external id), however long the thread.
        'SELECT {columns}, ARRAY(SELECT "{m}"."{m_pk}" FROM unnest(%s::text[]) AS wanted(key) '
        'JOIN "{m}" ON "{m}"."{m_conversation}" = "{c}"."{c_pk}" AND "{m}"."{m_external_id}" = wanted.key '
        'ORDER BY "{m}"."{m_pk}") '
        'FROM "{c}" WHERE "{c}"."{c_pk}" = ANY(%s) ORDER BY "{c}"."{c_pk}" FOR UPDATE OF "{c}"'
    ).format(
        columns=columns,
        c=conversation.db_table,
        c_pk=conversation.pk.column,
        m=message.db_table,
        m_pk=message.pk.column,
        m_conversation=message.get_field("conversation").column,
        m_external_id=message.get_field("external_id").column,
    )
    return sql, (external_ids, conversation_ids)


def messages_by_id_query(columns: str, message_ids: list[int]) -> tuple[str, tuple[list[int]]]:
    """PostgreSQL: these messages, for a caller that checked the scope on their conversations
    (a message carries its conversation's tenant keys)."""
    meta = Message._meta
    return f'SELECT {columns} FROM "{meta.db_table}" WHERE "{meta.pk.column}" = ANY(%s)', (message_ids,)


# --- messages --------------------------------------------------------------------------------
def message_list(
    scope: Scope, *, conversation_id: int, after_seq: int = 0, limit: int = 100
) -> list[Message]:
    """Messages after `after_seq`, oldest first: long threads load in pages, reconnects catch up."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    limit = max(1, min(limit, MAX_PAGE))
    return list(
        Message.objects.for_scope(scope)
        .filter(conversation=conversation, seq__gt=max(after_seq, 0))
        .select_related("author")
        .order_by("seq")[:limit]
    )


def messages_by_external_id(
    scope: Scope, *, conversation_ids: set[int], external_ids: set[str]
) -> dict[tuple[int, str], Message]:
    """Messages already stored under these external ids: a connector's retry is not a new message.

    `conversation_ids` must be ones `scope` sees (a message carries its conversation's tenant
    keys); the rows are checked again all the same.
    """
    if not external_ids or not conversation_ids:
        return {}
    conversations, keys = sorted(conversation_ids), sorted(external_ids)
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} WHERE {} IN ({}) AND {} IN ({})".format(
        quote(Message._meta.pk.column),
        quote(Message._meta.db_table),
        quote(Message._meta.get_field("conversation").column),
        ", ".join(["%s"] * len(conversations)),
        quote(Message._meta.get_field("external_id").column),
        ", ".join(["%s"] * len(keys)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*conversations, *keys])
        found = [row[0] for row in cursor.fetchall()]
    if not found:
        return {}
    rows = Message.all_tenants.filter(pk__in=found)  # retries are rare: load them only then
    return {(m.conversation_id, m.external_id): m for m in rows if scope.sees(m.provider_id, m.client_id)}


def first_inbound_message(conversation: Conversation) -> Message | None:
    """The customer's first words: first-response time counts from here."""
    return conversation.messages.filter(direction="in").order_by("seq").first()


# --- customers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerView:
    """A customer as shown: contact data masked unless produced by the audited unmask."""

    id: int
    client_id: int | None
    name: str
    phone: str
    email: str
    address: str
    buyer_id: str
    order_refs: list[str]
    masked: bool


def customer_row(scope: Scope, *, customer_id: int, for_update: bool = False) -> Customer:
    """The stored row (encrypted fields decrypted): for services, never rendered as is."""
    scope.require(DeskPerm.VIEW_CUSTOMERS)
    queryset = Customer.objects.for_scope(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    customer = queryset.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_view(customer: Customer, *, masked: bool = True) -> CustomerView:
    def show(kind: masking.MaskKind, value: str) -> str:
        return masking.mask(kind, value) if masked else value

    return CustomerView(
        id=customer.pk,
        client_id=customer.client_id,
        name=show(masking.MaskKind.NAME, customer.name),
        phone=show(masking.MaskKind.PHONE, customer.phone),
        email=show(masking.MaskKind.EMAIL, customer.email),
        address=show(masking.MaskKind.ADDRESS, customer.address),
        buyer_id=customer.buyer_id,
        order_refs=list(customer.order_refs),
        masked=masked,
    )


def customer_get(scope: Scope, *, customer_id: int) -> CustomerView:
    """Masked for everyone: clear values only through `services.customer_unmask` (audited)."""
    return customer_view(customer_row(scope, customer_id=customer_id))


# --- idempotency -----------------------------------------------------------------------------
def idempotency_key_get(scope: Scope, *, key: str, for_update: bool = False) -> IdempotencyKey | None:
    queryset = IdempotencyKey.objects.for_scope(scope).filter(organization_id=scope.organization_id, key=key)
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()


# --- client settings, SLA policies -------------------------------------------------------------
def service_calendar_get(scope: Scope, *, client_id: int) -> ServiceCalendar | None:
    """The stored calendar of a client the actor sees (None: the default applies)."""
    scope.require(DeskPerm.VIEW)
    if client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()
    return ServiceCalendar.objects.for_scope(scope).filter(client_id=client_id).first()


def sla_policy_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[SlaPolicy]:
    scope.require(DeskPerm.VIEW)
    queryset = SlaPolicy.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset.order_by("client_id", "channel", "id")


def sla_policy_get(scope: Scope, *, policy_id: int, for_update: bool = False) -> SlaPolicy:
    queryset = sla_policy_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    policy = queryset.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    return policy


def sla_policy_for(client_id: int, channel: str) -> SlaPolicy | None:
    """The policy that applies: the channel's own, else the client's catch-all (blank channel).

    Unscoped on purpose: timers of a conversation the caller already holds need it."""
    policies = SlaPolicy.all_tenants.filter(client_id=client_id, channel__in=[channel, ""])
    return max(policies, key=lambda p: p.channel != "", default=None)


def desk_settings_for(client_id: int) -> DeskSettings:
    """The client's desk settings, or the defaults (unsaved) when it has none."""
    row = DeskSettings.all_tenants.filter(client_id=client_id).first()
    return (
        row if row is not None else DeskSettings(client_id=client_id, provider_access_when_escalated="view")
    )


def desk_settings_get(scope: Scope, *, client_id: int) -> DeskSettings:
    scope.require(DeskPerm.VIEW)
    if client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()
    return desk_settings_for(client_id)


def sla_breach_list(
    scope: Scope, *, conversation_id: int | None = None, client_id: int | None = None
) -> QuerySet[SlaBreach]:
    scope.require(DeskPerm.VIEW)
    queryset = SlaBreach.objects.for_scope(scope)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset


# --- timers ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimerView:
    """One SLA timer of a conversation as of `now` (instants UTC)."""

    kind: str  # first_response | next_response | resolution | l2_resolution
    party: str  # provider | client: whose clock
    status: str
    target_s: int
    elapsed_s: int
    remaining_s: int
    deadline: datetime | None
    breached_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None


TK = sla_clock.TimerKind
Event = tuple[datetime, str, dict]


def _modifiers(events: list[Event]) -> list[sla_clock.TimerEvent]:
    """What every timer of the conversation replays besides its own start and stop.

    Waiting on the customer pauses every clock; waiting on the client (`pending_client`)
    pauses the provider's clock, or, when escalated, is where the client's clock runs.
    Escalation hands the clock to the client and back. A `status_changed` to a client's custom
    status pauses or resumes as its mapping says (`pauses_sla`). An earlier `resolved` pauses,
    `reopened` resumes; only a final `resolved` (no reopen after it) or `closed` stops.
    """
    last_resolved = max((i for i, e in enumerate(events) if e[1] == "resolved"), default=None)
    reopened_after = last_resolved is not None and any(e[1] == "reopened" for e in events[last_resolved:])
    result: list[sla_clock.TimerEvent] = []
    escalated = False
    for i, (at, kind, data) in enumerate(events):
        if kind == "status_changed":
            # a custom status: its mapping decides; cleared (None): the standard status decides
            pauses = data.get("pauses_sla")
            to = data.get("to")
            if pauses is not None:
                result.append((at, TK.PAUSE if pauses else TK.RESUME))
            elif to == "pending_customer" or (to == "pending_client" and not escalated):
                result.append((at, TK.PAUSE))
            elif to in ("new", "open", "pending_client"):
                result.append((at, TK.RESUME))
        elif kind == "held":
            to_client = data.get("to") == "pending_client" and escalated
            result.append((at, TK.RESUME if to_client else TK.PAUSE))
        elif kind in ("resumed", "reopened"):
            result.append((at, TK.RESUME))
        elif kind == "escalated":
            escalated = True
            result += [(at, TK.ESCALATE), (at, TK.RESUME)]
        elif kind == "deescalated":
            escalated = False
            result.append((at, TK.DEESCALATE))
            if data.get("to") == "open":
                result.append((at, TK.RESUME))
        elif kind == "closed":
            result.append((at, TK.STOP))
        elif kind == "resolved":
            final = i == last_resolved and not reopened_after
            result.append((at, TK.STOP if final else TK.PAUSE))
    return result


def _cycles(events: list[Event]) -> dict[str, list[list[sla_clock.TimerEvent]]]:
    """Per timer kind, the event lists to replay (one per cycle; next response has many:
    each customer message after the last reply starts one, the next reply stops it)."""
    modifiers = _modifiers(events)
    first_in = next((e[0] for e in events if e[1] == "message_in"), None)
    first_out = next((e[0] for e in events if e[1] == "first_response"), None)
    offered = next((e[0] for e in events if e[1] == "offered"), None)
    escalated = next((e[0] for e in events if e[1] == "escalated"), None)
    result: dict[str, list[list[sla_clock.TimerEvent]]] = {
        "first_response": [
            [
                *([(first_in, TK.START)] if first_in else []),
                *modifiers,
                *([(first_out, TK.STOP)] if first_out else []),
            ]
        ],
        "resolution": [[*([(offered, TK.START)] if offered else []), *modifiers]],
        "l2_resolution": [[(escalated, TK.START), *modifiers]] if escalated else [],
        "next_response": [],
    }
    if first_out is not None:
        open_since: datetime | None = None
        for at, kind, _data in events:
            if at < first_out:
                continue
            if kind == "message_in" and open_since is None:
                open_since = at
            elif kind == "message_out" and open_since is not None:
                result["next_response"].append([(open_since, TK.START), *modifiers, (at, TK.STOP)])
                open_since = None
        if open_since is not None:
            result["next_response"].append([(open_since, TK.START), *modifiers])
    return result


def _all_timers(conversation: Conversation, now: datetime) -> list[TimerView]:
    """Every timer cycle of the conversation (past next-response cycles included)."""
    policy = sla_policy_for(conversation.client_id, conversation.channel) if conversation.client_id else None
    if policy is None:
        return []
    calendar = service_calendar_for(conversation.client_id)  # type: ignore[arg-type]
    rows = analytics_selectors.contact_event_list(_SYSTEM_READ, conversation_id=conversation.pk)
    events = [(row.at, row.type, row.data or {}) for row in rows.filter(client_id=conversation.client_id)]
    targets = {
        "first_response": policy.first_response_s,
        "next_response": policy.next_response_s,
        "resolution": policy.resolution_s,
        "l2_resolution": policy.l2_resolution_s,
    }
    timers = []
    for kind, cycles in _cycles(events).items():
        target = targets[kind]
        if target is None:
            continue
        party = sla_clock.Party.CLIENT if kind == "l2_resolution" else sla_clock.Party.PROVIDER
        for cycle in cycles:
            timer = sla_clock.sla_timer(
                calendar, cycle, target_seconds=target, now=now, party=party, warn_ratio=policy.warn_ratio
            )
            timers.append(
                TimerView(
                    kind=kind,
                    party=str(party),
                    status=str(timer.status),
                    target_s=target,
                    elapsed_s=timer.elapsed_seconds,
                    remaining_s=timer.remaining_seconds,
                    deadline=timer.deadline,
                    breached_at=timer.breached_at,
                    started_at=timer.started_at,
                    stopped_at=timer.stopped_at,
                )
            )
    return timers


# Timers replay the log of a conversation the caller has already been allowed to see.
_SYSTEM_READ = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())


def sla_breaches_record(
    conversation: Conversation, timers: list[TimerView], now: datetime
) -> list[SlaBreach]:
    """Store breaches not stored yet (idempotent: one row per timer cycle).

    Called on every read and change of a conversation and by the periodic check, so a
    breach is on record soon after it happens even if nobody looks.
    """
    breached = [t for t in timers if t.breached_at is not None and t.started_at is not None]
    if not breached:
        return []
    known = set(conversation.sla_breaches.values_list("kind", "started_at"))
    created = []
    for timer in breached:
        if (timer.kind, timer.started_at) in known:
            continue
        try:
            with transaction.atomic():
                created.append(
                    SlaBreach.objects.create(
                        provider_id=conversation.provider_id,
                        client_id=conversation.client_id,
                        conversation=conversation,
                        kind=timer.kind,
                        party=timer.party,
                        target_s=timer.target_s,
                        started_at=timer.started_at,
                        breached_at=timer.breached_at,
                        detected_at=now,
                    )
                )
        except IntegrityError:  # a concurrent reader recorded it first
            continue
    return created


def _current(timers: list[TimerView]) -> list[TimerView]:
    """What a conversation shows: each kind's latest cycle."""
    latest: dict[str, TimerView] = {}
    for timer in timers:
        latest[timer.kind] = timer
    return list(latest.values())


def conversation_timers(
    scope: Scope, *, conversation_id: int, now: datetime | None = None
) -> list[TimerView]:
    """The running timers of a conversation (first response, next response, resolution, and
    the client's L2 timer once escalated); newly breached ones are recorded on the way."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    return conversation_timers_of(conversation, now=now)


def conversation_timers_of(conversation: Conversation, *, now: datetime | None = None) -> list[TimerView]:
    now = now or clock.now()
    timers = _all_timers(conversation, now)
    sla_breaches_record(conversation, timers, now)
    return _current(timers)


def conversation_detail(scope: Scope, *, conversation_id: int) -> Conversation:
    """The conversation with its `timers` attached (the API's detail shape)."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    conversation.timers = conversation_timers_of(conversation)  # type: ignore[attr-defined]
    return conversation


# --- custom statuses, category tree --------------------------------------------------------------
def _client_visible(scope: Scope, client_id: int | None) -> None:
    if client_id is not None and client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()


def custom_status_list(
    scope: Scope, *, client_id: int | None = None, active_only: bool = False
) -> QuerySet[CustomStatus]:
    """A client's own statuses (everyone serving the client sees them), in their order."""
    scope.require(DeskPerm.VIEW)
    _client_visible(scope, client_id)
    queryset = CustomStatus.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.order_by("client_id", "position", "id")


def custom_status_get(scope: Scope, *, status_id: int, for_update: bool = False) -> CustomStatus:
    queryset = custom_status_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    row = queryset.filter(pk=status_id).first()
    if row is None:
        raise NotFound()
    return row


def custom_status_in_use(row: CustomStatus) -> bool:
    return Conversation.all_tenants.filter(client_id=row.client_id, custom_status=row).exists()


def category_list(
    scope: Scope, *, client_id: int | None = None, active_only: bool = False
) -> QuerySet[Category]:
    """A client's category nodes, in tree order (by path)."""
    scope.require(DeskPerm.VIEW)
    _client_visible(scope, client_id)
    queryset = Category.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.order_by("client_id", "path", "id")


def category_get(scope: Scope, *, category_id: int, for_update: bool = False) -> Category:
    queryset = category_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    row = queryset.filter(pk=category_id).first()
    if row is None:
        raise NotFound()
    return row


def category_tree_exists(client_id: int | None) -> bool:
    """Whether the client keeps a category tree (then resolving needs one of its leaves).

    Unscoped: asked about the client of a conversation the caller already holds."""
    return client_id is not None and Category.all_tenants.filter(client_id=client_id, active=True).exists()


def category_by_path(client_id: int | None, path: str) -> Category | None:
    """The active node with this path ("物流/催发货", spaces around "/" ignored)."""
    clean = "/".join(part.strip() for part in path.split("/") if part.strip())
    return Category.all_tenants.filter(client_id=client_id, path=clean, active=True).first()


def category_has_children(node: Category, *, active_only: bool = True) -> bool:
    children = node.children.all()
    return (children.filter(active=True) if active_only else children).exists()


def category_in_use(node: Category) -> bool:
    return Conversation.all_tenants.filter(client_id=node.client_id, category_node=node).exists()


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    path: str
    depth: int
    leaf: bool


def category_choices(scope: Scope, *, client_id: int) -> list[CategoryChoice]:
    """The active tree in order, leaves marked (only leaves can be chosen when resolving)."""
    rows = list(category_list(scope, client_id=client_id, active_only=True))
    parents = {r.parent_id for r in rows}
    by_id = {r.pk: r for r in rows}

    def key(row: Category) -> tuple[tuple[int, str], ...]:
        chain = []
        node: Category | None = row
        while node is not None:
            chain.append((node.position, node.name))
            node = by_id.get(node.parent_id) if node.parent_id else None  # type: ignore[arg-type]
        return tuple(reversed(chain))

    visible = [
        r for r in rows if r.parent_id is None or r.parent_id in by_id
    ]  # under retired parents: hidden
    return [
        CategoryChoice(id=r.pk, path=r.path, depth=r.depth, leaf=r.pk not in parents)
        for r in sorted(visible, key=key)
    ]


# --- attachments -----------------------------------------------------------------------------
def attachment_list(scope: Scope, *, conversation_id: int) -> QuerySet[Attachment]:
    conversation = conversation_get(scope, conversation_id=conversation_id)
    return (
        Attachment.objects.for_scope(scope)
        .filter(conversation=conversation)
        .select_related("message", "uploaded_by")
        .order_by("id")
    )


def attachment_get(scope: Scope, *, attachment_id: int) -> Attachment:
    scope.require(DeskPerm.VIEW)
    row = Attachment.objects.for_scope(scope).select_related("message").filter(pk=attachment_id).first()
    if row is None:
        raise NotFound()
    return row


# --- cases -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    type: str = ""
    client_id: int | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    conversation_id: int | None = None


def case_list(scope: Scope, *, filters: CaseFilter | None = None) -> QuerySet[Case]:
    scope.require(DeskPerm.VIEW)
    queryset = Case.objects.for_scope(scope).prefetch_related("conversations")
    if filters is None:
        return queryset
    for name in ("status", "type", "client_id", "owner_id", "customer_id"):
        value = getattr(filters, name)
        if value not in ("", None):
            queryset = queryset.filter(**{name: value})
    if filters.conversation_id is not None:
        queryset = queryset.filter(conversations__pk=filters.conversation_id)
    return queryset


def case_get(scope: Scope, *, case_id: int, for_update: bool = False) -> Case:
    queryset = case_list(scope)
    if for_update:
        queryset = Case.objects.for_scope(scope).select_for_update(of=("self",))
    case = queryset.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def customer_case_counts(customer_id: int | None, *, exclude_case_id: int | None = None) -> tuple[int, int]:
    """(previous cases, previous complaints or disputes) of a customer, for after-sales rules."""
    if customer_id is None:
        return 0, 0
    cases = Case.all_tenants.filter(customer_id=customer_id)
    if exclude_case_id is not None:
        cases = cases.exclude(pk=exclude_case_id)
    complaints = Q(type__in=[CaseType.COMPLAINT, CaseType.DISPUTE])
    return cases.count(), cases.filter(complaints).count()


def customer_text(conversation: Conversation, *, limit: int = 200) -> str:
    """The customer's own words in this conversation (latest `limit` messages), for keyword rules."""
    bodies = (
        conversation.messages.filter(direction=Direction.IN).order_by("-seq").values_list("body", flat=True)
    )
    return "\n".join(reversed(list(bodies[:limit])))


# --- after-sales rules -----------------------------------------------------------------------
def after_sales_rule_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[AfterSalesRule]:
    scope.require(DeskPerm.VIEW)
    queryset = AfterSalesRule.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset.order_by("client_id", "position", "id")


def after_sales_rule_get(scope: Scope, *, rule_id: int, for_update: bool = False) -> AfterSalesRule:
    queryset = after_sales_rule_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    rule = queryset.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    return rule


def provider_access_default(client_id: int) -> str:
    return desk_settings_for(client_id).provider_access_when_escalated or ProviderAccess.VIEW


def service_calendar_view(scope: Scope, *, client_id: int) -> dict[str, object]:
    """The client's hours as configured, or the default's values (`is_default`)."""
    row = service_calendar_get(scope, client_id=client_id)
    if row is None:
        return {
            "client_id": client_id,
            "is_default": True,
            "tz": DEFAULT_CALENDAR.tz,
            "weekly": {day: ["09:00-24:00"] for day in WEEKDAYS},
            "chinese_holidays": True,
            "holiday_mode": "closed",
            "holiday_hours": [],
            "overrides": {},
            "meal_breaks": [],
            "covers_meals": True,
        }
    return {
        "client_id": client_id,
        "is_default": False,
        **{
            name: getattr(row, name)
            for name in (
                "tz", "weekly", "chinese_holidays", "holiday_mode", "holiday_hours",
                "overrides", "meal_breaks", "covers_meals",
            )
        },
    }  # fmt: skip
