"""The dashboards: provider operations, a client's figures, a team's, an agent's KPI card, and the
records behind every number. Thin: read the filters, ask `dashboard_selectors`, render.

Each figure links to its definition (the metric dictionary) and to its records; a chart point
links to the records of its interval; a record links to its conversation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.analytics import dashboard_links as links
from kefu.analytics import dashboard_selectors as selectors
from kefu.analytics.dashboard_selectors import Dashboard, Period
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core.errors import Invalid, NotFound
from kefu.core.http import access_required

CHART_DEFAULT = "offered"


def _filters(request: HttpRequest, client_id: int) -> tuple[Period, str, str, str]:
    """(period, interval, queue, error): a bad date keeps the default period and says why."""
    error = ""
    try:
        period = selectors.period_from(client_id, request.GET.get("from"), request.GET.get("to"))
    except Invalid as exc:
        period, error = selectors.period_from(client_id, None, None), str(exc.message)
    interval = request.GET.get("interval") or "day"
    if interval not in selectors.INTERVALS:
        interval = "day"
    if interval == "hour" and period.days > 31:
        interval, error = "day", error or _("Hourly points are shown for at most 31 days.")
    return period, interval, request.GET.get("queue", "")[:60], error


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # "¹".isdigit() is True
        raise NotFound(field=field)
    return int(value)


def _formats() -> dict[str, str]:
    """How the charts write a duration, in the page's language (dashboard.js fills them in)."""
    return {"s": _("%(s)s s"), "ms": _("%(m)s min %(s)02d s"), "hm": _("%(h)s h %(m)02d min")}


def _chart(dashboard: Dashboard, metric_id: str) -> dict[str, Any] | None:
    """The data of the page's main chart: the figure's series, its target and the previous period."""
    figure = dashboard.figure(metric_id) or (dashboard.figures[0] if dashboard.figures else None)
    if figure is None:
        return None
    params = {**figure.params, "interval": dashboard.interval}
    return {
        "metric": figure.metric.id,
        "name": str(figure.metric.name),
        "unit": figure.metric.unit,
        "points": [[p["start"], p["value"], p["count"]] for p in figure.series],
        "target": figure.target.value if figure.target else None,
        "target_label": _("Target"),
        "previous": figure.previous,
        "previous_label": _("Previous period (whole)"),
        "drill": links.drill_base(dashboard.client_id, figure.metric.id) + "?" + urlencode(params),
        "formats": _formats(),
    }


def _context(request: HttpRequest, dashboard: Dashboard, **extra: Any) -> dict[str, Any]:
    chart_metric = request.GET.get("chart") or CHART_DEFAULT
    today = selectors.client_today(dashboard.client_id)
    return {
        "dashboard": dashboard,
        "cards": links.cards(dashboard),
        "chart": _chart(dashboard, chart_metric),
        "chart_metric": chart_metric,
        "live": dashboard.period.includes(today),
        "query": request.GET.urlencode(),
        "intervals": [("day", _("Day")), ("week", _("Week")), ("hour", _("Hour"))],
        **extra,
    }


@access_required(AnalyticsPerm.VIEW_METRICS)
def dashboards(request: HttpRequest) -> HttpResponse:
    """The entry: a provider's operations page; a client's own dashboard; an agent's own card."""
    scope = request.access
    clients = selectors.client_list(scope)
    if not selectors.sees_team(scope):
        return redirect("dashboard_me")
    if scope.is_client and clients:
        return redirect("dashboard_client", client_id=clients[0][0])
    reference = clients[0][0] if clients else None
    error = ""
    if reference is None:
        return render(request, "analytics/dashboards/operations.html", {"rows": [], "period": None})
    try:
        period = selectors.period_from(reference, request.GET.get("from"), request.GET.get("to"))
    except Invalid as exc:
        period, error = selectors.period_from(reference, None, None), str(exc.message)
    rows = selectors.provider_overview(scope, period=period)
    table = [
        {
            "client_id": row.client_id,
            "client_name": row.client_name,
            "cells": [
                {
                    "figure": figure,
                    "drill": links.drill_base(row.client_id, figure.metric.id)
                    + "?"
                    + urlencode(figure.params),
                }
                for figure in row.figures
            ],
        }
        for row in rows
    ]
    metrics = [figure.metric for figure in rows[0].figures] if rows else []
    chart = {
        "series": [
            {
                "name": row.client_name,
                "points": [[p["start"], p["value"], p["count"]] for p in row.figures[0].series],
                "drill": links.drill_base(row.client_id, "offered")
                + "?"
                + urlencode({**row.figures[0].params, "interval": "day"}),
            }
            for row in rows
            if row.figures and row.figures[0].metric.id == "offered"
        ],
        "unit": "conversations",
    }
    context = {"rows": table, "metrics": metrics, "period": period, "error": error, "chart": chart}
    return render(request, "analytics/dashboards/operations.html", context)


@access_required(AnalyticsPerm.VIEW_TEAM_METRICS)
def client_dashboard(request: HttpRequest, client_id: int) -> HttpResponse:
    scope = request.access
    period, interval, queue, error = _filters(request, client_id)
    dashboard = selectors.client_dashboard(
        scope, client_id=client_id, period=period, interval=interval, queue=queue
    )
    context = _context(
        request,
        dashboard,
        error=error,
        queues=selectors.queue_names(scope, client_id=client_id),
        agents=selectors.agent_choices(scope, client_id=client_id, period=period, queue=queue),
        clients=selectors.client_list(scope),
        page="client",
    )
    return render(request, "analytics/dashboards/client.html", context)


