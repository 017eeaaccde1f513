"""The rules of a customer's message, defined once for every way it is written.

A customer's message reaches the desk through the API (the ninja endpoint, and the lean
bearer-token entry in `ingest.http`), the chat widget, email, CTI and conversation
creation. Whatever the entry and whichever writer stores it (the ORM batch in `ingest.orm`,
or PostgreSQL's pipeline in `ingest.pipeline`), these functions decide everything:

- `inbound_check`: who may post and what is valid, before the message joins a batch (so a
  bad message gets its own 422 and nobody else in the batch notices);
- `plan`: under the conversations' row locks, what each message does (a retry answered
  with the stored message, a closed conversation refused, redaction with the client's
  policy, the next `seq`, the status transition, the events);
- `hints`: the live updates the batch publishes after commit.

Error precedence is the same everywhere: permission (403), then the input (422), then the
conversation (404 when the caller cannot see it, 409 when it is closed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound
from kefu.core.scope import Scope
from kefu.desk import services
from kefu.desk.models import Conversation, Delivery, Direction, Message, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.redaction import redact

# The event types a customer's message can write (the transitions of `customer_wrote_transition`).
EVENT_TYPES = (EventType.MESSAGE_IN, EventType.REOPENED, EventType.RESUMED)


@dataclass(frozen=True)
class Inbound:
    """One customer message as a connector posted it."""

    scope: Scope
    conversation_id: int
    body: str
    external_id: str = ""
    channel_data: dict[str, Any] = field(default_factory=dict)


Answer = Message | KefuError


def inbound_check(item: Inbound) -> KefuError | None:
    """Permission and input, checked without the database: the error, or None when valid."""
    try:
        item.scope.require(DeskPerm.HANDLE)
        services.message_body_check(item.body)
        _encodable(item.body, "body")
        services._text(item.external_id, "external_id", 200)
        _encodable(item.external_id, "external_id")
        channel_data_check(item.channel_data)
    except KefuError as error:
        return error
    return None


def _encodable(value: str, field_name: str) -> None:
    """Text that cannot be stored as UTF-8 (a lone surrogate such as `\\ud800`) is refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(
            _("The text contains characters that are not valid Unicode."), field=field_name
        ) from None


def channel_data_check(data: Any) -> None:
    """Connector metadata is stored as JSON: an object of plain JSON values that PostgreSQL and
    SQLite both read back (no NUL characters, no lone surrogates, no NaN or infinity)."""
    if data is None:
        return
    if not isinstance(data, dict):
        raise Invalid(_("Channel data must be a JSON object."), field="channel_data")
    services.channel_data_check(data)
    try:
        json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError):
        raise Invalid(
            _("Channel data must be plain JSON: no NaN or infinite numbers, only valid Unicode text."),
            field="channel_data",
        ) from None
    except RecursionError:
        raise Invalid(_("Channel data is nested too deeply."), field="channel_data") from None
    if _too_deep(data, 0):
        raise Invalid(_("Channel data is nested too deeply."), field="channel_data")


MAX_CHANNEL_DATA_DEPTH = 32


def _too_deep(value: Any, depth: int) -> bool:
    if depth > MAX_CHANNEL_DATA_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value)
    return isinstance(value, float) and not math.isfinite(value)


@dataclass
class Plan:
    """What a batch writes: new messages (seq assigned), their events, the conversations
    changed, and each item's answer (its message, a retry's stored message, or its error).
    Items a writer left for another (`deferred`) have no answer yet."""

    results: list[Answer | None]
    messages: list[Message] = field(default_factory=list)
    events: list[events.EventRow] = field(default_factory=list)
    changed: dict[int, Conversation] = field(default_factory=dict)
    deferred: list[int] = field(default_factory=list)

    def answers(self) -> list[Answer]:
        answered = [result for result in self.results if result is not None]
        assert len(answered) == len(self.results)  # every item was answered, in order
        return answered


def checked(items: list[Inbound]) -> list[Answer | None]:
    """Each item's error from `inbound_check`, None for the valid ones."""
    return [inbound_check(item) for item in items]


