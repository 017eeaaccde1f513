"""Writes of the service desk: customers, conversations, messages; each change is also logged
as a contact event in the same transaction (docs/event-log.md)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock, realtime
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.desk import after_sales_rules, fields, files, selectors, sla_clock
from kefu.desk.models import (
    CUSTOM_STATUS_BASES,
    MAX_CATEGORY_DEPTH,
    MAX_MESSAGE_LENGTH,
    WEEKDAYS,
    AfterSalesRule,
    Attachment,
    Case,
    CaseStatus,
    CaseType,
    Category,
    Channel,
    Conversation,
    Customer,
    CustomStatus,
    Delivery,
    DeskSettings,
    Direction,
    HolidayMode,
    IdempotencyKey,
    Message,
    Priority,
    ProviderAccess,
    ReadMarker,
    RuleAction,
    ServiceCalendar,
    SlaBreach,
    SlaPolicy,
    Status,
    Tier,
)
from kefu.desk.permissions import DeskPerm
from kefu.desk.redaction import RedactionPolicy, redact
from kefu.desk.selectors import CustomerView
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services

MAX_LIST_ITEMS = 50


# --- helpers ---------------------------------------------------------------------------------
def _client_for(scope: Scope, client_id: int | None) -> int:
    """The client a new row belongs to: the actor's own, or one the provider serves."""
    if scope.is_client:
        if client_id not in (None, scope.organization_id):
            raise Invalid(_("Unknown client."), field="client_id")
        return scope.organization_id  # type: ignore[return-value]
    if not scope.is_provider:
        raise PermissionDenied()
    if client_id is None:
        raise Invalid(_("Choose the client this is for."), field="client_id")
    if client_id not in scope.client_ids:
        raise Invalid(_("Unknown client."), field="client_id")
    return client_id


def _provider_for(scope: Scope, provider_id: int | None) -> int | None:
    """The serving provider: the acting provider, or for a client its only (or named) provider."""
    if scope.is_provider:
        if provider_id not in (None, scope.organization_id):
            raise Invalid(_("Unknown provider."), field="provider_id")
        return scope.organization_id
    if provider_id is not None:
        if provider_id not in scope.provider_ids:
            raise Invalid(_("Unknown provider."), field="provider_id")
        return provider_id
    providers = scope.provider_ids
    return next(iter(providers)) if len(providers) == 1 else None