@access_required(AnalyticsPerm.VIEW_METRICS)
def today(request: HttpRequest, client_id: int) -> HttpResponse:
    """Today's figures so far (the live strip, polled by htmx)."""
    scope = request.access
    agent_id = _int(request.GET.get("agent"), "agent")
    dashboard = selectors.today_dashboard(
        scope, client_id=client_id, queue=request.GET.get("queue", "")[:60], agent_id=agent_id
    )
    return render(
        request, "analytics/dashboards/_today.html", {"today": dashboard, "cards": links.cards(dashboard)}
    )


@access_required(AnalyticsPerm.VIEW_TEAM_METRICS)
def team_dashboard(request: HttpRequest, client_id: int) -> HttpResponse:
    """A team (the agents of one queue): its figures and its control charts."""
    scope = request.access
    period, interval, queue, error = _filters(request, client_id)
    queues = selectors.queue_names(scope, client_id=client_id)
    if not queue and queues:
        queue = queues[0]
    dashboard = selectors.client_dashboard(
        scope, client_id=client_id, period=period, interval=interval, queue=queue
    )
    charts = selectors.control_charts(scope, client_id=client_id, period=period, queue=queue)
    spc = [
        {
            "chart": chart,
            "json_id": f"spc-{chart.metric.id}",
            "data": {
                **chart.as_json(),
                "name": str(chart.metric.name),
                "unit": chart.metric.unit,
                "centre_label": _("Centre line"),
                "limit_label": _("Control limits (3σ)"),
                "signal_label": _("Signal (Western Electric rule)"),
                "formats": _formats(),
                "drill": links.drill_base(client_id, chart.metric.id)
                + "?"
                + urlencode({"client": client_id, "queue": queue}),
            },
        }
        for chart in charts
    ]
    context = _context(
        request,
        dashboard,
        error=error,
        queues=queues,
        agents=selectors.agent_choices(scope, client_id=client_id, period=period, queue=queue),
        clients=selectors.client_list(scope),
        spc=spc,
        page="team",
    )
    return render(request, "analytics/dashboards/team.html", context)


@access_required(AnalyticsPerm.VIEW_METRICS)
def agent_dashboard(request: HttpRequest, client_id: int, agent_id: int) -> HttpResponse:
    """An agent's KPI card: for whoever reads everybody's figures, and for the agent themself."""
    scope = request.access
    if not selectors.sees_team(scope) and agent_id != scope.user_id:
        raise NotFound(field="agent")
    return _agent_page(request, client_id, agent_id)


@access_required(AnalyticsPerm.VIEW_METRICS)
def my_figures(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own KPI card (for the client chosen, else the first they serve)."""
    scope = request.access
    clients = selectors.client_list(scope)
    if not clients:
        return render(request, "analytics/dashboards/agent.html", {"dashboard": None, "clients": []})
    wanted = _int(request.GET.get("client"), "client")
    client_id = wanted if wanted is not None else clients[0][0]
    if scope.user_id is None:
        raise NotFound()
    return _agent_page(request, client_id, scope.user_id, own=True)


def _agent_page(request: HttpRequest, client_id: int, agent_id: int, *, own: bool = False) -> HttpResponse:
    scope = request.access
    period, interval, _queue, error = _filters(request, client_id)
    name = selectors.agent_name(scope, client_id=client_id, agent_id=agent_id)
    dashboard = selectors.client_dashboard(
        scope,
        client_id=client_id,
        period=period,
        interval=interval,
        agent_id=agent_id,
        metric_ids=selectors.AGENT_METRICS,
    )
    context = _context(
        request,
        dashboard,
        error=error,
        agent_name=name,
        own=own,
        clients=selectors.client_list(scope),
        page="agent",
    )
    if context["chart_metric"] == CHART_DEFAULT:
        context["chart"] = _chart(dashboard, "handled")
    return render(request, "analytics/dashboards/agent.html", context)


@access_required(AnalyticsPerm.VIEW_METRICS)
def items(request: HttpRequest, client_id: int, metric_id: str) -> HttpResponse:
    """The records behind a figure (or behind one chart point), each linked to its conversation."""
    scope = request.access
    period, _interval, queue, error = _filters(request, client_id)
    if error:
        raise Invalid(error, field="from")
    threshold = request.GET.get("threshold_s")
    try:
        threshold_s = float(threshold) if threshold else None
    except ValueError:
        raise Invalid(_("The threshold must be a number of seconds."), field="threshold_s") from None
    page = _int(request.GET.get("page"), "page") or 1
    found = selectors.drilldown(
        scope,
        metric_id=metric_id,
        client_id=client_id,
        period=period,
        queue=queue,
        agent_id=_int(request.GET.get("agent"), "agent"),
        threshold_s=threshold_s,
        interval=request.GET.get("interval") or None,
        bucket=request.GET.get("bucket", "")[:40],
        page=page,
    )
    dates = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    if selectors.sees_team(scope):
        back = reverse("dashboard_client", kwargs={"client_id": client_id}) + "?" + dates
    else:
        back = reverse("dashboard_me") + f"?client={client_id}&" + dates
    rest = request.GET.copy()
    rest.pop("page", None)
    context = {
        "found": found,
        "definition_url": links.definition_url(metric_id),
        "query": rest.urlencode(),
        "back": back,
        "bucket_label": found.bucket[:16].replace("T", " "),  # the interval's local start
    }
    return render(request, "analytics/dashboards/items.html", context)
