"""Dashboard endpoints: a client's figures with target and previous period, and the team control
charts, the same reads as the pages (`dashboard_selectors`).

`GET /api/dashboards/{client_id}?from=&to=&interval=&queue=&agent=` and
`GET /api/dashboards/{client_id}/control-charts?from=&to=&queue=`; dates are the client's
calendar days (the last 14 days up to today when omitted).
"""

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from kefu.analytics import dashboard_selectors as selectors

router = Router(tags=["dashboards"])


class DashboardFilters(Schema):
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")
    interval: str = "day"
    queue: str = Field("", max_length=60)
    agent: int | None = None


class TargetOut(Schema):
    value: float
    source: str
    threshold_s: float | None = None
    queue: str = ""


class FigureOut(Schema):
    metric: str
    name: str
    unit: str
    value: float | None
    count: int
    median: float | None = None
    previous: float | None
    change: float | None
    target: TargetOut | None = None
    meets_target: bool | None = None
    series: list[dict[str, Any]]
    drilldown: str
    definition: str


class UnavailableOut(Schema):
    metric: str
    name: str
    reason: str


class DashboardOut(Schema):
    client: int
    client_name: str
    period: dict[str, str]
    previous_period: dict[str, str]
    time_zone: str
    interval: str
    queue: str
    agent: int | None = None
    figures: list[FigureOut]
    unavailable: list[UnavailableOut]


class ControlChartOut(Schema):
    metric: str
    name: str
    kind: str
    available: bool
    reason: str | None = None
    days: list[str]
    counts: list[int]
    centre: float | None = None
    sigma: float | None = None
    values: list[float | None] = []
    ucl: list[float | None] = []
    lcl: list[float | None] = []
    rules: list[list[int]] = []


def _period(period: selectors.Period) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


@router.get("/dashboards/{client_id}", response=DashboardOut)
def get_dashboard(request: HttpRequest, client_id: int, filters: Query[DashboardFilters]) -> dict[str, Any]:
    scope = request.access
    selectors.client_get(scope, client_id=client_id)
    period = selectors.period_from(client_id, filters.date_from, filters.date_to)
    dashboard = selectors.client_dashboard(
        scope,
        client_id=client_id,
        period=period,
        interval=filters.interval,
        queue=filters.queue,
        agent_id=filters.agent,
        metric_ids=selectors.AGENT_METRICS if filters.agent is not None else selectors.CLIENT_METRICS,
    )
    return {
        "client": dashboard.client_id,
        "client_name": dashboard.client_name,
        "period": _period(dashboard.period),
        "previous_period": _period(dashboard.previous),
        "time_zone": dashboard.tz.key,
        "interval": dashboard.interval,
        "queue": dashboard.queue,
        "agent": dashboard.agent_id,
        "figures": [_figure(figure) for figure in dashboard.figures],
        "unavailable": [
            {"metric": u.metric.id, "name": str(u.metric.name), "reason": u.reason}
            for u in dashboard.unavailable
        ],
    }


def _figure(figure: selectors.Figure) -> dict[str, Any]:
    metric = figure.metric
    return {
        "metric": metric.id,
        "name": str(metric.name),
        "unit": metric.unit,
        "value": figure.value,
        "count": figure.count,
        "median": figure.median,
        "previous": figure.previous,
        "change": figure.change,
        "target": asdict(figure.target) if figure.target else None,
        "meets_target": figure.meets_target,
        "series": figure.series,
        "drilldown": reverse("api:metric_items", kwargs={"metric": metric.id})
        + "?"
        + urlencode(figure.params),
        "definition": str(metric.definition),
    }


@router.get("/dashboards/{client_id}/control-charts", response=list[ControlChartOut])
def get_control_charts(
    request: HttpRequest, client_id: int, filters: Query[DashboardFilters]
) -> list[dict[str, Any]]:
    scope = request.access
    selectors.client_get(scope, client_id=client_id)
    period = selectors.period_from(client_id, filters.date_from, filters.date_to)
    found = []
    for chart in selectors.control_charts(scope, client_id=client_id, period=period, queue=filters.queue):
        row: dict[str, Any] = {
            "metric": chart.metric.id,
            "name": str(chart.metric.name),
            "kind": chart.kind,
            "available": chart.chart is not None,
            "reason": str(chart.metric.unavailable_reason) if chart.chart is None else None,
            "days": [day.isoformat() for day in chart.days],
            "counts": chart.counts,
        }
        if chart.chart is not None:
            row.update(
                centre=chart.chart.centre,
                sigma=chart.chart.sigma,
                values=[p.value for p in chart.chart.points],
                ucl=[p.ucl for p in chart.chart.points],
                lcl=[p.lcl for p in chart.chart.points],
                rules=[list(p.rules) for p in chart.chart.points],
            )
        found.append(row)
    return found
