"""Metric endpoints: the dictionary, one figure (with a series), and the records behind it.

`client` and `agent` are ids; dates are the client's calendar days, `from` and `to` inclusive.
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from kefu.analytics.metrics import queries
from kefu.analytics.schemas import MetricItemOut, MetricOut, MetricValueOut, metric_out

router = Router(tags=["metrics"])


class MetricFilters(Schema):
    client: int | None = None
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")
    queue: str = ""
    channel: str = ""
    agent: int | None = None
    interval: str | None = None
    threshold_s: float | None = None


def _query(request: HttpRequest, metric_id: str, filters: MetricFilters) -> queries.MetricQuery:
    return queries.metric_query(
        request.access,
        metric_id=metric_id,
        client_id=filters.client,
        date_from=filters.date_from,
        date_to=filters.date_to,
        queue=filters.queue,
        channel=filters.channel,
        agent_id=filters.agent,
        interval=filters.interval,
        threshold_s=filters.threshold_s,
    )


@router.get("/metrics", response=list[MetricOut])
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    return [metric_out(metric) for metric in queries.metric_list()]


@router.get("/metrics/{metric}", response=MetricValueOut)
def get_metric(request: HttpRequest, metric: str, filters: Query[MetricFilters]) -> dict[str, Any]:
    query = _query(request, metric, filters)
    figure = queries.metric_value(request.access, query)
    params = query.params()
    params.pop("interval", None)
    return {
        "metric": query.metric.id,
        "value": figure.result.value,
        "count": figure.result.count,
        "unit": query.metric.unit,
        "median": figure.result.median,
        "client": query.client_id,
        "period": {"from": query.first.isoformat(), "to": query.last.isoformat()},
        "time_zone": query.tz.key,
        "interval": query.interval,
        "series": figure.result.series,
        "drilldown": reverse("api:metric_items", kwargs={"metric": query.metric.id})
        + "?"
        + urlencode(params),
    }


@router.get("/metrics/{metric}/items", response=list[MetricItemOut], url_name="metric_items")
@paginate(PageNumberPagination, page_size=100)
def list_metric_items(
    request: HttpRequest, metric: str, filters: Query[MetricFilters]
) -> list[dict[str, Any]]:
    query = _query(request, metric, filters)
    return [
        {
            "key": item.key,
            "at": item.at.astimezone(query.tz).isoformat(),
            "conversation_id": item.conversation_id,
            "conversation_ids": list(item.conversation_ids)
            or ([item.conversation_id] if item.conversation_id is not None else []),
            "agent_id": item.agent_id,
            "numerator": item.numerator,
            "denominator": item.denominator,
        }
        for item in queries.metric_items(request.access, query)
    ]
