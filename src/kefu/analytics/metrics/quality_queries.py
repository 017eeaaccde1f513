"""The quality figures' events (selectors: reads only). `queries.metric_items` calls these for the
metrics anchored on reviews and auto-QA scorings; `quality_compute` turns rows into items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kefu.analytics.metrics import quality_compute
from kefu.analytics.models import ContactEvent, EventType
from kefu.core.scope import Scope

if TYPE_CHECKING:
    from kefu.analytics.metrics.queries import MetricQuery

FIELDS = ("id", "at", "conversation_id", "agent_id", "data")


def _rows(queryset: QuerySet[ContactEvent]) -> list[quality_compute.ScoreEvent]:
    return [quality_compute.ScoreEvent(*row) for row in queryset.order_by("at", "id").values_list(*FIELDS)]


def _anchors(scope: Scope, query: MetricQuery, type: str) -> QuerySet[ContactEvent]:
    start, end = query.bounds
    events = ContactEvent.objects.for_scope(scope).filter(
        client_id=query.client_id, type=type, at__gte=start, at__lt=end
    )
    if query.queue:
        events = events.filter(queue=query.queue)
    if query.channel:
        events = events.filter(channel=query.channel)
    if query.agent_id is not None:
        events = events.filter(agent_id=query.agent_id)
    return events


def qa_score_items(scope: Scope, query: MetricQuery) -> list:
    finalised = _rows(_anchors(scope, query, EventType.REVIEW_FINALISED))
    review_ids = sorted({e.review_id for e in finalised if e.review_id is not None})
    rescored = (
        _rows(
            ContactEvent.objects.for_scope(scope).filter(
                client_id=query.client_id,
                type=EventType.REVIEW_RESCORED,
                conversation_id__in={e.conversation_id for e in finalised},
                data__review_id__in=review_ids,
            )
        )
        if review_ids
        else []
    )
    return quality_compute.qa_items(finalised, rescored)


def autoqa_score_items(scope: Scope, query: MetricQuery) -> list:
    return quality_compute.autoqa_items(_rows(_anchors(scope, query, EventType.AUTOQA_SCORED)))
