"""Writes of messages: `message_post` (customer, staff, internal note), the checks and the status
change a customer's message makes (the API's ingest batches share them), and what a channel
did with an outbound message."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import MAX_MESSAGE_LENGTH, Conversation, Delivery, Direction, Message, Status, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.redaction import redact
from kefu.desk.services._common import (
    _choice,
    _publish,
    _redaction_policy,
    _require_write,
    _text,
    channel_data_check,
)
from kefu.desk.services.sla import _business_seconds, _sla_check
from kefu.knowledge import phrases


def reply_check(scope: Scope, conversation: Conversation, body: str) -> None:
    """A reply must be able to reach the customer and must not carry an unfilled phrase
    variable (`{customer_name}` with no name): the customer would read the raw braces."""
    unfilled = phrases.unfilled(body)
    if unfilled:
        raise Invalid(
            _("The reply still holds %(names)s: replace it with the real value or delete it before sending.")
            % {"names": "、".join("{" + name + "}" for name in unfilled)},
            field="body",
        )
    route = selectors.reply_route(conversation, scope=scope)
    if not route.can_send:
        raise Conflict(route.text)


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

    A customer's message takes the one inbound path (`desk.ingest`: its rules, its writer, its
    outbox), whoever posts it. Staff messages are redacted before they are stored; `seq` is
    assigned under a row lock of the conversation, so concurrent posts get consecutive numbers.
    A repeated `external_id` returns the stored message instead of a duplicate.
    """
    direction = _choice(direction, Direction, "direction")
    if direction == Direction.IN:
        # Imported here: the ingest rules build on this package (message checks, live hints).
        from kefu.desk.ingest import orm as ingest_orm

        item = ingest_orm.Inbound(
            scope, conversation_id, body, external_id=external_id, channel_data=channel_data or {}
        )
        answer = ingest_orm.inbound_post_many([item])[0]
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
    _require_write(scope, conversation)
    if direction == Direction.OUT:
        reply_check(scope, conversation, body)

    now = clock.now()
    redacted = redact(body, _redaction_policy(conversation.client_id))
    conversation.last_message_seq += 1
    message = Message.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation=conversation,
        seq=conversation.last_message_seq,
        direction=direction,
        author_id=scope.user_id,
        body=redacted.text,
        redactions=sorted({str(f.rule) for f in redacted.findings}),
        channel_data=channel_data or {},
        external_id=external_id,
        delivery=_DELIVERY[Direction(direction)],
        created_at=now,
    )
    update = ["last_message_seq", "updated_at"]
    common = {"conversation": conversation, "at": now}
    if direction == Direction.OUT:
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
        # recorded by `kefu sla_check` (the worker runs it every minute).
        _sla_check(conversation)
    _publish(conversation, "message.created", seq=message.seq)
    return message


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
