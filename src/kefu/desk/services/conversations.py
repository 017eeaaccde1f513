"""Writes of conversations: opening one, assignment, the status workflow (with the category and
resolution code it needs), tags, and each person's read position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Channel, Conversation, Priority, ReadMarker, Status, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import (
    MAX_LIST_ITEMS,
    _choice,
    _client_for,
    _provider_for,
    _publish,
    _publish_batch,
    _require_write,
    _strings,
    _text,
)
from kefu.desk.services.sla import _business_seconds, _sla_check
from kefu.routing import offer_services, wakeups
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services


@transaction.atomic
def conversation_create(
    scope: Scope,
    *,
    channel: str,
    client_id: int | None = None,
    provider_id: int | None = None,
    customer_id: int | None = None,
    subject: str = "",
    priority: str = Priority.NORMAL,
    queue: str = "",
    tags: list[str] | None = None,
    order_numbers: list[str] | None = None,
    message: str = "",
    external_id: str = "",
    order_value: Decimal | None = None,
) -> Conversation:
    """Open a contact thread (emits `offered`); `message` is the customer's first message."""
    scope.require(DeskPerm.HANDLE)
    client = _client_for(scope, client_id)
    provider = _provider_for(scope, provider_id)
    if order_value is not None and not Decimal(0) <= order_value < Decimal("1e10"):
        raise Invalid(_("The order value must be between 0 and 9,999,999,999.99."), field="order_value")
    customer = None
    if customer_id is not None:
        customer = selectors.customer_row(scope, customer_id=customer_id)
        if customer.client_id != client:
            raise Invalid(_("This customer belongs to another client."), field="customer_id")
    conversation = Conversation.objects.create(
        provider_id=provider,
        client_id=client,
        channel=_choice(channel, Channel, "channel"),
        priority=_choice(priority, Priority, "priority"),
        subject=_text(subject, "subject", 200),
        customer=customer,
        queue=_text(queue, "queue", 60),
        tags=_strings(tags, "tags", max_length=60),
        order_numbers=_strings(order_numbers, "order_numbers"),
        order_value=order_value,
        created_at=clock.now(),
    )
    events.emit(
        scope,
        EventType.OFFERED,
        conversation=conversation,
        at=conversation.created_at,
        data={"priority": conversation.priority},
    )
    if message:  # the one inbound path, into the row this transaction holds (no re-read)
        from kefu.desk.ingest import orm as ingest_orm  # the ingest rules build on this package

        answer = ingest_orm.inbound_post_into(
            ingest_orm.Inbound(scope, conversation.pk, message, external_id=external_id), conversation
        )
        if isinstance(answer, KefuError):
            if answer.field == "body":  # this input is called `message` here
                answer.field = "message"
            raise answer
    if conversation.queue and conversation.assignee_id is None:
        wakeups.wake(contact_id=conversation.pk)  # automatic assignment, after commit
    _publish(conversation, "conversation.created")
    return conversation


ASSIGNED_HOW = ("auto", "manual", "supervisor")


@dataclass(frozen=True)
class Handover:
    """One conversation (row-locked by the caller) to give to `agent_id` (None: back to the
    queue), acting as `scope`; `offer_id` the offer automatic assignment made."""

    scope: Scope
    conversation: Conversation
    agent_id: int | None
    offer_id: int | None = None


@transaction.atomic
def conversation_assign(
    scope: Scope,
    *,
    conversation_id: int,
    agent_id: int | None,
    how: str | None = None,
    offer_id: int | None = None,
) -> Conversation:
    """Give the conversation to someone (or back to the queue with None): a manual pick, a
    supervisor, an accepted offer. The rules are `conversations_assign_locked`'s, the one write
    of the assignee (automatic assignment uses it for a whole batch)."""
    _require_assign(scope, agent_id)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    conversations_assign_locked([Handover(scope, conversation, agent_id, offer_id)], how=how)
    return conversation