def _choice(value: str, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        raise Invalid(
            _("Unknown value %(value)s; expected one of: %(choices)s")
            % {"value": value, "choices": ", ".join(choices.values)},
            field=field,
        )
    return value


def _strings(values: list[str] | None, field: str, *, max_length: int = 120) -> list[str]:
    cleaned = [v.strip() for v in (values or []) if v and v.strip()]
    if len(cleaned) > MAX_LIST_ITEMS or any(len(v) > max_length for v in cleaned):
        raise Invalid(
            _("At most %(count)d entries of at most %(length)d characters each.")
            % {"count": MAX_LIST_ITEMS, "length": max_length},
            field=field,
        )
    return list(dict.fromkeys(cleaned))


def _text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise Invalid(_("At most %(length)d characters.") % {"length": max_length}, field=field)
    if "\x00" in value:
        raise Invalid(_("NUL characters are not allowed."), field=field)
    return value


def channel_data_check(data: Any) -> None:
    """Connector metadata is stored as JSON, which PostgreSQL refuses with NUL characters in it."""
    if data and "\\u0000" in json.dumps(data):
        raise Invalid(_("NUL characters are not allowed."), field="channel_data")


def _redaction_policy(client_id: int | None) -> RedactionPolicy:
    """The client's redaction rules; until clients can configure them, cards and ID cards."""
    return RedactionPolicy()


def _publish(conversation: Conversation, event_type: str, **payload: Any) -> None:
    """Tell open pages after commit; they re-fetch their partial."""
    for group, kind, data in conversation_hints(conversation, event_type, **payload):
        realtime.publish_on_commit(group, kind, **data)


def conversation_hints(
    conversation: Conversation, event_type: str, **payload: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    """The live updates a change of this conversation sends: to its open page and to the
    inboxes of both sides, as (group, event type, payload)."""
    hints = [(f"desk.conversation.{conversation.pk}", event_type, {"id": conversation.pk, **payload})]
    for organization_id in {conversation.provider_id, conversation.client_id} - {None}:
        hints.append((f"desk.inbox.{organization_id}", event_type, {"id": conversation.pk}))
    return hints


# --- customers -------------------------------------------------------------------------------
@transaction.atomic
def customer_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    buyer_id: str = "",
    order_refs: list[str] | None = None,
) -> Customer:
    """A customer of one client; owned by the client so every provider serving it shares it."""
    scope.require(DeskPerm.MANAGE_CUSTOMERS)
    client = _client_for(scope, client_id)
    phone = _text(phone, "phone", 40)
    if phone and len(fields.normalize_phone(phone)) < 5:
        raise Invalid(_("Enter a valid phone number."), field="phone")
    email = _text(email, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(_("Enter a valid email address."), field="email") from None
    return Customer.objects.create(
        provider_id=None,
        client_id=client,
        name=_text(name, "name", 200),
        phone=phone,
        email=email,
        address=_text(address, "address", 500),
        phone_hash=fields.phone_hash(phone),
        email_hash=fields.email_hash(email),
        buyer_id=_text(buyer_id, "buyer_id", 120),
        order_refs=_strings(order_refs, "order_refs"),
    )


@transaction.atomic
def customer_unmask(
    scope: Scope, *, customer_id: int, reason: str = "", ip_address: str | None = None
) -> CustomerView:
    """The clear contact data, for those allowed; the read lands in the client's access log."""
    scope.require(DeskPerm.UNMASK)
    customer = selectors.customer_row(scope, customer_id=customer_id)
    tenancy_services.access_record(
        scope,
        resource_type="customer",
        resource_id=customer.pk,
        client_id=customer.client_id,
        fields="name,phone,email,address",
        reason=_text(reason, "reason", 200),
        ip_address=ip_address,
    )
    return selectors.customer_view(customer, masked=False)


# --- conversations ---------------------------------------------------------------------------
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
    if message:
        message_post(
            scope,
            conversation_id=conversation.pk,
            body=message,
            direction=Direction.IN,
            external_id=external_id,
        )
        conversation.refresh_from_db()
    _publish(conversation, "conversation.created")
    return conversation


def message_body_check(body: str) -> None:
    if not body or not body.strip():
        raise Invalid(_("A message cannot be empty."), field="body")
    if "\x00" in body:
        raise Invalid(_("A message cannot contain NUL characters."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise Invalid(
            _("A message can be at most %(limit)s characters long; this one has %(length)s.")
            % {"limit": f"{MAX_MESSAGE_LENGTH:,}", "length": f"{len(body):,}"},
            field="body",
        )


def customer_wrote_transition(conversation: Conversation) -> tuple[EventType, str] | None:
    """What the customer's message does to the status: (event, new status), or nothing.

    A waiting or resolved conversation comes back to life; an escalated item goes back to
    the client's staff, not to the provider's queue.
    """
    if conversation.status not in (Status.PENDING_CUSTOMER, Status.RESOLVED):
        return None
    kind = EventType.REOPENED if conversation.status == Status.RESOLVED else EventType.RESUMED
    return kind, Status.PENDING_CLIENT if conversation.tier != Tier.L1 else Status.OPEN


_DELIVERY = {
    Direction.IN: Delivery.RECEIVED,
    Direction.OUT: Delivery.PENDING,
    Direction.NOTE: Delivery.INTERNAL,
}


@transaction.atomic
def message_post(
    scope: Scope,
    *,
    conversation_id: int,
    body: str,
    direction: str = Direction.OUT,
    external_id: str = "",
    channel_data: dict[str, Any] | None = None,
) -> Message:
    """Append a message: inbound from the customer, outbound by staff, or an internal note.

    The body is redacted before it is stored. `seq` is assigned under a row lock of the
    conversation, so concurrent posts get consecutive numbers. A repeated `external_id`
    (a connector retrying) returns the stored message instead of a duplicate.
    """
    direction = _choice(direction, Direction, "direction")
    if direction == Direction.IN:  # the customer's words: the one inbound path and its rules
        from kefu.desk.ingest import orm as ingest_orm

        answer = ingest_orm.inbound_post_many(
            [
                ingest_orm.Inbound(
                    scope, conversation_id, body, external_id=external_id, channel_data=channel_data or {}
                )
            ]
        )[0]
        if isinstance(answer, KefuError):
            raise answer
        return answer
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    message_body_check(body)
    external_id = _text(external_id, "external_id", 200)
    channel_data_check(channel_data)
    if external_id:
        existing = conversation.messages.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    if conversation.status == Status.CLOSED and direction != Direction.NOTE:
        raise Conflict(_("This conversation is closed; start a new one."))
    if direction != Direction.IN:  # the customer's words are always taken in
        _require_write(scope, conversation)

    now = clock.now()
    redacted = redact(body, _redaction_policy(conversation.client_id))
    conversation.last_message_seq += 1
    message = Message.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation=conversation,
        seq=conversation.last_message_seq,
        direction=direction,
        author_id=None if direction == Direction.IN else scope.user_id,
        body=redacted.text,
        redactions=sorted({str(f.rule) for f in redacted.findings}),
        channel_data=channel_data or {},
        external_id=external_id,
        delivery=_DELIVERY[Direction(direction)],
        created_at=now,
    )
    update = ["last_message_seq", "updated_at"]
    common = {"conversation": conversation, "at": now}
    if direction == Direction.IN:
        events.emit(scope, EventType.MESSAGE_IN, **common, data={"seq": message.seq})
        transition = customer_wrote_transition(conversation)
        if transition is not None:
            kind, to = transition
            events.emit(scope, kind, **common, data={"from": conversation.status, "by": "customer", "to": to})
            conversation.status, conversation.resolved_at = to, None
            update += ["status", "resolved_at"]
    elif direction == Direction.OUT:
        events.emit(scope, EventType.MESSAGE_OUT, **common, agent_id=scope.user_id, data={"seq": message.seq})
        if conversation.status == Status.NEW:
            conversation.status = Status.OPEN
            update.append("status")
        if conversation.first_response_at is None:
            first_in = selectors.first_inbound_message(conversation)
            if first_in is not None:
                conversation.first_response_at = now
                update.append("first_response_at")
                events.emit(
                    scope,
                    EventType.FIRST_RESPONSE,
                    **common,
                    agent_id=scope.user_id,
                    value_s=(now - first_in.created_at).total_seconds(),
                    value_business_s=_business_seconds(conversation.client_id, first_in.created_at, now),
                    data={"seq": message.seq},
                )
    conversation.save(update_fields=update)
    if direction == Direction.OUT:
        # Only a reply can reveal a late response; timers that run out while nobody writes are
        # found by `kefu sla_check` and on every read of the timers.
        _sla_check(conversation)
    _publish(conversation, "message.created", seq=message.seq)
    return message


@transaction.atomic
def conversation_assign(scope: Scope, *, conversation_id: int, agent_id: int | None) -> Conversation:
    """Give the conversation to someone (or back to the queue with None).

    Staff with the handle permission may claim it for themselves; assigning others
    needs the assign permission. First assignment emits `assigned`, a change of
    assignee `transferred`, unassigning `queued`.
    """
    if agent_id is None or agent_id != scope.user_id:
        scope.require(DeskPerm.ASSIGN)
    else:
        scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    previous = conversation.assignee_id
    if previous == agent_id:
        return conversation
    _require_write(scope, conversation)
    if agent_id is not None:
        _check_assignable(conversation, agent_id)
    if conversation.status == Status.CLOSED:
        raise Conflict(_("This conversation is closed."))
    conversation.assignee_id = agent_id
    conversation.save(update_fields=["assignee", "updated_at"])
    if agent_id is None:
        kind = EventType.QUEUED
    else:
        kind = EventType.ASSIGNED if previous is None else EventType.TRANSFERRED
    events.emit(scope, kind, conversation=conversation, agent_id=agent_id, data={"previous": previous})
    _publish(conversation, "conversation.updated")
    return conversation


def _check_assignable(conversation: Conversation, agent_id: int, *, field: str = "agent_id") -> None:
    """Only active members of the conversation's provider or client can hold it."""
    user = get_user_model().objects.filter(pk=agent_id, is_active=True).first()
    organizations = {conversation.provider_id, conversation.client_id} - {None}
    if user is None or not (
        tenancy_selectors.membership_list_for_user(user).filter(organization_id__in=organizations).exists()
    ):
        raise Invalid(_("This person cannot take this conversation."), field=field)


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


# --- read markers ----------------------------------------------------------------------------
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


# --- attachments -----------------------------------------------------------------------------
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_MESSAGE = 10
FileContent = bytes | IO[bytes]


def attachment_max_bytes() -> int:
    """`KEFU_ATTACHMENT_MAX_BYTES` (setting or environment), 20 MB by default."""
    return int(getattr(settings, "KEFU_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):g} MB"


class FileTooLarge(Invalid):
    """Over the size limit: the API answers 413."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def attachment_check(*, filename: str, content: FileContent) -> CheckedFile:
    """Size, type by magic bytes, extension agreeing with it, a safe name; raises Invalid."""
    limit = attachment_max_bytes()
    too_large = FileTooLarge(
        _("The file is larger than %(limit)s; send a smaller one.") % {"limit": _megabytes(limit)},
        field="file",
    )
    if isinstance(content, bytes | bytearray):
        data = bytes(content)
    else:
        if (getattr(content, "size", None) or 0) > limit:
            raise too_large
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    try:
        kind = files.sniff(data, filename or "")
    except files.NameMismatch as error:
        raise Invalid(
            _("The file's content is %(kind)s but its name ends in %(extension)s; it was not accepted.")
            % {"kind": error.kind.label, "extension": error.extension},
            field="file",
        ) from None
    except files.UnknownType:
        raise Invalid(
            _(
                "This type of file is not accepted. Send images (JPEG, PNG, GIF, WebP), PDF, "
                "text or CSV, or Excel/Word documents (XLSX, DOCX)."
            ),
            field="file",
        ) from None
    return CheckedFile(
        filename=files.sanitize_filename(filename, kind),
        content_type=kind.content_type,
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _attachment_store(
    scope: Scope, conversation: Conversation, checked: CheckedFile, message: Message | None
) -> Attachment:
    now = clock.now()
    name = default_storage.save(
        f"attachments/{conversation.client_id or 0}/{now:%Y/%m}/{uuid.uuid4().hex}",
        ContentFile(checked.content),
    )
    try:
        return Attachment.objects.create(
            provider_id=conversation.provider_id,
            client_id=conversation.client_id,
            conversation=conversation,
            message=message,
            uploaded_by_id=None
            if message is not None and message.direction == Direction.IN
            else scope.user_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            storage_name=name,
            created_at=now,
        )
    except Exception:
        default_storage.delete(name)
        raise


@transaction.atomic
def attachment_create(
    scope: Scope,
    *,
    conversation_id: int,
    filename: str,
    content: FileContent,
    message_id: int | None = None,
) -> Attachment:
    """Store a file of a conversation, optionally on one of its messages (an attachment of
    an internal note stays internal). Checked by `attachment_check`; staff writes need write
    access to the conversation, files of the customer's own messages are always taken in."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    message = None
    if message_id is not None:
        message = conversation.messages.filter(pk=message_id).first()
        if message is None:
            raise Invalid(_("This message is not part of this conversation."), field="message_id")
    if message is None or message.direction != Direction.IN:
        _require_write(scope, conversation)
    if conversation.status == Status.CLOSED and (message is None or message.direction != Direction.NOTE):
        raise Conflict(_("This conversation is closed; start a new one."))
    checked = attachment_check(filename=filename, content=content)
    attachment = _attachment_store(scope, conversation, checked, message)
    _publish(conversation, "conversation.updated")
    return attachment


@transaction.atomic
def message_post_with_files(
    scope: Scope,
    *,
    conversation_id: int,
    body: str,
    direction: str = Direction.OUT,
    uploads: list[tuple[str, FileContent]] | None = None,
) -> Message:
    """A message with files (the workspace's reply box): every file is checked before anything
    is written, and a message of files only gets their names as its text."""
    uploads = uploads or []
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise Invalid(
            _("At most %(count)d files per message.") % {"count": MAX_FILES_PER_MESSAGE}, field="file"
        )
    checked = [attachment_check(filename=name, content=content) for name, content in uploads]
    if checked and not (body or "").strip():
        body = "📎 " + ", ".join(c.filename for c in checked)
    message = message_post(scope, conversation_id=conversation_id, body=body, direction=direction)
    conversation = message.conversation
    stored: list[Attachment] = []
    try:
        for item in checked:
            stored.append(_attachment_store(scope, conversation, item, message))
    except Exception:
        for row in stored:
            default_storage.delete(row.storage_name)
        raise
    return message


@transaction.atomic
def attachment_open(
    scope: Scope, *, attachment_id: int, ip_address: str | None = None
) -> tuple[Attachment, IO[bytes]]:
    """The stored file for download; every download lands in the client's access log."""
    attachment = selectors.attachment_get(scope, attachment_id=attachment_id)
    try:
        handle = default_storage.open(attachment.storage_name, "rb")
    except OSError:
        raise NotFound(_("This file is no longer stored.")) from None
    tenancy_services.access_record(
        scope,
        resource_type="attachment",
        resource_id=attachment.pk,
        client_id=attachment.client_id,
        fields=attachment.filename[:200],
        ip_address=ip_address,
    )
    return attachment, handle


# --- custom statuses -------------------------------------------------------------------------
def _custom_status_values(*, name: str, maps_to: str, pauses_sla: bool) -> dict[str, Any]:
    name = _text(name, "name", 60)
    if not name:
        raise Invalid(_("Name the status."), field="name")
    if maps_to not in CUSTOM_STATUS_BASES:
        raise Invalid(
            _("A custom status stands for one of: %(choices)s.")
            % {"choices": ", ".join(str(s.label) for s in CUSTOM_STATUS_BASES)},
            field="maps_to",
        )
    return {"name": name, "maps_to": maps_to, "pauses_sla": bool(pauses_sla)}


def _unique_status_name(scope: Scope, client_id: int, name: str, exclude: int | None = None) -> None:
    others = selectors.custom_status_list(scope, client_id=client_id).filter(name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise Conflict(_("This client already has a status with this name."), field="name")


@transaction.atomic
def custom_status_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    maps_to: str,
    pauses_sla: bool = False,
    position: int | None = None,
    active: bool = True,
) -> CustomStatus:
    """A client's own status (client admins decide; everyone serving the client sees it)."""
    client = _settings_client(scope, client_id)
    values = _custom_status_values(name=name, maps_to=maps_to, pauses_sla=pauses_sla)
    _unique_status_name(scope, client, values["name"])
    if position is None:
        last = selectors.custom_status_list(scope, client_id=client).last()
        position = (last.position + 1) if last is not None else 0
    row = CustomStatus.objects.create(
        provider_id=None, client_id=client, position=max(0, position), active=active, **values
    )
    tenancy_services.audit_record(scope, action="desk.custom_status_create", target=row, client_id=client)
    return row


@transaction.atomic
def custom_status_update(
    scope: Scope,
    *,
    status_id: int,
    name: str,
    maps_to: str,
    pauses_sla: bool = False,
    position: int | None = None,
    active: bool = True,
) -> CustomStatus:
    """Rename, remap or retire (active=False) a status; conversations that have it keep it."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.custom_status_get(scope, status_id=status_id, for_update=True)
    _settings_client(scope, row.client_id)
    values = _custom_status_values(name=name, maps_to=maps_to, pauses_sla=pauses_sla)
    _unique_status_name(scope, row.client_id, values["name"], exclude=row.pk)  # type: ignore[arg-type]
    for key, value in values.items():
        setattr(row, key, value)
    if position is not None:
        row.position = max(0, position)
    row.active = active
    row.save()
    tenancy_services.audit_record(
        scope, action="desk.custom_status_update", target=row, client_id=row.client_id, data=values
    )
    return row


@transaction.atomic
def custom_status_delete(scope: Scope, *, status_id: int) -> None:
    """Delete a status no conversation has; one in use can only be retired (active=False)."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.custom_status_get(scope, status_id=status_id, for_update=True)
    _settings_client(scope, row.client_id)
    if selectors.custom_status_in_use(row):
        raise Conflict(_("Conversations have this status; make it inactive instead."))
    tenancy_services.audit_record(
        scope, action="desk.custom_status_delete", target=row, client_id=row.client_id
    )
    row.delete()


# --- category tree ---------------------------------------------------------------------------
def _category_name(name: str) -> str:
    name = _text(name, "name", 40)
    if not name:
        raise Invalid(_("Name the category."), field="name")
    if "/" in name:
        raise Invalid(_("A category name cannot contain “/”."), field="name")
    return name


def _unique_sibling(
    scope: Scope, client_id: int, parent_id: int | None, name: str, exclude: int | None = None
) -> None:
    siblings = selectors.category_list(scope, client_id=client_id).filter(parent_id=parent_id, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise Conflict(_("A category with this name already exists at this level."), field="name")


@transaction.atomic
def category_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    parent_id: int | None = None,
    code: str = "",
    position: int | None = None,
    active: bool = True,
) -> Category:
    """A node of the client's category tree (at most MAX_CATEGORY_DEPTH levels). Once a client
    has a tree, resolving its conversations needs one of its leaves."""
    client = _settings_client(scope, client_id)
    name = _category_name(name)
    parent = None
    if parent_id is not None:
        parent = selectors.category_get(scope, category_id=parent_id)
        if parent.client_id != client:
            raise Invalid(_("The parent category belongs to another client."), field="parent_id")
        if parent.depth >= MAX_CATEGORY_DEPTH:
            raise Invalid(
                _("Categories go at most %(depth)d levels deep.") % {"depth": MAX_CATEGORY_DEPTH},
                field="parent_id",
            )
    _unique_sibling(scope, client, parent_id, name)
    if position is None:
        position = selectors.category_list(scope, client_id=client).filter(parent_id=parent_id).count()
    row = Category.objects.create(
        provider_id=None,
        client_id=client,
        parent=parent,
        name=name,
        code=_text(code, "code", 40),
        path=f"{parent.path}/{name}" if parent else name,
        depth=parent.depth + 1 if parent else 1,
        position=max(0, position),
        active=active,
    )
    tenancy_services.audit_record(scope, action="desk.category_create", target=row, client_id=client)
    return row


def _repath(node: Category) -> None:
    for child in node.children.all():
        child.path = f"{node.path}/{child.name}"
        child.save(update_fields=["path", "updated_at"])
        _repath(child)


@transaction.atomic
def category_update(
    scope: Scope,
    *,
    category_id: int,
    name: str,
    code: str = "",
    position: int | None = None,
    active: bool = True,
) -> Category:
    """Rename (paths below follow; resolved conversations keep the path they had), reorder or
    retire a category (inactive ones are not offered any more)."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.category_get(scope, category_id=category_id, for_update=True)
    _settings_client(scope, row.client_id)
    name = _category_name(name)
    _unique_sibling(scope, row.client_id, row.parent_id, name, exclude=row.pk)  # type: ignore[arg-type]
    renamed = name != row.name
    row.name, row.code, row.active = name, _text(code, "code", 40), active
    if position is not None:
        row.position = max(0, position)
    if renamed:
        row.path = f"{row.parent.path}/{name}" if row.parent_id else name
    row.save()
    if renamed:
        _repath(row)
    tenancy_services.audit_record(
        scope, action="desk.category_update", target=row, client_id=row.client_id, data={"path": row.path}
    )
    return row


@transaction.atomic
def category_delete(scope: Scope, *, category_id: int) -> None:
    """Delete an unused leaf; a category with children or conversations can only be retired."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.category_get(scope, category_id=category_id, for_update=True)
    _settings_client(scope, row.client_id)
    if selectors.category_has_children(row, active_only=False) or selectors.category_in_use(row):
        raise Conflict(_("This category has subcategories or conversations; make it inactive instead."))
    tenancy_services.audit_record(
        scope, action="desk.category_delete", target=row, client_id=row.client_id, data={"path": row.path}
    )
    row.delete()


@transaction.atomic
def category_tree_ensure(scope: Scope, *, client_id: int | None = None, paths: list[str]) -> list[Category]:
    """Create the nodes of `paths` ("物流/催发货") that do not exist yet; returns the leaves
    named, in order. Handy for imports, the demo and tests."""
    client = _settings_client(scope, client_id)
    known = {c.path: c for c in selectors.category_list(scope, client_id=client)}
    leaves = []
    for path in paths:
        parts = [p.strip() for p in path.split("/") if p.strip()]
        if not parts:
            continue
        parent: Category | None = None
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            node = known.get(prefix)
            if node is None:
                node = category_create(
                    scope, client_id=client, name=parts[depth - 1], parent_id=parent.pk if parent else None
                )
                known[prefix] = node
            parent = node
        leaves.append(parent)  # type: ignore[arg-type]
    return leaves  # type: ignore[return-value]


# --- idempotency of API writes ---------------------------------------------------------------
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def request_fingerprint(method: str, path: str, payload: object) -> str:
    """What makes two requests "the same": method, path and the parsed body."""
    text = json.dumps([method.upper(), path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def idempotency_key_use(
    scope: Scope, *, key: str, request_hash: str, status: int, produce: Callable[[], Any]
) -> tuple[int, Any]:
    """Run a write once per key: a retry with the same body gets the stored answer again,
    the same key with another body is a conflict. The key row is inserted before the
    write, so a concurrent retry waits on the unique index instead of writing twice; a
    write that fails rolls the key back with it, so the client may retry.
    """
    if not _KEY.fullmatch(key):
        raise Invalid(_("An Idempotency-Key is 1 to 200 visible ASCII characters."), field="Idempotency-Key")
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                provider_id=scope.provider_id,
                client_id=scope.client_id,
                organization_id=scope.organization_id,
                key=key,
                request_hash=request_hash,
            )
    except IntegrityError:
        stored = selectors.idempotency_key_get(scope, key=key, for_update=True)
        if stored is None:  # pragma: no cover (another organisation cannot collide)
            raise Conflict() from None
        if stored.request_hash != request_hash:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."), field="Idempotency-Key"
            ) from None
        if not stored.response_status:
            raise Conflict(_("A request with this Idempotency-Key is still in progress.")) from None
        return stored.response_status, stored.response_body
    body = produce()
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])
    return status, body


# --- client settings: service hours, SLA policies, access to escalated items ----------------------
def _settings_client(scope: Scope, client_id: int | None) -> int:
    """The client whose settings change: only the client itself decides them. Another
    client's id is a 404, as for any object the actor cannot see."""
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound()
    scope.require(DeskPerm.MANAGE_SETTINGS)
    return _client_for(scope, client_id)


def _hours_list(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(_('Hours are a list of ranges such as "09:00-18:00".'), field=field)
    try:
        sla_clock.parse_hours(value)
    except ValueError:
        raise Invalid(_('Hours are a list of ranges such as "09:00-18:00".'), field=field) from None
    return [v.strip() for v in value]


@transaction.atomic
def service_calendar_set(
    scope: Scope,
    *,
    client_id: int | None = None,
    tz: str = "Asia/Shanghai",
    weekly: dict[str, Any] | None = None,
    chinese_holidays: bool = True,
    holiday_mode: str = HolidayMode.CLOSED,
    holiday_hours: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    meal_breaks: list[str] | None = None,
    covers_meals: bool = True,
) -> ServiceCalendar:
    """Create or replace the client's service hours; SLA timers and the chat widget follow them."""
    client = _settings_client(scope, client_id)
    weekly = weekly if weekly is not None else {day: ["09:00-24:00"] for day in WEEKDAYS}
    if not isinstance(weekly, dict) or set(weekly) - set(WEEKDAYS):
        raise Invalid(_("Weekly hours are keyed by mon, tue, wed, thu, fri, sat, sun."), field="weekly")
    clean_overrides: dict[str, list[str]] = {}
    for day, hours in (overrides or {}).items():
        try:
            key = date.fromisoformat(day).isoformat()
        except (TypeError, ValueError):
            raise Invalid(_("Override dates are written YYYY-MM-DD."), field="overrides") from None
        clean_overrides[key] = _hours_list(hours, "overrides")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(_("Unknown time zone."), field="tz") from None
    values = {
        "tz": tz,
        "weekly": {day: _hours_list(weekly[day], "weekly") for day in WEEKDAYS if day in weekly},
        "chinese_holidays": chinese_holidays,
        "holiday_mode": _choice(holiday_mode, HolidayMode, "holiday_mode"),
        "holiday_hours": _hours_list(holiday_hours or [], "holiday_hours"),
        "overrides": clean_overrides,
        "meal_breaks": _hours_list(meal_breaks or [], "meal_breaks"),
        "covers_meals": covers_meals,
    }
    row = ServiceCalendar.objects.for_scope(scope).select_for_update().filter(client_id=client).first()
    if row is None:
        row = ServiceCalendar(provider_id=None, client_id=client)
    for name, value in values.items():
        setattr(row, name, value)
    selectors.calendar_from_row(row)  # the pure calendar accepts it
    row.save()
    tenancy_services.audit_record(scope, action="desk.service_calendar_set", target=row, client_id=client)
    return row


def _target(value: int | None, field: str, *, required: bool = False) -> int | None:
    if value is None:
        if required:
            raise Invalid(_("Set a target."), field=field)
        return None
    if not 1 <= value <= 366 * 86400:
        raise Invalid(_("A target is between 1 second and a year of business time."), field=field)
    return value


@transaction.atomic
def sla_policy_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    channel: str = "",
    first_response_s: int,
    next_response_s: int | None = None,
    resolution_s: int | None = None,
    l2_resolution_s: int | None = None,
    warn_ratio: float = 0.2,
) -> SlaPolicy:
    """A client's targets for one channel (blank: every channel without its own policy)."""
    client = _settings_client(scope, client_id)
    if channel:
        _choice(channel, Channel, "channel")
    if SlaPolicy.objects.for_scope(scope).filter(client_id=client, channel=channel).exists():
        raise Conflict(_("This client already has a policy for this channel."), field="channel")
    policy = SlaPolicy(provider_id=None, client_id=client, channel=channel)
    _sla_policy_fill(
        policy,
        first_response_s=first_response_s,
        next_response_s=next_response_s,
        resolution_s=resolution_s,
        l2_resolution_s=l2_resolution_s,
        warn_ratio=warn_ratio,
    )
    policy.save()
    tenancy_services.audit_record(scope, action="desk.sla_policy_create", target=policy, client_id=client)
    return policy


def _sla_policy_fill(policy: SlaPolicy, **values: Any) -> None:
    policy.first_response_s = _target(values["first_response_s"], "first_response_s", required=True)
    policy.next_response_s = _target(values["next_response_s"], "next_response_s")
    policy.resolution_s = _target(values["resolution_s"], "resolution_s")
    policy.l2_resolution_s = _target(values["l2_resolution_s"], "l2_resolution_s")
    if not 0 <= values["warn_ratio"] < 1:
        raise Invalid(
            # xgettext:no-python-format
            _("Warn when between 0 and 100 % of the target is left."),
            field="warn_ratio",
        )
    policy.warn_ratio = values["warn_ratio"]


@transaction.atomic
def sla_policy_update(
    scope: Scope,
    *,
    policy_id: int,
    first_response_s: int,
    next_response_s: int | None = None,
    resolution_s: int | None = None,
    l2_resolution_s: int | None = None,
    warn_ratio: float = 0.2,
) -> SlaPolicy:
    """Replace the targets; running timers use the new ones from the next read."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    policy = selectors.sla_policy_get(scope, policy_id=policy_id, for_update=True)
    _settings_client(scope, policy.client_id)
    _sla_policy_fill(
        policy,
        first_response_s=first_response_s,
        next_response_s=next_response_s,
        resolution_s=resolution_s,
        l2_resolution_s=l2_resolution_s,
        warn_ratio=warn_ratio,
    )
    policy.save()
    tenancy_services.audit_record(
        scope, action="desk.sla_policy_update", target=policy, client_id=policy.client_id
    )
    return policy


@transaction.atomic
def sla_policy_delete(scope: Scope, *, policy_id: int) -> None:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    policy = selectors.sla_policy_get(scope, policy_id=policy_id, for_update=True)
    _settings_client(scope, policy.client_id)
    tenancy_services.audit_record(
        scope, action="desk.sla_policy_delete", target=policy, client_id=policy.client_id
    )
    policy.delete()


@transaction.atomic
def desk_settings_set(
    scope: Scope, *, client_id: int | None = None, provider_access_when_escalated: str
) -> DeskSettings:
    """What the provider may do with items escalated to the client's staff: view or edit."""
    client = _settings_client(scope, client_id)
    access = _choice(provider_access_when_escalated, ProviderAccess, "provider_access_when_escalated")
    row = DeskSettings.objects.for_scope(scope).select_for_update().filter(client_id=client).first()
    if row is None:
        row = DeskSettings(provider_id=None, client_id=client)
    row.provider_access_when_escalated = access
    row.save()
    tenancy_services.audit_record(
        scope, action="desk.settings_set", target=row, client_id=client, data={"provider_access": access}
    )
    return row


# --- SLA: business values, breach detection ------------------------------------------------------
def _business_seconds(client_id: int | None, start: datetime, end: datetime) -> float | None:
    """`value_business_s` of an event: the same span counted in the client's service hours."""
    if client_id is None or end < start:
        return None
    return float(sla_clock.business_seconds_between(selectors.service_calendar_for(client_id), start, end))


def _sla_check(conversation: Conversation) -> None:
    """Record any breach the change revealed (a late reply, a late resolution)."""
    selectors.conversation_timers_of(conversation)


@dataclass(frozen=True)
class SlaCheckResult:
    conversations: int
    breaches: list[SlaBreach]


def sla_breaches_detect(scope: Scope, now: datetime | None = None) -> SlaCheckResult:
    """Check every unfinished conversation the scope sees and record new breaches.

    The periodic job (`kefu sla_check`) runs this with a system scope per tenant, so a breach
    is on record even when nobody opens the conversation.
    """
    scope.require(DeskPerm.VIEW)
    now = now or clock.now()
    unfinished = selectors.conversation_list(scope).exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    found: list[SlaBreach] = []
    count = 0
    for conversation in unfinished.order_by("pk").iterator(chunk_size=500):
        count += 1
        timers = selectors._all_timers(conversation, now)
        found.extend(selectors.sla_breaches_record(conversation, timers, now))
    return SlaCheckResult(conversations=count, breaches=found)


# --- escalation to the client's L2 and back ------------------------------------------------------
def _require_write(scope: Scope, conversation: Conversation) -> None:
    """While escalated, provider staff may change the item only if the client granted edit."""
    if (
        scope.is_provider
        and conversation.tier != Tier.L1
        and conversation.provider_access != ProviderAccess.EDIT
    ):
        raise PermissionDenied(
            _("This conversation is escalated to the client; the provider may only view it.")
        )


def _note(scope: Scope, conversation: Conversation, body: str, at: datetime) -> Message:
    """An internal note in the thread, so both sides see what happened and why."""
    conversation.last_message_seq += 1
    return Message.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation=conversation,
        seq=conversation.last_message_seq,
        direction=Direction.NOTE,
        author_id=scope.user_id,
        body=body,
        delivery=Delivery.INTERNAL,
        created_at=at,
    )


def _record_tier_change(
    scope: Scope,
    conversation: Conversation,
    event_type: str,
    *,
    action: str,
    at: datetime,
    data: dict[str, Any],
) -> None:
    """Escalation and hand-back are visible to both sides: event log, audit trail, live pages."""
    events.emit(
        scope, event_type, conversation=conversation, at=at, agent_id=conversation.assignee_id, data=data
    )
    tenancy_services.audit_record(
        scope, action=action, target=conversation, client_id=conversation.client_id, data=data
    )
    _publish(conversation, "conversation.updated")


@transaction.atomic
def conversation_escalate(
    scope: Scope,
    *,
    conversation_id: int,
    reason: str,
    tier: str = "L2",
    provider_access: str = "",
    rule_id: int | None = None,
) -> Conversation:
    """Share the item with the client's L2 (or L3) staff: status `pending_client`; the
    provider's SLA clock stops and the client's runs. Nothing moves: both sides keep it.

    The provider keeps view or edit access as the client configured it (or as the rule
    that escalated it says).
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    reason = _text(reason, "reason", 500)
    if not reason:
        raise Invalid(_("Say why this is escalated."), field="reason")
    tier = _choice((tier or "").lower(), Tier, "tier")
    if tier == Tier.L1:
        raise Invalid(_("Escalate to L2 or L3."), field="tier")
    if provider_access:
        _choice(provider_access, ProviderAccess, "provider_access")
    if conversation.client_id is None or conversation.provider_id is None:
        raise Conflict(_("Only conversations a provider serves for a client can be escalated."))
    if conversation.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("Reopen the conversation before escalating it."))
    if conversation.tier != Tier.L1:
        raise Conflict(_("This conversation is already escalated."))
    now = clock.now()
    old = conversation.status
    conversation.tier = tier
    conversation.status = Status.PENDING_CLIENT
    conversation.escalated_at = now
    conversation.provider_access = provider_access or selectors.provider_access_default(
        conversation.client_id
    )
    conversation.custom_status = None  # the change of hands ends any custom status
    _note(
        scope,
        conversation,
        _("Escalated to %(tier)s: %(reason)s") % {"tier": Tier(tier).label, "reason": reason},
        now,
    )
    conversation.save(
        update_fields=[
            "tier", "status", "escalated_at", "provider_access", "custom_status", "last_message_seq",
            "updated_at",
        ]
    )  # fmt: skip
    data: dict[str, Any] = {
        "from": old,
        "tier": tier,
        "reason": reason,
        "provider_access": conversation.provider_access,
    }
    if rule_id is not None:
        data["rule_id"] = rule_id
    _record_tier_change(
        scope, conversation, EventType.ESCALATED, action="desk.conversation_escalate", at=now, data=data
    )
    return conversation


@transaction.atomic
def conversation_deescalate(scope: Scope, *, conversation_id: int, reason: str) -> Conversation:
    """Hand the item back to the provider (status `open`, tier L1); the provider's clock resumes.

    The client's staff may always hand back; the provider only with edit access.
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    reason = _text(reason, "reason", 500)
    if not reason:
        raise Invalid(_("Say why this is handed back."), field="reason")
    if conversation.tier == Tier.L1:
        raise Conflict(_("This conversation is not escalated."))
    _require_write(scope, conversation)
    now = clock.now()
    old_tier, old = conversation.tier, conversation.status
    conversation.tier = Tier.L1
    if conversation.status == Status.PENDING_CLIENT:
        conversation.status = Status.OPEN
    conversation.provider_access = ""
    conversation.custom_status = None
    _note(scope, conversation, _("Handed back to the provider: %(reason)s") % {"reason": reason}, now)
    conversation.save(
        update_fields=["tier", "status", "provider_access", "custom_status", "last_message_seq", "updated_at"]
    )
    data = {"from": old, "to": conversation.status, "tier": old_tier, "reason": reason}
    _record_tier_change(
        scope, conversation, EventType.DEESCALATED, action="desk.conversation_deescalate", at=now, data=data
    )
    return conversation


# --- after-sales cases ---------------------------------------------------------------------------
_CASE_ALLOWED: dict[str, set[str]] = {
    CaseStatus.NEW: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.CLOSED,
    },
    CaseStatus.IN_PROGRESS: {
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.WAITING_CUSTOMER: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.WAITING_CLIENT: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.RESOLVED: {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED},  # → in_progress is a reopen
    CaseStatus.CLOSED: {CaseStatus.IN_PROGRESS},  # reopen
}


def _case_conversation(case: Case) -> Conversation | None:
    """The conversation a case's events are logged against: the first one linked."""
    return case.conversations.order_by("pk").first()


def _case_event(scope: Scope, case: Case, type: str, at: datetime, **kwargs: Any) -> None:
    conversation = _case_conversation(case)
    if conversation is not None:
        events.emit(scope, type, conversation=conversation, case_id=case.pk, at=at, **kwargs)


def _case_write(scope: Scope, case: Case) -> None:
    """Case writes follow the access to the conversations behind it."""
    for conversation in case.conversations.all():
        _require_write(scope, conversation)


@transaction.atomic
def case_create(
    scope: Scope,
    *,
    conversation_id: int,
    type: str,
    subject: str = "",
    owner_id: int | None = None,
    due_at: datetime | None = None,
    order_number: str = "",
) -> Case:
    """Open after-sales work from a conversation (its tenant keys and customer carry over);
    emits `case_opened` with the case id on that conversation's log."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    _require_write(scope, conversation)
    now = clock.now()
    if due_at is not None and due_at < now:
        raise Invalid(_("The due date is in the past."), field="due_at")
    case = Case.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        type=_choice(type, CaseType, "type"),
        subject=_text(subject, "subject", 200) or conversation.subject,
        customer_id=conversation.customer_id,
        due_at=due_at,
        order_number=_text(order_number, "order_number", 120)
        or (conversation.order_numbers[0] if conversation.order_numbers else ""),
        tier=conversation.tier,
        created_at=now,
    )
    if owner_id is not None:
        _check_assignable(conversation, owner_id, field="owner_id")
        case.owner_id = owner_id
        case.save(update_fields=["owner"])
    case.conversations.add(conversation)
    _case_event(scope, case, EventType.CASE_OPENED, now, agent_id=owner_id, data={"type": case.type})
    return case


@transaction.atomic
def case_update(
    scope: Scope,
    *,
    case_id: int,
    owner_id: int | None = None,
    due_at: datetime | None = None,
    subject: str | None = None,
    clear_owner: bool = False,
) -> Case:
    """Change owner, due date or subject (status has its own service)."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    _case_write(scope, case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; reopen it first."))
    if owner_id is not None:
        conversation = _case_conversation(case)
        if conversation is not None:
            _check_assignable(conversation, owner_id, field="owner_id")
        case.owner_id = owner_id
    elif clear_owner:
        case.owner_id = None
    if due_at is not None:
        case.due_at = due_at
    if subject is not None:
        case.subject = _text(subject, "subject", 200)
    case.save(update_fields=["owner", "due_at", "subject", "updated_at"])
    return case


