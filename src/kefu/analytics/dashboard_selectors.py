"""What the dashboards show: figures from the metric dictionary, compared with target and the
previous period, the records behind each one, and control charts. Reads only.

Every figure is asked through `metrics.queries` (the API's own path), so a dashboard, the API
and a report cannot disagree, and scoping is the dictionary's: a client's users see their
client only, an agent (no `VIEW_TEAM_METRICS`) sees their own figures whatever they ask.

A *team* is the group of agents serving one queue (routing's skills decide who): Kefu keeps no
team records yet, and a queue is what the client buys service levels for, so the team figures
are the client's figures filtered by queue.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kefu.analytics import spc
from kefu.analytics.dashboard_targets import Target, targets_for
from kefu.analytics.metrics import compute, queries, timezones
from kefu.analytics.metrics.dictionary import HIGHER, LOWER, METRICS, Metric
from kefu.analytics.models import ContactEvent, EventType
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core import clock
from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import OrgKind, Scope
from kefu.tenancy import selectors as tenancy_selectors

# The cards of a client's dashboard, in reading order (volume, speed, outcome, satisfaction).
CLIENT_METRICS = (
    "offered", "handled", "answer_rate", "service_level", "first_response_time", "next_response_time",
    "aht", "resolution_rate", "fcr", "reopen_rate", "escalation_rate", "complaint_rate", "csat", "nps",
    "abandon_rate", "contacts_per_agent_day", "sla_compliance", "conversion_rate", "occupancy", "utilisation",
    "concurrency", "adherence", "qa_score", "autoqa_score",
)  # fmt: skip
# One line per client on the provider's operations page.
OVERVIEW_METRICS = (
    "offered", "answer_rate", "service_level", "first_response_time", "csat", "escalation_rate",
)  # fmt: skip
# What a client's home page opens with.
HOME_METRICS = (
    "offered", "answer_rate", "service_level", "first_response_time", "resolution_rate", "escalation_rate",
    "csat", "complaint_rate",
)  # fmt: skip
# Today's strip, refreshed while the page is open.
TODAY_METRICS = ("offered", "handled", "answer_rate", "first_response_time", "csat")
# An agent's KPI card: every figure kept per person.
AGENT_METRICS = (
    "handled", "asa", "first_response_time", "next_response_time", "aht", "fcr", "reopen_rate", "csat",
    "nps", "contacts_per_agent_day", "occupancy", "utilisation", "concurrency", "adherence",
)  # fmt: skip
# Control charts per team, with the chart each one gets (per-conversation values or a daily ratio).
SPC_METRICS = (
    ("aht", "xbar"),
    ("first_response_time", "xbar"),
    ("csat", "individuals"),
    ("qa_score", "xbar"),
    ("autoqa_score", "xbar"),  # kept apart from the human score: its own chart
)
INTERVALS = ("day", "week", "hour")
DEFAULT_DAYS = 14  # two weeks, so the previous period of equal length is inside the demo's four
PAGE_SIZE = 50


# --- periods -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Calendar days `first`..`last` of the client's time zone, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def includes(self, day: date) -> bool:
        return self.first <= day <= self.last


def client_today(client_id: int) -> date:
    return clock.now().astimezone(timezones.client_time_zone(client_id)).date()


def period_from(client_id: int, date_from: str | None, date_to: str | None) -> Period:
    """The period a page asks for; the last four weeks up to today when it names none."""
    today = client_today(client_id)
    try:
        last = date.fromisoformat(date_to) if date_to else today
        first = date.fromisoformat(date_from) if date_from else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise Invalid(_("Give a date as YYYY-MM-DD."), field="from") from None
    if first > last:
        raise Invalid(_("The period ends before it starts."), field="to")
    if (last - first).days + 1 > compute.MAX_DAYS:
        raise Invalid(
            _("A period can be at most %(days)s days long.") % {"days": compute.MAX_DAYS}, field="to"
        )
    return Period(first, last)


# --- figures -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    metric: Metric
    value: float | None
    count: int
    previous: float | None
    target: Target | None
    params: dict[str, Any]  # the question, as the drill-down's query string
    median: float | None = None
    series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_is_better(self) -> bool | None:
        """Did it move the good way? None when it did not move or has no good direction."""
        return _better(self.metric, self.change, 0.0)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return _better(self.metric, self.value, self.target.value, or_equal=True)


def _better(metric: Metric, value: float | None, than: float, *, or_equal: bool = False) -> bool | None:
    if value is None or (value == than and not or_equal):
        return None
    if metric.direction == HIGHER:
        return value >= than
    if metric.direction == LOWER:
        return value <= than
    return None


@dataclass(frozen=True)
class Unavailable:
    metric: Metric

    @property
    def reason(self) -> str:
        return str(self.metric.unavailable_reason or "")


@dataclass(frozen=True)
class Dashboard:
    client_id: int
    client_name: str
    period: Period
    interval: str
    queue: str
    agent_id: int | None
    tz: ZoneInfo
    figures: list[Figure]
    unavailable: list[Unavailable]

    @property
    def previous(self) -> Period:
        return self.period.previous()

    def figure(self, metric_id: str) -> Figure | None:
        return next((f for f in self.figures if f.metric.id == metric_id), None)


def sees_team(scope: Scope) -> bool:
    """Everybody's figures (a team lead, a client's manager), not only one's own."""
    return scope.has(AnalyticsPerm.VIEW_TEAM_METRICS)