def _require_assign(scope: Scope, agent_id: int | None) -> None:
    """Staff with the handle permission may claim for themselves; anything else needs assign."""
    if agent_id is None or agent_id != scope.user_id:
        scope.require(DeskPerm.ASSIGN)
    else:
        scope.require(DeskPerm.HANDLE)


def conversations_assign_locked(
    handovers: list[Handover],
    *,
    how: str | None = None,
    on_refused: Callable[[Handover, KefuError], None] | None = None,
) -> list[Conversation]:
    """The one write of the assignee, for one conversation or a batch (automatic assignment):
    call inside a transaction holding the conversations' row locks. Returns those changed.

    Who may: the handle permission to claim for oneself, the assign permission otherwise; only
    active members of the conversation's provider or client can hold it (one read for the
    batch); not while escalated without edit access, nor once closed. A handover breaking a
    rule raises and nothing is written; with `on_refused` (automatic assignment) it is left out
    instead, `on_refused(handover, error)` is called, and the rest of the batch is written (one
    bad agent does not stall every contact of the batch). What is stored: the assignee, in one
    UPDATE. Which events, in one INSERT: `assigned` for a first assignee (data: the agent's
    `provider_id`, the `offer_id` of automatic assignment, `how`: auto, manual or supervisor),
    `transferred` for a change, `queued` for back to the queue. Taking one by hand cancels its
    live offer; a freed agent or a re-queued conversation wakes routing; pages are told after
    commit (one hint per conversation's page, one per inbox group: `batch_hints`)."""
    if how is not None and how not in ASSIGNED_HOW:
        raise ValueError(how)

    def refuse(h: Handover, error: KefuError) -> None:
        if on_refused is None:
            raise error
        on_refused(h, error)

    changing: list[Handover] = []
    for h in handovers:
        if h.conversation.assignee_id == h.agent_id:
            continue
        try:
            _require_assign(h.scope, h.agent_id)
            _require_write(h.scope, h.conversation)
        except KefuError as error:
            refuse(h, error)
        else:
            changing.append(h)
    members = _memberships([(h.conversation, h.agent_id) for h in changing if h.agent_id is not None])
    allowed: list[Handover] = []
    for h in changing:
        if h.agent_id is not None and not _is_member(members, h.conversation, h.agent_id):
            refuse(h, Invalid(_("This person cannot take this conversation."), field="agent_id"))
        elif h.conversation.status == Status.CLOSED:
            refuse(h, Conflict(_("This conversation is closed.")))
        else:
            allowed.append(h)
    changing = allowed
    if not changing:
        return []
    now = clock.now()
    rows: list[events.EventRow] = []
    agents: list[int | None] = []
    for h in changing:
        conversation, agent_id = h.conversation, h.agent_id
        kind_how = how or ("manual" if agent_id is not None and agent_id == h.scope.user_id else "supervisor")
        if kind_how != "auto":
            offer_services.offers_cancel(conversation.pk, now=now)
        previous = conversation.assignee_id
        data: dict[str, Any] = {"previous": previous, "how": kind_how}
        if agent_id is None:
            kind = EventType.QUEUED
            wakeups.wake(contact_id=conversation.pk)
        else:
            kind = EventType.ASSIGNED if previous is None else EventType.TRANSFERRED
            provider = conversation.provider_id if (agent_id, conversation.provider_id) in members else None
            data |= {"provider_id": provider, "offer_id": h.offer_id}
        if previous is not None:
            wakeups.wake(agent_id=previous)
        conversation.assignee_id, conversation.updated_at = agent_id, now
        rows.append((h.scope, kind, conversation, now, data))
        agents.append(agent_id)
    _write_assignees([h.conversation for h in changing], now=now)
    events.emit_many(rows, agent_ids=agents)
    _publish_batch([h.conversation for h in changing], "conversation.updated")
    return [h.conversation for h in changing]


