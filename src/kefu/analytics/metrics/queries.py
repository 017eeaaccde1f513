"""Scoped reads behind every figure: check the question, fetch one row per record, apply the formula.

`metric_query` checks a question (metric, client, dates, filters, interval) against the
dictionary and the actor's scope; `metric_items` fetches the records behind the value and
`metric_value` aggregates them with `compute`. Reads only (selectors never write).

The database does the grouping: each anchor query selects the events that put a conversation
into the period (over the `(provider, client, type, at)` index) and adds the facts the formula
needs as correlated subqueries on the conversation's events (the `(conversation_id, at)`
index), so Python receives one row per conversation, never the event stream; only
`next_response_time` reads the message events of the conversations concerned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.analytics import rollup_selectors
from kefu.analytics.metrics import compute, dictionary, facts, quality_queries, sources, timezones, workday
from kefu.analytics.metrics.dictionary import METRICS, Metric
from kefu.analytics.models import ContactEvent, EventType
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.tenancy import selectors as tenancy_selectors

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHANNELS = ("chat", "email", "phone", "api")


class MetricUnavailable(Invalid):
    """The dictionary defines the metric but the data it needs is not recorded yet (422)."""

    code = "metric_unavailable"
    default_message = gettext_lazy("This figure cannot be computed yet.")


@dataclass(frozen=True)
class MetricQuery:
    """A checked question: which figure, for which client and period, with which filters."""

    metric: Metric
    client_id: int
    first: date
    last: date
    tz: ZoneInfo
    queue: str = ""
    channel: str = ""
    agent_id: int | None = None
    interval: str | None = None
    threshold_s: float | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return compute.period_bounds(self.first, self.last, self.tz)

    def params(self) -> dict[str, Any]:
        """The query string that asks this question again (the drill-down link)."""
        found: dict[str, Any] = {
            "client": self.client_id,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
        }
        for name, value in (
            ("queue", self.queue),
            ("channel", self.channel),
            ("agent", self.agent_id),
            ("interval", self.interval),
            ("threshold_s", self.threshold_s),
        ):
            if value not in (None, ""):
                found[name] = value
        return found


@dataclass(frozen=True)
class MetricValue:
    query: MetricQuery
    result: compute.Result


# --- the question ------------------------------------------------------------------------------------
def metric_get(metric_id: str) -> Metric:
    metric = METRICS.get(metric_id)
    if metric is None:
        raise NotFound(_("There is no metric %(id)s.") % {"id": metric_id[:60]}, field="metric")
    return metric


def _date(value: str | date | None, field: str) -> date:
    if isinstance(value, date):
        return value
    if not value or not DATE.match(value):
        raise Invalid(_("Give a date as YYYY-MM-DD."), field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("This date does not exist."), field=field) from None


def _client(scope: Scope, client_id: int | None) -> int:
    if client_id is None:
        if not scope.all_tenants and len(scope.client_ids) == 1:
            return next(iter(scope.client_ids))
        raise Invalid(_("Choose a client."), field="client")
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client")
    return client_id


def _agent(scope: Scope, client_id: int, agent_id: int) -> int:
    """An agent filter names a member of the client or of a provider the actor sees serving it;
    anybody else is not found (the same answer as an id that exists nowhere)."""
    user = get_user_model().objects.filter(pk=agent_id).first()
    if user is not None:
        organizations = {client_id} | set(scope.provider_ids)
        if scope.all_tenants:
            return agent_id
        if (
            tenancy_selectors.membership_list_for_user(user)
            .filter(organization_id__in=organizations)
            .exists()
        ):
            return agent_id
    raise NotFound(_("Unknown agent."), field="agent")


def metric_query(
    scope: Scope,
    *,
    metric_id: str,
    client_id: int | None,
    date_from: str | date | None,
    date_to: str | date | None,
    queue: str = "",
    channel: str = "",
    agent_id: int | None = None,
    interval: str | None = None,
    threshold_s: float | None = None,
) -> MetricQuery:
    """Check a question; errors name the field at fault (documented in docs/metrics.md)."""
    scope.require(AnalyticsPerm.VIEW_METRICS)
    metric = metric_get(metric_id)
    client = _client(scope, client_id)
    if not metric.available:
        raise MetricUnavailable(metric.unavailable_reason)
    first, last = _date(date_from, "from"), _date(date_to, "to")
    if first > last:
        raise Invalid(_("The period ends before it starts."), field="to")
    days = (last - first).days + 1
    if days > compute.MAX_DAYS:
        raise Invalid(
            _("A period can be at most %(days)s days long.") % {"days": compute.MAX_DAYS}, field="to"
        )
    if interval:
        if interval not in metric.intervals:
            raise Invalid(
                _("The interval must be one of: %(intervals)s.") % {"intervals": ", ".join(metric.intervals)},
                field="interval",
            )
        longest = compute.MAX_DAYS_BY_INTERVAL.get(interval)
        if longest is not None and days > longest:
            raise Invalid(
                _("With this interval a period can be at most %(days)s days long.") % {"days": longest},
                field="interval",
            )
    if channel and channel not in CHANNELS:
        raise Invalid(_("Unknown channel."), field="channel")
    if len(queue) > 60:
        raise Invalid(_("Unknown queue."), field="queue")
    if threshold_s is not None:
        if "threshold_s" not in metric.params:
            raise Invalid(_("This metric takes no threshold."), field="threshold_s")
        if not 0 <= threshold_s <= 86_400:
            raise Invalid(_("The threshold must be between 0 and 86,400 seconds."), field="threshold_s")
    if not scope.has(AnalyticsPerm.VIEW_TEAM_METRICS):  # one's own figures only
        if "agent" not in metric.filters:
            raise PermissionDenied(_("This figure is kept for the whole team, not per person."))
        agent_id = scope.user_id
    if agent_id is not None and "agent" not in metric.filters:
        raise Invalid(_("This metric cannot be filtered by agent."), field="agent")
    if agent_id is not None:
        agent_id = _agent(scope, client, agent_id)
    return MetricQuery(
        metric=metric,
        client_id=client,
        first=first,
        last=last,
        tz=timezones.client_time_zone(client),
        queue=queue,
        channel=channel,
        agent_id=agent_id,
        interval=interval or None,
        threshold_s=threshold_s,
    )


# --- the records -------------------------------------------------------------------------------------------
def _events(scope: Scope, query: MetricQuery) -> QuerySet[ContactEvent]:
    return ContactEvent.objects.for_scope(scope).filter(client_id=query.client_id)


def _anchor(scope: Scope, query: MetricQuery, type: str) -> QuerySet[ContactEvent]:
    start, end = query.bounds
    events = _events(scope, query).filter(type=type, at__gte=start, at__lt=end)
    if query.queue:
        events = events.filter(queue=query.queue)
    if query.channel:
        events = events.filter(channel=query.channel)
    return events


NEEDS = facts.NEEDS  # the facts each metric's formula reads (kept here for older callers)


def metric_slice(query: MetricQuery) -> facts.Slice:
    """The anchor events a question selects (the agent filter narrows the anchor itself only
    where the anchor's agent is the metric's agent: the resolver, the surveyed assignee)."""
    start, end = query.bounds
    by_anchor = query.metric.anchor in (dictionary.FIRST_RESOLVED, dictionary.SURVEY)
    return facts.Slice(
        client_id=query.client_id,
        start=start,
        end=end,
        queue=query.queue,
        channel=query.metric.channel or query.channel,
        agent_id=query.agent_id if by_anchor else None,
    )


def metric_facts(scope: Scope, query: MetricQuery) -> list[compute.Facts]:
    """One row per conversation in the period for the metric's anchor, with what it needs."""
    metric = query.metric
    if metric.anchor not in facts.ANCHOR_TYPES:
        raise ValueError(metric.anchor)
    rows = facts.anchor_facts(
        scope, metric_slice(query), anchor=metric.anchor, needs=NEEDS.get(metric.id, set())
    )
    return [fact for _dims, fact in rows]