@transaction.atomic
def case_update_status(scope: Scope, *, case_id: int, status: str) -> Case:
    """Move the case along its workflow; anything else is a 409. Emits `case_status` (from, to);
    moving out of resolved/closed is a reopen and clears the resolution."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    new = _choice(status, CaseStatus, "status")
    old = case.status
    if new == old:
        return case
    _case_write(scope, case)
    if new not in _CASE_ALLOWED[old]:
        raise Conflict(
            _("A case cannot go from %(old)s to %(new)s.")
            % {"old": CaseStatus(old).label, "new": CaseStatus(new).label}
        )
    if new == CaseStatus.RESOLVED:
        raise Invalid(_("Resolve a case with a resolution code."), field="status")
    now = clock.now()
    case.status = new
    update = ["status", "updated_at"]
    if old in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and new == CaseStatus.IN_PROGRESS:
        case.resolved_at = None
        update.append("resolved_at")
    case.save(update_fields=update)
    _case_event(
        scope, case, EventType.CASE_STATUS, now, agent_id=case.owner_id, data={"from": old, "to": new}
    )
    return case


@transaction.atomic
def case_resolve(scope: Scope, *, case_id: int, code: str, amount: Decimal | None = None) -> Case:
    """Resolve with a resolution code (and the refunded/compensated amount, if any); emits
    `case_resolved` with value_s = wall seconds since opening and value_business_s."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    _case_write(scope, case)
    code = _text(code, "code", 60)
    if not code:
        raise Invalid(_("Choose a resolution code."), field="code")
    if amount is not None and (amount < 0 or amount >= Decimal("1e10")):
        raise Invalid(_("The amount must be between 0 and 9,999,999,999.99."), field="amount")
    if CaseStatus.RESOLVED not in _CASE_ALLOWED[case.status]:
        raise Conflict(
            _("A case cannot go from %(old)s to %(new)s.")
            % {"old": CaseStatus(case.status).label, "new": CaseStatus.RESOLVED.label}
        )
    now = clock.now()
    old = case.status
    case.status, case.resolution_code, case.resolved_at = CaseStatus.RESOLVED, code, now
    case.amount = amount.quantize(Decimal("0.01")) if amount is not None else None
    case.save(update_fields=["status", "resolution_code", "amount", "resolved_at", "updated_at"])
    _case_event(
        scope,
        case,
        EventType.CASE_RESOLVED,
        now,
        agent_id=case.owner_id,
        value_s=(now - case.created_at).total_seconds(),
        value_business_s=_business_seconds(case.client_id, case.created_at, now),
        data={"from": old, "code": code, "amount": str(case.amount) if case.amount is not None else None},
    )
    return case