def _write_assignees(conversations: list[Conversation], *, now: Any) -> None:
    """One UPDATE for the batch: each conversation's new assignee (already set on the rows).

    Plain SQL: the ORM's `Case(When(...))` over a batch of 200 cost more to build than the
    database took to run it. `ELSE assignee_id` gives the literals the column's type (a NULL
    among them included)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    pk = connection.ops.quote_name(Conversation._meta.pk.column)
    assignee = connection.ops.quote_name(Conversation._meta.get_field("assignee").column)
    updated = connection.ops.quote_name(Conversation._meta.get_field("updated_at").column)
    whens = " ".join(["WHEN %s THEN %s"] * len(conversations))
    marks = ", ".join(["%s"] * len(conversations))
    sql = (
        f"UPDATE {table} SET {assignee} = CASE {pk} {whens} ELSE {assignee} END, {updated} = %s "
        f"WHERE {pk} IN ({marks})"
    )
    params: list[Any] = [v for c in conversations for v in (c.pk, c.assignee_id)]
    params += [connection.ops.adapt_datetimefield_value(now), *(c.pk for c in conversations)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _memberships(pairs: list[tuple[Conversation, int]]) -> set[tuple[int, int]]:
    """The active (person, organisation) memberships among these conversations' providers and
    clients: one read for all."""
    return tenancy_selectors.active_memberships(
        user_ids={agent for _c, agent in pairs},
        organization_ids={o for c, _a in pairs for o in (c.provider_id, c.client_id) if o is not None},
    )


def _is_member(found: set[tuple[int, int]], conversation: Conversation, agent_id: int) -> bool:
    """Only active members of a conversation's provider or client can hold it."""
    return bool({(agent_id, conversation.provider_id), (agent_id, conversation.client_id)} & found)


def _members(pairs: list[tuple[Conversation, int]], *, field: str) -> set[tuple[int, int]]:
    """The memberships found among these (`_memberships`); `Invalid` for the first person who
    belongs to neither organisation of their conversation."""
    found = _memberships(pairs)
    for conversation, agent_id in pairs:
        if not _is_member(found, conversation, agent_id):
            raise Invalid(_("This person cannot take this conversation."), field=field)
    return found


def _check_assignable(conversation: Conversation, agent_id: int, *, field: str = "agent_id") -> set[int]:
    """Only active members of the conversation's provider or client can hold it; the ones of
    these two organisations the person belongs to."""
    found = _members([(conversation, agent_id)], field=field)
    return {organization for _agent, organization in found}