def _messages(scope: Scope, query: MetricQuery) -> list[compute.Message]:
    """The `in` and person `out` events of conversations with a customer message in the period."""
    cohort = _anchor(scope, query, EventType.MESSAGE_IN).values("conversation_id")
    events = (
        _events(scope, query)
        .filter(conversation_id__in=cohort)
        .filter(Q(type=EventType.MESSAGE_IN) | Q(type=EventType.MESSAGE_OUT, agent__isnull=False))
        .order_by("conversation_id", "at", "id")
        .values_list("conversation_id", "at", "type", "agent_id")
    )
    return [
        compute.Message(cid, at, "in" if type == EventType.MESSAGE_IN else "out", agent)
        for cid, at, type, agent in events.iterator(chunk_size=5000)
    ]


def _agent_day_replies(scope: Scope, query: MetricQuery) -> QuerySet[ContactEvent]:
    """The period's person replies, each with its local day (the client's time zone)."""
    replies = _anchor(scope, query, EventType.MESSAGE_OUT).filter(agent__isnull=False)
    if query.agent_id is not None:
        replies = replies.filter(agent_id=query.agent_id)
    return replies.annotate(day=TruncDate("at", tzinfo=query.tz)).order_by()


def _agent_days(scope: Scope, query: MetricQuery) -> list[tuple[int, date, int]]:
    return list(_agent_day_replies(scope, query).values_list("agent_id", "day", "conversation_id").distinct())


