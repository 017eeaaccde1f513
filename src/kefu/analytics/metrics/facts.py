"""One row of facts per record, for a slice of the log: what both figures and rollups read.

`queries.metric_facts` asks it for a metric's period; `analytics.rollups` for quarter hours,
bounded by the rollup cursor (`through_id`: only events with an id at or below it, so the rows
describe exactly the events the rollups have folded). One query per anchor: the anchor events
over the `(provider, client, type, at)` index and the facts the formulas need as correlated
subqueries over the conversation's events (the `(conversation_id, at)` index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from kefu.analytics.metrics import compute, dictionary
from kefu.analytics.metrics.quarters import Dims
from kefu.analytics.models import ContactEvent, EventType
from kefu.core.scope import Scope

# The facts each metric's formula reads (compute.Facts fields), beyond the anchor's own.
NEEDS: dict[str, set[str]] = {
    "handled": {"reply"},
    "answer_rate": {"reply"},
    "asa": {"reply"},
    "first_response_time": {"reply"},
    "service_level": {"reply", "abandoned"},
    "abandon_rate": {"abandoned"},
    "abandon_rate_excl_short": {"abandoned"},
    "resolution_rate": {"resolved"},
    "escalation_rate": {"escalated_l2"},
    "complaint_rate": {"complaint"},
    "aht": {"assigned"},
    "fcr": {"reopened", "escalated"},
    "reopen_rate": {"reopened"},
    "conversion_rate": {"category", "ordered", "queue"},
}

ANCHOR_TYPES = {
    dictionary.OFFERED: EventType.OFFERED,
    dictionary.FIRST_IN: EventType.MESSAGE_IN,
    dictionary.FIRST_RESOLVED: EventType.RESOLVED,
    dictionary.SURVEY: EventType.SURVEY_ANSWERED,
}
FIRST_ONLY = (dictionary.FIRST_IN, dictionary.FIRST_RESOLVED)  # a conversation's first of the type


@dataclass(frozen=True)
class Slice:
    """Which anchor events: a client's, with `at` in [start, end), optional queue and channel (of
    the anchor), the anchor's agent, and an event-id bound (None: every visible event)."""

    client_id: int
    start: datetime
    end: datetime
    queue: str = ""
    channel: str = ""
    agent_id: int | None = None
    through_id: int | None = None


def events_of(scope: Scope, piece: Slice) -> QuerySet[ContactEvent]:
    events = ContactEvent.objects.for_scope(scope).filter(client_id=piece.client_id)
    if piece.through_id is not None:
        events = bounded(events, piece.through_id)
    return events


def bounded(events: QuerySet[ContactEvent], through_id: int) -> QuerySet[ContactEvent]:
    """Events with an id up to `through_id`, compared as `id + 0` so that SQLite keeps using the
    conversation and type indexes instead of scanning the id range (correlated subqueries took
    seconds each on a month of events)."""
    return events.alias(event_id_bound=F("id") + 0).filter(event_id_bound__lte=through_id)


def anchors(scope: Scope, piece: Slice, anchor: str) -> QuerySet[ContactEvent]:
    """The anchor events of the slice (for the first-of-type anchors, only a conversation's first,
    ties by id)."""
    type = ANCHOR_TYPES[anchor]
    events = events_of(scope, piece).filter(type=type, at__gte=piece.start, at__lt=piece.end)
    if piece.queue:
        events = events.filter(queue=piece.queue)
    if piece.channel:
        events = events.filter(channel=piece.channel)
    if piece.agent_id is not None:
        events = events.filter(agent_id=piece.agent_id)
    if anchor in FIRST_ONLY:
        earlier = events_of(scope, piece).filter(
            Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lt=OuterRef("id")),
            conversation_id=OuterRef("conversation_id"),
            type=type,
        )
        events = events.filter(~Exists(earlier))
    return events


def _same(scope: Scope, piece: Slice, type: str, **filters: Any) -> QuerySet[ContactEvent]:
    return events_of(scope, piece).filter(conversation_id=OuterRef("conversation_id"), type=type, **filters)


def _first(queryset: QuerySet[ContactEvent], field: str) -> Subquery:
    return Subquery(queryset.order_by("at", "id").values(field)[:1])


def anchor_facts(
    scope: Scope, piece: Slice, *, anchor: str, needs: set[str]
) -> list[tuple[Dims, compute.Facts]]:
    """One row per anchor event of the slice, in time order, with the facts in `needs` and where
    the anchor happened (provider, queue, channel)."""
    annotations: dict[str, Any] = {}
    if "reply" in needs:
        replies = _same(scope, piece, EventType.MESSAGE_OUT, agent__isnull=False, at__gte=OuterRef("at"))
        annotations["reply_at"] = _first(replies, "at")
        annotations["reply_agent_id"] = _first(replies, "agent_id")
    if "abandoned" in needs:
        abandons = _same(scope, piece, EventType.ABANDONED)
        annotations["is_abandoned"] = Exists(abandons)
        annotations["abandoned_wait"] = _first(abandons, "value_s")
    if "resolved" in needs:
        annotations["resolved"] = Exists(_same(scope, piece, EventType.RESOLVED))
    if "escalated_l2" in needs:
        annotations["escalated_l2"] = Exists(_same(scope, piece, EventType.ESCALATED, data__tier="l2"))
    if "escalated" in needs:
        annotations["escalated"] = Exists(_same(scope, piece, EventType.ESCALATED))
    if "complaint" in needs:
        annotations["complaint"] = Exists(_same(scope, piece, EventType.COMPLAINT_REGISTERED))
    if "reopened" in needs:
        annotations["reopened"] = Exists(_same(scope, piece, EventType.REOPENED, at__gte=OuterRef("at")))
    if "category" in needs:
        resolutions = _same(scope, piece, EventType.RESOLVED)
        annotations["category"] = _first(resolutions.annotate(category=F("data__category")), "category")
    if "ordered" in needs:
        annotations["ordered"] = Exists(_same(scope, piece, EventType.ORDER_LINKED))
    if "assigned" in needs:
        annotations["assigned_at"] = _first(_same(scope, piece, EventType.ASSIGNED), "at")
    fields = ["conversation_id", "at", "agent_id", "provider_id", "queue", "channel", *annotations]
    if anchor == dictionary.SURVEY:
        fields.append("data")
    rows = anchors(scope, piece, anchor).annotate(**annotations).order_by("at", "id").values(*fields)
    return [_facts(row) for row in rows.iterator(chunk_size=5000)]


def _facts(row: dict[str, Any]) -> tuple[Dims, compute.Facts]:
    dims = Dims(row.pop("provider_id"), row.pop("queue") or "", row.pop("channel") or "")
    if "category" in row:
        row["queue"] = dims.queue
    data = row.pop("data", None)
    if data is not None:
        score = data.get("score") if isinstance(data, dict) else None
        row["score"] = score if isinstance(score, int) and not isinstance(score, bool) else None
        nps = data.get("nps") if isinstance(data, dict) else None
        row["nps"] = nps if isinstance(nps, int) and not isinstance(nps, bool) and 0 <= nps <= 10 else None
    if "is_abandoned" in row:
        abandoned, wait = row.pop("is_abandoned"), row.pop("abandoned_wait")
        row["abandoned_wait_s"] = (wait if wait is not None else float("inf")) if abandoned else None
    return dims, compute.Facts(**row)