def client_get(scope: Scope, *, client_id: int) -> tuple[int, str]:
    """A client the actor may read figures of: (id, name); anyone else's is not found."""
    scope.require(AnalyticsPerm.VIEW_METRICS)
    organization = (
        tenancy_selectors.organization_list(scope).filter(pk=client_id, kind=OrgKind.CLIENT).first()
    )
    if organization is None or not (scope.all_tenants or client_id in scope.client_ids):
        raise NotFound(_("Unknown client."), field="client")
    return organization.pk, organization.name


def client_list(scope: Scope) -> list[tuple[int, str]]:
    """The clients whose figures the actor reads (a provider's clients, a client itself)."""
    scope.require(AnalyticsPerm.VIEW_METRICS)
    rows = tenancy_selectors.organization_list(scope).filter(kind=OrgKind.CLIENT)
    if not scope.all_tenants:
        rows = rows.filter(pk__in=scope.client_ids)
    return list(rows.order_by("name").values_list("pk", "name"))


@dataclass(frozen=True)
class _Question:
    """A figure asked: its period and the previous one of equal length, and its target."""

    query: queries.MetricQuery
    earlier: queries.MetricQuery
    target: Target | None


def _question(
    scope: Scope,
    *,
    metric_id: str,
    client_id: int,
    period: Period,
    queue: str,
    agent_id: int | None,
    interval: str | None,
    targets: dict[str, Target],
) -> _Question:
    target = targets.get(metric_id)
    threshold = target.threshold_s if target is not None else None
    query = queries.metric_query(
        scope,
        metric_id=metric_id,
        client_id=client_id,
        date_from=period.first,
        date_to=period.last,
        queue=queue,
        agent_id=agent_id,
        interval=interval,
        threshold_s=threshold,
    )
    before = period.previous()  # checked with the question: the same filters, another period
    earlier = dataclasses.replace(query, first=before.first, last=before.last, interval=None)
    return _Question(query, earlier, target)


def _figures(scope: Scope, asked: list[_Question]) -> list[Figure]:
    """Every figure of a page from one view of the rollups (each period and the previous one);
    the median, which only the records give, is on each figure's drill-down."""
    values = queries.metric_values(scope, [q for a in asked for q in (a.query, a.earlier)], median=False)
    figures = []
    for n, question in enumerate(asked):
        now, before = values[2 * n], values[2 * n + 1]
        params = question.query.params()
        params.pop("interval", None)
        figures.append(
            Figure(
                metric=question.query.metric,
                value=now.result.value,
                count=now.result.count,
                previous=before.result.value,
                target=question.target,
                params=params,
                median=now.result.median,
                series=now.result.series,
            )
        )
    return figures


def figure_get(
    scope: Scope,
    *,
    metric_id: str,
    client_id: int,
    period: Period,
    queue: str = "",
    agent_id: int | None = None,
    interval: str | None = None,
    targets: dict[str, Target] | None = None,
) -> Figure:
    """One figure, its value in the previous period of equal length, and its target."""
    question = _question(
        scope,
        metric_id=metric_id,
        client_id=client_id,
        period=period,
        queue=queue,
        agent_id=agent_id,
        interval=interval,
        targets=targets if targets is not None else targets_for(client_id, queue),
    )
    return _figures(scope, [question])[0]


def _visible_metrics(scope: Scope, metric_ids: tuple[str, ...], *, agent_id: int | None) -> list[Metric]:
    own_only = not sees_team(scope) or agent_id is not None
    return [METRICS[m] for m in metric_ids if not own_only or "agent" in METRICS[m].filters]