def _agent_day_counts(scope: Scope, query: MetricQuery) -> list[tuple[int, date, int]]:
    """(agent, local day, distinct conversations replied to): one row per agent-day, counted in
    the database, so the value never fetches the replies (the drill-down lists them)."""
    return list(
        _agent_day_replies(scope, query)
        .values("agent_id", "day")
        .annotate(conversations=Count("conversation_id", distinct=True))
        .values_list("agent_id", "day", "conversations")
    )


# How far back the holds and SLA timers of a period look for their conversations' events: a
# conversation assigned (or a timer started) longer before the period, with no event since, is
# not seen (docs/metrics.md, "Presence" and "SLA compliance").
LOOK_BACK = timedelta(days=31)


def _holds(scope: Scope, query: MetricQuery) -> tuple[list[workday.Hold], dict[int, int]]:
    """Who held which of the client's conversations over the period, and each agent's provider
    (from the assignment events: the serving provider whose presence history counts)."""
    start, end = query.bounds
    rows = (
        _events(scope, query)
        .filter(type__in=sorted(workday.HOLD_TYPES), at__gte=start - LOOK_BACK, at__lt=end)
        .order_by("conversation_id", "at", "id")
        .values_list("conversation_id", "at", "type", "agent_id", "provider_id")
    )
    events, providers = [], {}
    for cid, at, type, agent, provider in rows.iterator(chunk_size=5000):
        events.append(workday.HoldEvent(cid, at, type, agent))
        if agent is not None and provider is not None:
            providers[agent] = provider
    return workday.holds(events, until=min(end, clock.now())), providers


def _presence_items(scope: Scope, query: MetricQuery) -> list[compute.Item]:
    """Agent-days of the agents who held or answered the client's conversations that day."""
    held, providers = _holds(scope, query)
    days = sources.local_days(query.first, query.last, query.tz)
    worked: set[tuple[int, date]] = set()
    for day, day_start, day_end in days:
        worked |= {(h.agent_id, day) for h in held if h.start < day_end and h.end > day_start}
    replies = (
        _anchor(scope, query, EventType.MESSAGE_OUT)
        .filter(agent__isnull=False)
        .annotate(day=TruncDate("at", tzinfo=query.tz))
        .order_by()
        .values_list("agent_id", "day", "provider_id")
        .distinct()
    )
    for agent, day, provider in replies:
        worked.add((agent, day))
        providers.setdefault(agent, provider)
    if query.agent_id is not None:
        worked = {(agent, day) for agent, day in worked if agent == query.agent_id}
    by_provider: dict[int, set[int]] = {}
    for agent, _day in worked:
        if agent in providers:
            by_provider.setdefault(providers[agent], set()).add(agent)
    found = [
        presence
        for provider, agents in sorted(by_provider.items())
        for presence in sources.presence_days(provider, agents, days)
        if (presence.agent_id, presence.day) in worked
    ]
    return workday.presence_items(query.metric.id, found, held)