@transaction.atomic
def case_link_conversation(scope: Scope, *, case_id: int, conversation_id: int) -> Case:
    """Link another contact about the same after-sales matter (same client and customer)."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id)
    _case_write(scope, case)
    _require_write(scope, conversation)
    if conversation.client_id != case.client_id or conversation.provider_id != case.provider_id:
        raise Invalid(_("This conversation belongs to another client."), field="conversation_id")
    if case.customer_id is not None and conversation.customer_id not in (None, case.customer_id):
        raise Invalid(_("This conversation is with another customer."), field="conversation_id")
    if case.conversations.filter(pk=conversation.pk).exists():
        return case
    case.conversations.add(conversation)
    events.emit(scope, EventType.CASE_LINKED, conversation=conversation, case_id=case.pk, data={})
    return case


# --- after-sales rules ---------------------------------------------------------------------------
def _rule_values(
    *, name: str, conditions: dict[str, Any], action: str, tier: str, provider_access: str
) -> dict[str, Any]:
    name = _text(name, "name", 120)
    if not name:
        raise Invalid(_("Name the rule."), field="name")
    try:
        clean = after_sales_rules.validate_conditions(conditions)
    except ValueError as error:
        raise Invalid(_("Invalid conditions: %(error)s") % {"error": error}, field="conditions") from None
    for channel in clean.get("channels", []):
        _choice(channel, Channel, "conditions")
    tier = _choice((tier or "l2").lower(), Tier, "tier")
    if tier == Tier.L1:
        raise Invalid(_("Escalate to L2 or L3."), field="tier")
    if provider_access:
        _choice(provider_access, ProviderAccess, "provider_access")
    return {
        "name": name,
        "conditions": clean,
        "action": _choice(action, RuleAction, "action"),
        "tier": tier,
        "provider_access": provider_access,
    }


@transaction.atomic
def after_sales_rule_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    conditions: dict[str, Any],
    action: str,
    tier: str = "l2",
    provider_access: str = "",
    position: int | None = None,
    enabled: bool = True,
) -> AfterSalesRule:
    """Add a rule (at the end unless `position` is given; the first match wins)."""
    client = _settings_client(scope, client_id)
    values = _rule_values(
        name=name, conditions=conditions, action=action, tier=tier, provider_access=provider_access
    )
    if position is None:
        last = selectors.after_sales_rule_list(scope, client_id=client).last()
        position = (last.position + 1) if last is not None else 0
    rule = AfterSalesRule.objects.create(
        provider_id=None, client_id=client, position=max(0, position), enabled=enabled, **values
    )
    tenancy_services.audit_record(scope, action="desk.after_sales_rule_create", target=rule, client_id=client)
    return rule


@transaction.atomic
def after_sales_rule_update(
    scope: Scope,
    *,
    rule_id: int,
    name: str,
    conditions: dict[str, Any],
    action: str,
    tier: str = "l2",
    provider_access: str = "",
    position: int = 0,
    enabled: bool = True,
) -> AfterSalesRule:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    rule = selectors.after_sales_rule_get(scope, rule_id=rule_id, for_update=True)
    _settings_client(scope, rule.client_id)
    for key, value in _rule_values(
        name=name, conditions=conditions, action=action, tier=tier, provider_access=provider_access
    ).items():
        setattr(rule, key, value)
    rule.position, rule.enabled = max(0, position), enabled
    rule.save()
    tenancy_services.audit_record(
        scope, action="desk.after_sales_rule_update", target=rule, client_id=rule.client_id
    )
    return rule


@transaction.atomic
def after_sales_rule_delete(scope: Scope, *, rule_id: int) -> None:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    rule = selectors.after_sales_rule_get(scope, rule_id=rule_id, for_update=True)
    _settings_client(scope, rule.client_id)
    tenancy_services.audit_record(
        scope, action="desk.after_sales_rule_delete", target=rule, client_id=rule.client_id
    )
    rule.delete()


def _as_rule(row: AfterSalesRule) -> after_sales_rules.Rule:
    return after_sales_rules.Rule(
        id=row.pk,
        name=row.name,
        conditions=row.conditions,
        action=row.action,
        tier=row.tier,
        provider_access=row.provider_access,
        enabled=row.enabled,
    )


@dataclass(frozen=True)
class AfterSalesDecision:
    action: str
    rule_id: int | None
    rule_name: str
    tier: str
    provider_access: str
    reasons: tuple[str, ...]
    applied: bool


@transaction.atomic
def after_sales_evaluate(
    scope: Scope, *, conversation_id: int, apply: bool = False, order_value: Decimal | None = None
) -> AfterSalesDecision:
    """Run the client's after-sales rules on a conversation; with `apply`, escalate when the
    decision says so (reason: the rule's name). `order_value` also stores the order's value."""
    scope.require(DeskPerm.VIEW)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=apply)
    if order_value is not None:
        scope.require(DeskPerm.HANDLE)
        _require_write(scope, conversation)
        if order_value < 0:
            raise Invalid(_("The order value cannot be negative."), field="order_value")
        conversation.order_value = order_value
        conversation.save(update_fields=["order_value", "updated_at"])
    previous_cases, previous_complaints = selectors.customer_case_counts(conversation.customer_id)
    facts = after_sales_rules.Facts(
        category=conversation.category,
        order_value=conversation.order_value,
        text=selectors.customer_text(conversation),
        previous_cases=previous_cases,
        previous_complaints=previous_complaints,
        channel=conversation.channel,
    )
    rules = [_as_rule(r) for r in selectors.after_sales_rule_list(scope, client_id=conversation.client_id)]
    decision = after_sales_rules.evaluate(rules, facts)
    rule = decision.rule
    access = (rule.provider_access if rule else "") or selectors.provider_access_default(
        conversation.client_id
    )  # type: ignore[arg-type]
    applied = False
    if apply and decision.escalate and rule is not None and conversation.tier == Tier.L1:
        scope.require(DeskPerm.HANDLE)
        conversation_escalate(
            scope,
            conversation_id=conversation.pk,
            reason=_("After-sales rule: %(name)s") % {"name": rule.name},
            tier=rule.tier,
            provider_access=access,
            rule_id=rule.id,
        )
        applied = True
    return AfterSalesDecision(
        action=decision.action,
        rule_id=rule.id if rule else None,
        rule_name=rule.name if rule else "",
        tier=rule.tier if rule and decision.escalate else Tier.L1,
        provider_access=access if decision.escalate else "",
        reasons=decision.reasons,
        applied=applied,
    )


# --- email channel ---------------------------------------------------------------------------
@transaction.atomic
def message_delivery_set(
    scope: Scope,
    *,
    conversation_id: int,
    seq: int,
    delivery: str,
    channel_data: dict[str, Any] | None = None,
) -> Message:
    """Record what a channel did with an outbound message (sent, failed), merging what it
    wants kept (e.g. the email's Message-ID) into `channel_data`; open pages re-fetch it."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id)
    message = conversation.messages.select_for_update().filter(seq=seq, direction=Direction.OUT).first()
    if message is None:
        raise NotFound()
    message.delivery = _choice(delivery, Delivery, "delivery")
    if channel_data:
        message.channel_data = {**(message.channel_data or {}), **channel_data}
    message.save(update_fields=["delivery", "channel_data"])
    _publish(conversation, "message.updated", seq=message.seq)
    return message