def client_dashboard(
    scope: Scope,
    *,
    client_id: int,
    period: Period,
    interval: str = "day",
    queue: str = "",
    agent_id: int | None = None,
    metric_ids: tuple[str, ...] = CLIENT_METRICS,
) -> Dashboard:
    """A client's figures (of one team with `queue`, of one agent with `agent_id`; an agent
    without the team permission always gets their own)."""
    client, name = client_get(scope, client_id=client_id)
    if interval not in INTERVALS:
        raise Invalid(_("Unknown interval."), field="interval")
    if not sees_team(scope):
        agent_id = scope.user_id
    targets = targets_for(client, queue)
    asked: list[_Question] = []
    unavailable = []
    for metric in _visible_metrics(scope, metric_ids, agent_id=agent_id):
        if not metric.available:
            unavailable.append(Unavailable(metric))
            continue
        asked.append(
            _question(
                scope,
                metric_id=metric.id,
                client_id=client,
                period=period,
                queue=queue,
                agent_id=agent_id if "agent" in metric.filters else None,
                interval=interval if interval in metric.intervals else None,  # agent-days: no hours
                targets=targets,
            )
        )
    figures = _figures(scope, asked)
    unavailable += [Unavailable(m) for m in METRICS.values() if not m.available and m.id not in metric_ids]
    return Dashboard(
        client_id=client,
        client_name=name,
        period=period,
        interval=interval,
        queue=queue,
        agent_id=agent_id,
        tz=timezones.client_time_zone(client),
        figures=figures,
        unavailable=unavailable,
    )


def today_dashboard(
    scope: Scope, *, client_id: int, queue: str = "", agent_id: int | None = None
) -> Dashboard:
    """Today's figures so far, compared with yesterday (the whole day)."""
    today = client_today(client_id)
    metric_ids = TODAY_METRICS if agent_id is None and sees_team(scope) else AGENT_METRICS[:5]
    return client_dashboard(
        scope,
        client_id=client_id,
        period=Period(today, today),
        interval="hour",
        queue=queue,
        agent_id=agent_id,
        metric_ids=metric_ids,
    )


def home_dashboard(scope: Scope) -> Dashboard | None:
    """A client's home opens with its own figures (the headline ones, for the default period);
    None for everybody else (providers have the operations page, agents their own card)."""
    if not scope.is_client or not scope.has(AnalyticsPerm.VIEW_TEAM_METRICS) or scope.client_id is None:
        return None
    client_id = scope.client_id
    return client_dashboard(
        scope,
        client_id=client_id,
        period=period_from(client_id, None, None),
        metric_ids=HOME_METRICS,
    )


@dataclass(frozen=True)
class OverviewRow:
    client_id: int
    client_name: str
    figures: list[Figure]


def provider_overview(scope: Scope, *, period: Period) -> list[OverviewRow]:
    """The operations page: the headline figures of every client the actor serves."""
    rows = []
    for client_id, name in client_list(scope):
        dashboard = client_dashboard(
            scope, client_id=client_id, period=period, interval="day", metric_ids=OVERVIEW_METRICS
        )
        rows.append(OverviewRow(client_id, name, dashboard.figures))
    return rows


# --- pickers -----------------------------------------------------------------------------------------------
def queue_names(scope: Scope, *, client_id: int) -> list[str]:
    """The client's teams: the queues its contacts were offered to (from the event log)."""
    client_get(scope, client_id=client_id)
    names = (
        ContactEvent.objects.for_scope(scope)
        .filter(client_id=client_id, type=EventType.OFFERED)
        .exclude(queue="")
        .order_by()
        .values_list("queue", flat=True)
        .distinct()
    )
    return sorted({name for name in names if name})


def agent_choices(scope: Scope, *, client_id: int, period: Period, queue: str = "") -> list[tuple[int, str]]:
    """The people who replied to the client's customers in the period: (id, name), by name.
    Only for those who read everybody's figures; an agent picks nobody."""
    client_get(scope, client_id=client_id)
    if not sees_team(scope):
        return []
    start, end = compute.period_bounds(period.first, period.last, timezones.client_time_zone(client_id))
    events = ContactEvent.objects.for_scope(scope).filter(
        client_id=client_id, type=EventType.MESSAGE_OUT, agent__isnull=False, at__gte=start, at__lt=end
    )
    if queue:
        events = events.filter(queue=queue)
    ids = set(events.order_by().values_list("agent_id", flat=True).distinct())
    users = get_user_model().objects.filter(pk__in=ids)
    return sorted(((u.pk, _person(u)) for u in users), key=lambda row: row[1])


def agent_name(scope: Scope, *, client_id: int, agent_id: int) -> str:
    """The name of an agent whose figures the actor may read (checked by the dictionary's rule)."""
    today = client_today(client_id)
    queries.metric_query(
        scope, metric_id="handled", client_id=client_id, date_from=today, date_to=today, agent_id=agent_id
    )
    user = get_user_model().objects.filter(pk=agent_id).first()
    if user is None:
        raise NotFound(_("Unknown agent."), field="agent")
    return _person(user)


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