_ALLOWED: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_CLIENT, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING_CUSTOMER, Status.PENDING_CLIENT, Status.RESOLVED, Status.CLOSED},
    Status.PENDING_CUSTOMER: {Status.OPEN, Status.PENDING_CLIENT, Status.RESOLVED, Status.CLOSED},
    Status.PENDING_CLIENT: {Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


@transaction.atomic
def conversation_set_status(
    scope: Scope,
    *,
    conversation_id: int,
    status: str = "",
    category: str | None = None,
    category_id: int | None = None,
    custom_status_id: int | None = None,
    resolution_code: str | None = None,
) -> Conversation:
    """Move through the workflow; resolving needs a category (问题分类) for reporting: a leaf
    of the client's category tree once the client has one, else free text.

    `custom_status_id` picks one of the client's own statuses: the standard status becomes
    the one it maps to (`status` may be left empty) and `status_changed` records it; the
    SLA clocks pause or run as its mapping says. Events: pending_* → `held`, back to open →
    `resumed` (or `reopened` from resolved), `resolved` (value_s = seconds since the
    conversation was offered), `closed`.
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    custom = None
    if custom_status_id is not None:
        custom = selectors.custom_status_get(scope, status_id=custom_status_id)
        if custom.client_id != conversation.client_id or not custom.active:
            raise Invalid(_("This status is not one of this client's statuses."), field="custom_status_id")
        if status and status != custom.maps_to:
            raise Invalid(
                _("%(name)s stands for %(status)s.")
                % {"name": custom.name, "status": Status(custom.maps_to).label},
                field="status",
            )
        status = custom.maps_to
    if not status:
        raise Invalid(_("Choose a status."), field="status")
    new = _choice(status, Status, "status")
    old, old_custom = conversation.status, conversation.current_custom_status
    update = ["updated_at"]
    if category is not None or category_id is not None:
        update += _apply_category(scope, conversation, category=category, category_id=category_id)
    if resolution_code is not None:
        conversation.resolution_code = _text(resolution_code, "resolution_code", 60)
        update.append("resolution_code")
    if new == Status.RESOLVED:
        _require_category(conversation)
    custom_changed = (custom.pk if custom else None) != (old_custom.pk if old_custom else None)
    if custom_changed or conversation.custom_status_id != (custom.pk if custom else None):
        conversation.custom_status = custom
        update.append("custom_status")
    if new == old and not custom_changed:
        if len(update) > 1:
            _require_write(scope, conversation)
            conversation.save(update_fields=update)
            _publish(conversation, "conversation.updated")
        return conversation
    _require_write(scope, conversation)
    if new != old and new not in _ALLOWED[old]:
        raise Conflict(
            _("A conversation cannot go from %(old)s to %(new)s.")
            % {"old": Status(old).label, "new": Status(new).label}
        )
    if new != old and conversation.tier != Tier.L1 and new == Status.OPEN:
        raise Conflict(_("This conversation is escalated; hand it back to reopen it for the provider."))
    now = clock.now()
    conversation.status = new
    common: dict[str, Any] = {"conversation": conversation, "at": now, "agent_id": conversation.assignee_id}
    data = {"from": old, "to": new}
    if new == old:
        pass
    elif new == Status.RESOLVED:
        conversation.resolved_at = now
        value = (now - conversation.created_at).total_seconds()
        events.emit(
            scope,
            EventType.RESOLVED,
            **common,
            value_s=value,
            value_business_s=_business_seconds(conversation.client_id, conversation.created_at, now),
            data={**data, "category": conversation.category, "resolution_code": conversation.resolution_code},
        )
    elif new == Status.CLOSED:
        events.emit(scope, EventType.CLOSED, **common, data=data)
    elif new in (Status.PENDING_CUSTOMER, Status.PENDING_CLIENT):
        events.emit(scope, EventType.HELD, **common, data=data)
    elif old == Status.RESOLVED:
        conversation.resolved_at = None
        events.emit(scope, EventType.REOPENED, **common, data=data)
    elif old in (Status.PENDING_CUSTOMER, Status.PENDING_CLIENT):
        events.emit(scope, EventType.RESUMED, **common, data=data)
    if custom_changed:
        # after the standard event, at the same instant: the SLA replay lets the last one win
        events.emit(
            scope,
            EventType.STATUS_CHANGED,
            **common,
            data={
                **data,
                "custom_status_id": custom.pk if custom else None,
                "custom_status": custom.name if custom else "",
                "previous_custom_status_id": old_custom.pk if old_custom else None,
                "pauses_sla": custom.pauses_sla if custom else None,
            },
        )
    conversation.save(update_fields=[*dict.fromkeys([*update, "status", "resolved_at"])])
    if new != old and new in (Status.RESOLVED, Status.CLOSED) and conversation.assignee_id is not None:
        wakeups.wake(agent_id=conversation.assignee_id)  # a place freed
    elif new != old and new == Status.OPEN and conversation.assignee_id is None and conversation.queue:
        wakeups.wake(contact_id=conversation.pk)  # back in its queue
    _sla_check(conversation)
    _publish(conversation, "conversation.updated")
    return conversation


def _apply_category(
    scope: Scope, conversation: Conversation, *, category: str | None, category_id: int | None
) -> list[str]:
    """Set the category from a node id, or from text: a path of the client's tree when it has
    one (so API callers may send "物流/催发货"), free text otherwise. Returns changed fields."""
    if category_id is not None:
        node = selectors.category_get(scope, category_id=category_id)
        if node.client_id != conversation.client_id:
            raise Invalid(_("This category belongs to another client."), field="category_id")
    else:
        text = _text(category or "", "category", 120)
        if not text or not selectors.category_tree_exists(conversation.client_id):
            conversation.category, conversation.category_node = text, None
            return ["category", "category_node"]
        found = selectors.category_by_path(conversation.client_id, text)
        if found is None:
            raise Invalid(_("Choose a category from the client's category tree."), field="category")
        node = found
    if not node.active or selectors.category_has_children(node):
        raise Invalid(_("Choose a category at the end of a branch (an active leaf)."), field="category_id")
    conversation.category, conversation.category_node = node.path, node
    return ["category", "category_node"]


def _require_category(conversation: Conversation) -> None:
    if selectors.category_tree_exists(conversation.client_id):
        if conversation.category_node_id is None:
            raise Invalid(
                _("Choose a category from the client's category tree before resolving."), field="category"
            )
    elif not conversation.category:
        raise Invalid(_("Choose a category before resolving."), field="category")


@transaction.atomic
def conversation_change_tags(
    scope: Scope, *, conversation_id: int, add: list[str] | None = None, remove: list[str] | None = None
) -> Conversation:
    """Add and remove tags (kept in the order they were added); audited and published live."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    added = [t for t in _strings(add, "add", max_length=60) if t not in conversation.tags]
    dropped = [t for t in _strings(remove, "remove", max_length=60) if t in conversation.tags]
    if not added and not dropped:
        return conversation
    _require_write(scope, conversation)
    tags = [t for t in conversation.tags if t not in dropped] + added
    if len(tags) > MAX_LIST_ITEMS:
        raise Invalid(_("At most %(count)d tags.") % {"count": MAX_LIST_ITEMS}, field="add")
    conversation.tags = tags
    conversation.save(update_fields=["tags", "updated_at"])
    tenancy_services.audit_record(
        scope,
        action="desk.conversation_tags",
        target=conversation,
        client_id=conversation.client_id,
        data={"added": added, "removed": dropped},
    )
    _publish(conversation, "conversation.updated")
    return conversation


@transaction.atomic
def conversation_set_resolution_code(scope: Scope, *, conversation_id: int, code: str) -> Conversation:
    """Correct the resolution code (it is usually given when resolving); audited."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    code = _text(code, "code", 60)
    if code == conversation.resolution_code:
        return conversation
    _require_write(scope, conversation)
    old = conversation.resolution_code
    conversation.resolution_code = code
    conversation.save(update_fields=["resolution_code", "updated_at"])
    tenancy_services.audit_record(
        scope,
        action="desk.conversation_resolution_code",
        target=conversation,
        client_id=conversation.client_id,
        data={"from": old, "to": code},
    )
    _publish(conversation, "conversation.updated")
    return conversation


def conversation_mark_read(scope: Scope, *, conversation_id: int, seq: int | None = None) -> int:
    """Move the actor's read position forward (never back) to `seq` (default: the latest
    message); returns the position. Unread badges count customer messages after it."""
    scope.require(DeskPerm.VIEW)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id)
    if scope.user_id is None:
        return 0
    target = conversation.last_message_seq if seq is None else max(0, min(seq, conversation.last_message_seq))
    markers = ReadMarker.objects.for_scope(scope).filter(conversation=conversation, user_id=scope.user_id)
    if markers.filter(last_read_seq__lt=target).update(last_read_seq=target, updated_at=clock.now()):
        return target
    current = markers.values_list("last_read_seq", flat=True).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            ReadMarker.objects.create(
                provider_id=conversation.provider_id,
                client_id=conversation.client_id,
                conversation=conversation,
                user_id=scope.user_id,
                last_read_seq=target,
            )
    except IntegrityError:  # a concurrent request of the same user created it
        markers.filter(last_read_seq__lt=target).update(last_read_seq=target, updated_at=clock.now())
    return target
