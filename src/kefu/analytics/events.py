"""`emit`: append one event to the contact event log, inside the caller's transaction.

It lives here rather than in `core` because writing needs the model; any app may
depend on analytics (a sink that imports no domain app), so no registry is needed for
writing. Apps that owe work to the outside world for an event (outbound webhooks, email
replies of `connectors`) register a *sink* at `AppConfig.ready()`. A sink is a
transactional outbox writer: it runs inside the transaction that writes the events and
writes its outbox rows there too, so a crash at any moment keeps both or neither, and
nothing that was acknowledged is owed without a row saying so. Analytics still imports
no other app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from kefu.analytics.models import ContactEvent, EventType
from kefu.core import clock
from kefu.core.scope import Scope

__all__ = [
    "ContactEvent", "EventType", "emit", "emit_many", "register_sink", "unsaved_many", "wanted",
]  # fmt: skip

log = logging.getLogger(__name__)

Sink = Callable[[list[ContactEvent]], None]
SinkFilter = Callable[[list[ContactEvent]], bool]
_sinks: list[Sink] = []
_filters: dict[Sink, SinkFilter] = {}


def register_sink(sink: Sink, *, wants: SinkFilter | None = None) -> None:
    """Hear every event as it is written, inside its transaction (in registration order).

    The sink writes its outbox rows in the same transaction (they commit or roll back with
    the events, savepoints included). A sink that raises fails the write it is part of:
    an outbox row that cannot be written must not be silently owed.

    `wants` answers, without touching the database, whether the sink could act on a batch
    (False only when certain it would not): writers outside the ORM (ingest on the event
    loop) ask it and hand the events they cannot serve themselves to the ORM path.
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


def _write_outbox(written: list[ContactEvent]) -> None:
    """Each interested sink writes its outbox rows for these events, in the caller's transaction."""
    for sink in list(_sinks):
        wants = _filters.get(sink)
        if wants is None or wants(written):
            sink(written)


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
    if _sinks:
        _write_outbox([event])
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


def emit_many(events: list[EventRow], *, agent_ids: list[int | None] | None = None) -> list[ContactEvent]:
    """Write many events in one INSERT (group-committed ingest, batch assignment); each is
    `emit`'s row.

    An entry is (scope, type, conversation, at, data); `agent_ids`, if given, is each entry's
    agent (same order). Sinks hear them in this order.
    """
    rows = ContactEvent.all_tenants.bulk_create(unsaved_many(events, agent_ids=agent_ids))
    if _sinks and rows:
        _write_outbox(rows)
    return rows


def unsaved_many(events: list[EventRow], *, agent_ids: list[int | None] | None = None) -> list[ContactEvent]:
    """`emit_many`'s rows, not yet written: for a writer outside the ORM (the ingest path on
    the event loop), which writes only events that no sink `wants` (see `register_sink`)."""
    agents = agent_ids if agent_ids is not None else [None] * len(events)
    if len(agents) != len(events):
        raise ValueError("one agent id per event")
    return [
        ContactEvent(**_row(scope, type, conversation, at, agent, None, None, None, data))
        for (scope, type, conversation, at, data), agent in zip(events, agents, strict=True)
    ]
