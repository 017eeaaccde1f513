"""`emit`: append one event to the contact event log, inside the caller's transaction.

It lives here rather than in `core` because writing needs the model; any app may
depend on analytics (a sink that imports no domain app), so no registry is needed for
writing. Readers that must hear of events as they happen (the outbound webhooks of
`connectors`) register a *sink* at `AppConfig.ready()`: it gets the events of each
transaction after it commits, so analytics still imports no other app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction

from kefu.analytics.models import ContactEvent, EventType
from kefu.core import clock
from kefu.core.scope import Scope

__all__ = [
    "ContactEvent", "EventType", "deliver", "emit", "emit_many", "register_sink", "unsaved_many", "wanted",
]  # fmt: skip

log = logging.getLogger(__name__)

Sink = Callable[[list[ContactEvent]], None]
SinkFilter = Callable[[list[ContactEvent]], bool]
_sinks: list[Sink] = []
_filters: dict[Sink, SinkFilter] = {}


def register_sink(sink: Sink, *, wants: SinkFilter | None = None) -> None:
    """Hear every event after its transaction commits (once per sink, in registration order).

    A sink gets the events of one transaction in order. Events written inside a savepoint
    that was rolled back may be among them: a sink that acts on them re-reads the rows.
    A failing sink is logged and never undoes or blocks the committed work.

    `wants` answers, without touching the database, whether the sink could act on a batch
    (False only when certain it would not): the ingest path on the event loop asks it
    before handing committed events to a thread.
    """
    if sink not in _sinks:
        _sinks.append(sink)
    if wants is not None:
        _filters[sink] = wants


def wanted(committed: list[ContactEvent]) -> bool:
    """Whether any sink could act on these events (see `register_sink`'s `wants`)."""
    if not committed:
        return False
    for sink in _sinks:
        wants = _filters.get(sink)
        if wants is None or wants(committed):
            return True
    return False


class _Batch:
    """The events of one transaction, handed to the sinks together after commit."""

    def __init__(self) -> None:
        self.events: list[ContactEvent] = []

    def __call__(self) -> None:
        for sink in list(_sinks):
            try:
                sink(self.events)
            except Exception:  # a sink must not break the request whose work is committed
                log.exception("event sink %r failed", sink)


def _offer(event: ContactEvent) -> None:
    if not _sinks:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _with(event)()
        return
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Batch):
            callback.events.append(event)
            return
    transaction.on_commit(_with(event))


def _with(event: ContactEvent) -> _Batch:
    batch = _Batch()
    batch.events.append(event)
    return batch


class ContactLike(Protocol):
    """What the log copies from a conversation (duck-typed so analytics imports no desk)."""

    pk: Any
    provider_id: int | None
    client_id: int | None
    channel: str
    queue: str


def emit(
    scope: Scope | None,
    type: EventType | str,
    *,
    conversation: ContactLike,
    at: datetime | None = None,
    agent_id: int | None = None,
    case_id: int | None = None,
    value_s: float | None = None,
    value_business_s: float | None = None,
    data: dict[str, Any] | None = None,
) -> ContactEvent:
    """Write one event with the conversation's tenant keys; the actor is the scope's user."""
    event = ContactEvent.all_tenants.create(
        **_row(scope, type, conversation, at, agent_id, case_id, value_s, value_business_s, data)
    )
    _offer(event)
    return event


def _row(
    scope: Scope | None,
    type: EventType | str,
    conversation: ContactLike,
    at: datetime | None,
    agent_id: int | None,
    case_id: int | None,
    value_s: float | None,
    value_business_s: float | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return dict(
        type=EventType(type),
        at=at or clock.now(),
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation_id=conversation.pk,
        case_id=case_id,
        channel=conversation.channel,
        queue=conversation.queue or None,
        agent_id=agent_id,
        actor_id=scope.user_id if scope is not None else None,
        value_s=value_s,
        value_business_s=value_business_s,
        data=data or {},
    )


EventRow = tuple[Scope | None, EventType | str, ContactLike, datetime, dict[str, Any]]


def emit_many(events: list[EventRow]) -> None:
    """Write many events in one INSERT (group-committed ingest); each is `emit`'s row.

    An entry is (scope, type, conversation, at, data); sinks hear them in this order.
    """
    rows = ContactEvent.all_tenants.bulk_create(unsaved_many(events))
    for row in rows:
        _offer(row)


def unsaved_many(events: list[EventRow]) -> list[ContactEvent]:
    """`emit_many`'s rows, not yet written: for a writer outside the ORM (the ingest path on
    the event loop), which then hands them to `deliver` once they are committed."""
    return [
        ContactEvent(**_row(scope, type, conversation, at, None, None, None, None, data))
        for scope, type, conversation, at, data in events
    ]


def deliver(committed: list[ContactEvent]) -> None:
    """Hand events that were written and committed outside Django's transactions to the sinks."""
    if _sinks and committed:
        batch = _Batch()
        batch.events.extend(committed)
        batch()