def _sla_items(scope: Scope, query: MetricQuery) -> list[compute.Item]:
    """The decided SLA timers of the client's conversations with an event since `LOOK_BACK`
    before the period (the desk's replay decides them)."""
    start, end = query.bounds
    conversations = (
        _events(scope, query)
        .filter(at__gte=start - LOOK_BACK, at__lt=end)
        .order_by()
        .values_list("conversation_id", flat=True)
        .distinct()
    )
    outcomes = sources.sla_outcomes(query.client_id, list(conversations), min(end, clock.now()))
    return workday.sla_items(outcomes, start=start, end=end)


def metric_items(scope: Scope, query: MetricQuery) -> list[compute.Item]:
    """The records behind the value, in time order: aggregating them gives the value exactly."""
    metric = query.metric
    if metric.anchor == dictionary.PRESENCE_DAY:
        items = _presence_items(scope, query)
    elif metric.anchor == dictionary.SLA_TIMERS:
        items = _sla_items(scope, query)
    elif metric.anchor == dictionary.MESSAGES:
        start, end = query.bounds
        items = compute.next_response_items(
            _messages(scope, query), start=start, end=end, agent_id=query.agent_id
        )
    elif metric.anchor == dictionary.AGENT_DAY:
        items = compute.agent_day_items(_agent_days(scope, query), query.tz)
    elif metric.anchor == dictionary.REVIEWS:
        items = quality_queries.qa_score_items(scope, query)
    elif metric.anchor == dictionary.AUTOQA:
        items = quality_queries.autoqa_score_items(scope, query)
    else:
        items = compute.items_for(
            metric.id, metric_facts(scope, query), agent_id=query.agent_id, threshold_s=query.threshold_s
        )
    return sorted(items, key=lambda item: (item.at, item.key))


def metric_value(scope: Scope, query: MetricQuery, *, median: bool = True) -> MetricValue:
    """The figure: summed from the 15-minute rollups plus the events not folded yet when the
    metric is additive (`Metric.rolls_up`), else from the events; both give the same value.
    `median=False` skips the median of `asa`, `first_response_time` and `aht`, which only the
    events can give, so those figures can be read from the rollups too."""
    if rollup_selectors.can_read(query, median=median):
        result = rollup_selectors.rolled_result(scope, query)
        if result is not None:
            return MetricValue(query=query, result=result)
    return metric_value_from_events(scope, query, median=median)


def metric_values(scope: Scope, asked: list[MetricQuery], *, median: bool = True) -> list[MetricValue]:
    """Several figures of one client (a dashboard's, each in its period and the previous one):
    the additive ones from one view of the rollups (`rollup_selectors.rolled_results`), the
    others from the events; in the order asked, each equal to what `metric_value` gives."""
    found: dict[int, MetricValue] = {}
    rolled = [n for n, query in enumerate(asked) if rollup_selectors.can_read(query, median=median)]
    by_client: dict[int, list[int]] = {}
    for n in rolled:
        by_client.setdefault(asked[n].client_id, []).append(n)
    for numbers in by_client.values():
        results = rollup_selectors.rolled_results(scope, [asked[n] for n in numbers])
        if results is not None:
            found.update(
                {n: MetricValue(query=asked[n], result=r) for n, r in zip(numbers, results, strict=True)}
            )
    return [
        found[n] if n in found else metric_value_from_events(scope, query, median=median)
        for n, query in enumerate(asked)
    ]


def metric_value_from_events(scope: Scope, query: MetricQuery, *, median: bool = True) -> MetricValue:
    """The figure recomputed from the events alone (what `kefu analytics check` compares with);
    agent-days are counted in the database (the items without their conversations' ids)."""
    if query.metric.anchor == dictionary.AGENT_DAY:
        items = compute.agent_day_count_items(_agent_day_counts(scope, query), query.tz)
    else:
        items = metric_items(scope, query)
    result = compute.result_of(
        query.metric.kind,
        items,
        first=query.first,
        last=query.last,
        tz=query.tz,
        interval=query.interval,
        with_median=query.metric.median and median,
        count_items=query.metric.count_items,
    )
    return MetricValue(query=query, result=result)


def metric_list() -> list[Metric]:
    """The dictionary, in its order."""
    return list(METRICS.values())