def plan(
    items: list[Inbound],
    results: list[Answer | None],
    conversations: dict[int, Conversation],
    stored: dict[tuple[int, str], Message],
    *,
    now: datetime,
    defer: Callable[[Conversation], bool] | None = None,
) -> Plan:
    """The rules for each item still unanswered, applied in memory.

    `conversations` are the rows locked for this batch (each item's scope is checked here,
    as `Scope.sees`); `stored` the messages already stored under the items' external ids.
    Both are updated as the batch assigns sequence numbers, so a retry inside the batch gets
    the message it repeats. Items whose conversation `defer` names are left unanswered
    (listed in `deferred`) for a writer that can serve them.
    """
    batch = Plan(results)
    policies: dict[int | None, Any] = {}
    deferring: dict[int, bool] = {}
    for i, item in enumerate(items):
        if results[i] is not None:
            continue
        conversation = conversations.get(item.conversation_id)
        if conversation is None or not item.scope.sees(conversation.provider_id, conversation.client_id):
            results[i] = NotFound()
            continue
        if defer is not None:
            if conversation.pk not in deferring:
                deferring[conversation.pk] = defer(conversation)
            if deferring[conversation.pk]:
                batch.deferred.append(i)
                continue
        external_id = item.external_id.strip()
        if external_id and (conversation.pk, external_id) in stored:
            results[i] = stored[(conversation.pk, external_id)]  # a retry, possibly in this batch
            continue
        if conversation.status == Status.CLOSED:
            results[i] = Conflict(_("This conversation is closed; start a new one."))
            continue
        if conversation.client_id not in policies:
            policies[conversation.client_id] = services._redaction_policy(conversation.client_id)
        redacted = redact(item.body, policies[conversation.client_id])
        conversation.last_message_seq += 1
        message = Message(
            provider_id=conversation.provider_id,
            client_id=conversation.client_id,
            conversation=conversation,
            seq=conversation.last_message_seq,
            direction=Direction.IN,
            body=redacted.text,
            redactions=sorted({str(f.rule) for f in redacted.findings}),
            channel_data=item.channel_data or {},
            external_id=external_id,
            delivery=Delivery.RECEIVED,
            created_at=now,
        )
        batch.messages.append(message)
        results[i] = message
        if external_id:
            stored[(conversation.pk, external_id)] = message
        batch.events.append((item.scope, EventType.MESSAGE_IN, conversation, now, {"seq": message.seq}))
        transition = services.customer_wrote_transition(conversation)
        if transition is not None:
            kind, to = transition
            data = {"from": conversation.status, "by": "customer", "to": to}
            batch.events.append((item.scope, kind, conversation, now, data))
            conversation.status, conversation.resolved_at = to, None
        conversation.updated_at = now
        batch.changed[conversation.pk] = conversation
    return batch


def hints(batch: Plan) -> list[tuple[str, str, dict[str, Any]]]:
    """One live update per changed conversation: pages fetch what is new."""
    published: list[tuple[str, str, dict[str, Any]]] = []
    for conversation in batch.changed.values():
        published += services.conversation_hints(
            conversation, "message.created", seq=conversation.last_message_seq
        )
    return published


def sinks_want(conversation: Conversation) -> bool:
    """Whether an outbox sink (webhooks…) may want the events a message here writes; a
    writer outside the ORM leaves such messages to the ORM path, where sinks run."""
    probes = [
        _Probe(conversation.provider_id, conversation.client_id, conversation.channel, kind)
        for kind in EVENT_TYPES
    ]
    return events.wanted(probes)  # type: ignore[arg-type]  # what the filters read of an event


@dataclass(frozen=True)
class _Probe:
    """What a sink's filter reads of an event (`register_sink`'s `wants`), without building
    model instances on the hot path."""

    provider_id: int | None
    client_id: int | None
    channel: str
    type: str


# Fields a message row must fill (used by writers that build SQL from models).
CONVERSATION_CHANGED_FIELDS = ("last_message_seq", "status", "resolved_at", "updated_at")