# --- drill-down -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drilldown:
    metric: Metric
    client_id: int
    client_name: str
    period: Period
    tz: ZoneInfo
    items: list[compute.Item]  # this page
    total_items: int
    totals: compute.Totals  # of every item (all pages)
    value: float | None
    page: int
    pages: int
    bucket: str = ""
    median: float | None = None  # of every item, for the metrics that report one


def drilldown(
    scope: Scope,
    *,
    metric_id: str,
    client_id: int,
    period: Period,
    queue: str = "",
    agent_id: int | None = None,
    threshold_s: float | None = None,
    interval: str | None = None,
    bucket: str = "",
    page: int = 1,
) -> Drilldown:
    """The records behind a figure (of one chart point with `interval` and `bucket`, the bucket's
    local start as the series gives it): their totals give the figure's value exactly."""
    client, name = client_get(scope, client_id=client_id)
    query = queries.metric_query(
        scope,
        metric_id=metric_id,
        client_id=client,
        date_from=period.first,
        date_to=period.last,
        queue=queue,
        agent_id=agent_id,
        threshold_s=threshold_s,
    )
    items = queries.metric_items(scope, query)
    if bucket:
        if interval not in compute.INTERVALS:
            raise Invalid(_("Unknown interval."), field="interval")
        items = [
            i
            for i in items
            if compute.bucket_of(i.at, interval, query.tz).replace(tzinfo=query.tz).isoformat() == bucket
        ]
    totals = compute.totals_of(items)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Drilldown(
        metric=query.metric,
        client_id=client,
        client_name=name,
        period=period,
        tz=query.tz,
        items=items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total_items=len(items),
        totals=totals,
        value=compute.value_of(query.metric.kind, totals),
        page=page,
        pages=pages,
        bucket=bucket,
        median=compute.median_of(items) if query.metric.median else None,
    )


# --- control charts ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ControlChart:
    metric: Metric
    kind: str  # "xbar" | "individuals"
    days: list[date]
    counts: list[int]
    chart: spc.Chart | None  # None: the metric is not available yet

    def as_json(self) -> dict[str, Any]:
        """The chart's data for the page's script (json_script)."""
        if self.chart is None:
            return {}
        return {
            "metric": self.metric.id,
            "days": [d.isoformat() for d in self.days],
            "centre": self.chart.centre,
            "values": [p.value for p in self.chart.points],
            "ucl": [_clamp(p.ucl, self.metric.unit) for p in self.chart.points],
            "lcl": [_clamp(p.lcl, self.metric.unit) for p in self.chart.points],
            "rules": [list(p.rules) for p in self.chart.points],
            "counts": self.counts,
        }


def _clamp(limit: float | None, unit: str) -> float | None:
    """A limit drawn inside the values the metric can take (no time below 0, no share above 100 %);
    the rules are judged on the computed limits, which no value can cross from that side anyway."""
    if limit is None:
        return None
    limit = max(limit, 0.0)
    return min(limit, 100.0) if unit == "%" else limit


def control_charts(scope: Scope, *, client_id: int, period: Period, queue: str = "") -> list[ControlChart]:
    """Daily control charts of the team's AHT, first response time, CSAT, QA score and auto-QA
    score: per-record values as daily subgroups (X-bar) for the times and the scores (one value
    per review, per auto-scored conversation), the day's share for CSAT (individuals chart)."""
    client, _name = client_get(scope, client_id=client_id)
    tz = timezones.client_time_zone(client)
    days = [period.first + timedelta(days=n) for n in range(period.days)]
    charts = []
    for metric_id, kind in SPC_METRICS:
        metric = METRICS[metric_id]
        if not metric.available:
            charts.append(ControlChart(metric, kind, days, [], None))
            continue
        query = queries.metric_query(
            scope,
            metric_id=metric_id,
            client_id=client,
            date_from=period.first,
            date_to=period.last,
            queue=queue,
        )
        by_day: dict[date, list[compute.Item]] = defaultdict(list)
        for item in queries.metric_items(scope, query):
            by_day[item.at.astimezone(tz).date()].append(item)
        counts = [len(by_day[d]) for d in days]
        if kind == "xbar":
            chart = spc.xbar_chart(
                [[i.numerator / i.denominator for i in by_day[d] if i.denominator] for d in days]
            )
        else:
            chart = spc.individuals_chart(
                [compute.value_of(metric.kind, compute.totals_of(by_day[d])) for d in days]
            )
        charts.append(ControlChart(metric, kind, days, counts, chart))
    return charts
