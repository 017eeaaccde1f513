"""`emit`: append one event to the contact event log, inside the caller's transaction.

It lives here rather than in `core` because writing needs the model; any app may
depend on analytics (a sink that imports no domain app), so no registry is needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from kefu.analytics.models import ContactEvent, EventType
from kefu.core import clock
from kefu.core.scope import Scope

__all__ = ["ContactEvent", "EventType", "emit"]


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
    return ContactEvent.all_tenants.create(
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
