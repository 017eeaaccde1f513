"""Writes of the service desk: customers, conversations, messages; each change is also logged
as a contact event in the same transaction (docs/event-log.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock, realtime
from kefu.core.errors import Conflict, Invalid, PermissionDenied
from kefu.core.scope import Scope
from kefu.desk import fields, selectors
from kefu.desk.models import (
    MAX_MESSAGE_LENGTH,
    Channel,
    Conversation,
    Customer,
    Delivery,
    Direction,
    IdempotencyKey,
    Message,
    Priority,
    Status,
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
    return value


def _redaction_policy(client_id: int | None) -> RedactionPolicy:
    """The client's redaction rules; until clients can configure them, cards and ID cards."""
    return RedactionPolicy()


def _publish(conversation: Conversation, event_type: str, **payload: Any) -> None:
    """Tell open pages after commit; they re-fetch their partial."""
    realtime.publish_on_commit(
        f"desk.conversation.{conversation.pk}", event_type, id=conversation.pk, **payload
    )
    for organization_id in {conversation.provider_id, conversation.client_id} - {None}:
        realtime.publish_on_commit(f"desk.inbox.{organization_id}", event_type, id=conversation.pk)


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
) -> Conversation:
    """Open a contact thread (emits `offered`); `message` is the customer's first message."""
    scope.require(DeskPerm.HANDLE)
    client = _client_for(scope, client_id)
    provider = _provider_for(scope, provider_id)
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
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    direction = _choice(direction, Direction, "direction")
    if not body or not body.strip():
        raise Invalid(_("A message cannot be empty."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise Invalid(
            _("A message can be at most %(limit)s characters long; this one has %(length)s.")
            % {"limit": f"{MAX_MESSAGE_LENGTH:,}", "length": f"{len(body):,}"},
            field="body",
        )
    external_id = _text(external_id, "external_id", 200)
    if external_id:
        existing = conversation.messages.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    if conversation.status == Status.CLOSED and direction != Direction.NOTE:
        raise Conflict(_("This conversation is closed; start a new one."))

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
        if conversation.status in (Status.PENDING_CUSTOMER, Status.RESOLVED):
            kind = EventType.REOPENED if conversation.status == Status.RESOLVED else EventType.RESUMED
            events.emit(scope, kind, **common, data={"from": conversation.status, "by": "customer"})
            conversation.status, conversation.resolved_at = Status.OPEN, None
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
                    data={"seq": message.seq},
                )
    conversation.save(update_fields=update)
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


def _check_assignable(conversation: Conversation, agent_id: int) -> None:
    """Only active members of the conversation's provider or client can hold it."""
    user = get_user_model().objects.filter(pk=agent_id, is_active=True).first()
    organizations = {conversation.provider_id, conversation.client_id} - {None}
    if user is None or not (
        tenancy_selectors.membership_list_for_user(user).filter(organization_id__in=organizations).exists()
    ):
        raise Invalid(_("This person cannot take this conversation."), field="agent_id")


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
    scope: Scope, *, conversation_id: int, status: str, category: str | None = None
) -> Conversation:
    """Move through the workflow; resolving needs a category (问题分类) for reporting.

    Events: pending_* → `held`, back to open → `resumed` (or `reopened` from resolved),
    `resolved` (value_s = seconds since the conversation was offered), `closed`.
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    new = _choice(status, Status, "status")
    old = conversation.status
    if category is not None:
        conversation.category = _text(category, "category", 120)
    if new == Status.RESOLVED and not conversation.category:
        raise Invalid(_("Choose a category before resolving."), field="category")
    if new == old:
        if category is not None:
            conversation.save(update_fields=["category", "updated_at"])
        return conversation
    if new not in _ALLOWED[old]:
        raise Conflict(
            _("A conversation cannot go from %(old)s to %(new)s.")
            % {"old": Status(old).label, "new": Status(new).label}
        )
    now = clock.now()
    conversation.status = new
    common: dict[str, Any] = {"conversation": conversation, "at": now, "agent_id": conversation.assignee_id}
    data = {"from": old, "to": new}
    if new == Status.RESOLVED:
        conversation.resolved_at = now
        value = (now - conversation.created_at).total_seconds()
        events.emit(
            scope,
            EventType.RESOLVED,
            **common,
            value_s=value,
            data={**data, "category": conversation.category},
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
    conversation.save(update_fields=["status", "category", "resolved_at", "updated_at"])
    _publish(conversation, "conversation.updated")
    return conversation


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
