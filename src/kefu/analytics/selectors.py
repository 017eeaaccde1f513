"""Reads of the event log, always scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.core.scope import Scope


def contact_event_list(
    scope: Scope, *, conversation_id: int | None = None, type: str | None = None
) -> QuerySet[ContactEvent]:
    queryset = ContactEvent.objects.for_scope(scope)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    if type:
        queryset = queryset.filter(type=type)
    return queryset.order_by("at", "id")


def offered_per_interval(
    scope: Scope,
    *,
    client_id: int,
    interval_minutes: int,
    queue: str = "",
    since: datetime | None = None,
) -> dict[datetime, int]:
    """Offered contacts per interval start (local time, naive), counted from `offered` events.

    The forecast's input when a client's history is Kefu's own: the same events every
    report counts, so the forecast and the reports cannot disagree on what was offered.
    """
    events = ContactEvent.objects.for_scope(scope).filter(client_id=client_id, type="offered")
    if queue:
        events = events.filter(queue=queue)
    if since is not None:
        events = events.filter(at__gte=since)
    counts: dict[datetime, int] = {}
    step = interval_minutes * 60
    for at in events.values_list("at", flat=True).iterator(chunk_size=5000):
        local = timezone.localtime(at).replace(tzinfo=None)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = int((local - midnight).total_seconds()) // step * step
        start = midnight + timedelta(seconds=offset)
        counts[start] = counts.get(start, 0) + 1
    return counts


def queue_assignments(
    scope: Scope,
    *,
    client_id: int,
    queue: str,
    provider_ids: set[int] | frozenset[int],
    start: datetime,
    end: datetime,
) -> list[tuple[int, datetime, int | None, dict]]:
    """`assigned` events of one client's queue over [start, end): (conversation, at, the event's
    provider, data), oldest first, for routing's realised-split report.

    Deliberately across `provider_ids` (the providers serving the queue, which the caller has
    checked the actor may see): a client served by two providers plans one split of a queue and
    both see how it came out. Only for a client in the actor's scope; nothing otherwise."""
    if client_id not in scope.client_ids or not provider_ids:
        return []
    rows = ContactEvent.all_tenants.filter(
        client_id=client_id,
        queue=queue,
        type="assigned",
        provider_id__in=list(provider_ids),
        at__gte=start,
        at__lt=end,
    ).order_by("at", "id")
    return list(rows.values_list("conversation_id", "at", "provider_id", "data"))


@dataclass(frozen=True)
class OrderLink:
    """An order an agent linked on a chat (the latest `order_linked` event of its number)."""

    order_number: str
    at: datetime
    conversation_id: int
    agent_id: int | None
    order_value: str | None  # yuan, as the agent typed it; None when not given


def order_link_list(scope: Scope, *, client_id: int, since: datetime, until: datetime) -> list[OrderLink]:
    """The distinct order numbers linked on the client's conversations in [since, until), each
    with its latest link: what the desk knows of sales, to cross-check the shop's own export."""
    events = (
        ContactEvent.objects.for_scope(scope)
        .filter(client_id=client_id, type="order_linked", at__gte=since, at__lt=until)
        .order_by("at", "id")
        .values_list("at", "conversation_id", "agent_id", "data")
    )
    found: dict[str, OrderLink] = {}
    for at, conversation_id, agent_id, data in events.iterator(chunk_size=5000):
        number = str((data or {}).get("order_number") or "").strip()
        if number:
            value = (data or {}).get("order_value")
            found[number] = OrderLink(
                number, at, conversation_id, agent_id, None if value is None else str(value)
            )
    return sorted(found.values(), key=lambda link: (link.at, link.order_number))
