"""The figures of a report, read from the event log, the metric dictionary and the desk's records.

`daily_figures` is the daily report agreed with the client (seed 003: contacts received, orders
from chats, every after-sales record) plus the dictionary's key figures; `monthly_review` is
target against actual for every service-level target of the client. Both return JSON-safe
dicts: the archive stores them as they are (the snapshot), pages and exports render them.
Reads only; every read goes through the caller's scope.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import translation

from kefu.analytics import chain_selectors
from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics import compute, queries, timezones
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.routing import selectors as routing_selectors

CHANNELS = ("chat", "email", "phone", "api")
KEY_METRICS = (
    "offered",
    "handled",
    "answer_rate",
    "abandon_rate",
    "asa",
    "service_level",
    "first_response_time",
    "aht",
    "resolution_rate",
    "escalation_rate",
    "reopen_rate",
    "csat",
    "complaint_rate",
    "contacts_per_agent_day",
)
CASE_EVENTS = {
    "case_opened": "opened",
    "case_status": "status",
    "case_resolved": "resolved",
    "case_linked": "linked",
}
SLA_TIMERS = ("first_response", "next_response", "resolution", "l2_resolution")
BREACHES_LISTED = 200  # per target; the count is always complete


def _bilingual(text: object) -> dict[str, str]:
    found = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found[language] = str(text)
    return found


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _figure(scope: Scope, client_id: int, first: date, last: date, metric_id: str, **filters: Any) -> Any:
    query = queries.metric_query(
        scope, metric_id=metric_id, client_id=client_id, date_from=first, date_to=last, **filters
    )
    return queries.metric_value(scope, query)


def _metric_entries(
    scope: Scope, client_id: int, first: date, last: date, metric_ids: tuple[str, ...], *, median: bool = True
) -> list[dict[str, Any]]:
    """The key figures of a period, the additive ones from one view of the rollups."""
    entries: dict[str, dict[str, Any]] = {}
    asked = []
    for metric_id in metric_ids:
        metric = queries.metric_get(metric_id)
        entries[metric_id] = {
            "id": metric.id,
            "name": _bilingual(metric.name),
            "definition": _bilingual(metric.definition),
            "formula": metric.formula,
            "unit": metric.unit,
            "direction": metric.direction,
            "value": None,
            "count": 0,
            "median": None,
        }
        try:
            asked.append(
                queries.metric_query(
                    scope, metric_id=metric_id, client_id=client_id, date_from=first, date_to=last
                )
            )
        except queries.MetricUnavailable as exc:
            entries[metric_id]["unavailable"] = _bilingual(exc.message)
    for found in queries.metric_values(scope, asked, median=median):
        result = found.result
        entries[found.query.metric.id].update(
            value=_round(result.value), count=result.count, median=_round(result.median)
        )
    return [entries[m] for m in metric_ids]


# --- the daily report ----------------------------------------------------------------------------
def _contacts(scope: Scope, client_id: int, day: date, tz: ZoneInfo) -> dict[str, Any]:
    total = _figure(scope, client_id, day, day, "offered").result.count
    by_channel = []
    for channel in CHANNELS:
        count = _figure(scope, client_id, day, day, "offered", channel=channel).result.count
        if count:
            by_channel.append({"channel": channel, "count": count})
    start, end = compute.period_bounds(day, day, tz)
    names = (
        analytics_selectors.contact_event_list(scope, type="offered")
        .filter(client_id=client_id, at__gte=start, at__lt=end)
        .exclude(queue=None)
        .exclude(queue="")
        .order_by("queue")
        .values_list("queue", flat=True)
        .distinct()
    )
    by_queue = []
    for name in names:
        count = _figure(scope, client_id, day, day, "offered", queue=name).result.count
        by_queue.append({"queue": name, "count": count})
    queued = sum(row["count"] for row in by_queue)
    if total > queued:
        by_queue.append({"queue": "", "count": total - queued})
    return {"total": total, "by_channel": by_channel, "by_queue": by_queue}


def _orders(scope: Scope, client_id: int, day: date, tz: ZoneInfo) -> dict[str, Any]:
    """Conversations of the day (created that day) with an order linked to them."""
    start, end = compute.period_bounds(day, day, tz)
    rows = (
        desk_selectors.conversation_list(
            scope, filters=desk_selectors.ConversationFilter(client_id=client_id)
        )
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
    )
    items = []
    total = Decimal(0)
    for c in rows:
        if not c.order_numbers:
            continue
        total += c.order_value or Decimal(0)
        items.append(
            {
                "conversation_id": c.pk,
                "created_at": _local(c.created_at, tz),
                "channel": c.channel,
                "queue": c.queue,
                "order_numbers": list(c.order_numbers),
                "order_value": _money(c.order_value),
                "agent": str(c.assignee) if c.assignee_id else "",
            }
        )
    return {"count": len(items), "value": _money(total), "items": items}


def _after_sales(scope: Scope, client_id: int, day: date, tz: ZoneInfo) -> dict[str, Any]:
    """Every case something happened to that day (opened, moved, resolved, a contact linked)."""
    start, end = compute.period_bounds(day, day, tz)
    happened: dict[int, list[str]] = {}
    events = (
        analytics_selectors.contact_event_list(scope)
        .filter(client_id=client_id, type__in=list(CASE_EVENTS), at__gte=start, at__lt=end)
        .exclude(case_id=None)
        .values_list("case_id", "type")
    )
    for case_id, type_ in events:
        what = happened.setdefault(case_id, [])
        if CASE_EVENTS[type_] not in what:
            what.append(CASE_EVENTS[type_])
    cases = desk_selectors.case_list(scope, filters=desk_selectors.CaseFilter(client_id=client_id)).filter(
        pk__in=list(happened)
    )
    items = [
        {
            "case_id": case.pk,
            "type": case.type,
            "status": case.status,
            "subject": case.subject,
            "order_number": case.order_number,
            "opened_at": _local(case.created_at, tz),
            "resolved_at": _local(case.resolved_at, tz) if case.resolved_at else None,
            "resolution_code": case.resolution_code,
            "amount": _money(case.amount),
            "conversation_ids": sorted(c.pk for c in case.conversations.all()),
            "today": happened[case.pk],
        }
        for case in sorted(cases, key=lambda c: c.pk)
    ]
    opened = sum(1 for item in items if "opened" in item["today"])
    resolved = sum(1 for item in items if "resolved" in item["today"])
    return {"count": len(items), "opened": opened, "resolved": resolved, "items": items}


def period_digests(scope: Scope, *, client_id: int, day: date) -> list[dict[str, Any]]:
    """The chain heads of `day` the scope sees (one per chain: the provider's, the client's own)."""
    return [
        {
            "chain": d.chain_key,
            "provider_id": d.provider_id,
            "date": d.date.isoformat(),
            "head": d.head_hash,
            "event_count": d.event_count,
            "chain_length": d.chain_length,
        }
        for d in chain_selectors.digest_list(scope, client_id=client_id, date_from=day, date_to=day).order_by(
            "chain_key"
        )
    ]


def day_has_events(scope: Scope, *, client_id: int, day: date) -> bool:
    start, end = compute.period_bounds(day, day, timezones.client_time_zone(client_id))
    return (
        analytics_selectors.contact_event_list(scope)
        .filter(client_id=client_id, at__gte=start, at__lt=end)
        .exists()
    )


def daily_figures(scope: Scope, *, client_id: int, day: date) -> dict[str, Any]:
    tz = timezones.client_time_zone(client_id)
    return {
        "kind": "daily",
        "date": day.isoformat(),
        "time_zone": tz.key,
        "contacts": _contacts(scope, client_id, day, tz),
        "orders": _orders(scope, client_id, day, tz),
        "after_sales": _after_sales(scope, client_id, day, tz),
        "metrics": _metric_entries(scope, client_id, day, day, KEY_METRICS),
    }


# --- the monthly KPI review ----------------------------------------------------------------------
def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _queue_question(scope: Scope, client_id: int, first: date, last: date, queue: Any) -> queries.MetricQuery:
    """A queue's service level at its own threshold (X % answered within Y s), day by day."""
    return queries.metric_query(
        scope,
        metric_id="service_level",
        client_id=client_id,
        date_from=first,
        date_to=last,
        queue=queue.name,
        threshold_s=float(queue.sl_target_seconds),
        interval="day",
    )


def _queue_target(queue: Any, figure: queries.MetricValue) -> dict[str, Any]:
    """A queue's service level against its target, day by day."""
    target = float(queue.sl_target_percent)
    # Each conversation counts 1 and scores 1 when answered in time, so the misses are the count
    # less the answered share; which conversations they are, the drill-down lists when opened.
    answered = round((figure.result.value or 0.0) * figure.result.count / 100)
    trend = [
        {
            "date": point["start"][:10],
            "value": _round(point["value"]),
            "count": point["count"],
            "met": None if point["value"] is None else point["value"] >= target,
        }
        for point in figure.result.series
    ]
    return {
        "kind": "service_level",
        "metric": "service_level",
        "name": queue.name,
        "queue": queue.name,
        "channel": queue.channel,
        "threshold_s": queue.sl_target_seconds,
        "target": target,
        "actual": _round(figure.result.value),
        "count": figure.result.count,
        "met": None if figure.result.value is None else figure.result.value >= target,
        "trend": trend,
        "breach_count": figure.result.count - answered,
        "breaches": [],
        "drilldown": {k: v for k, v in figure.query.params().items() if k != "interval"},
    }


def _policy_channels(policies: list[Any], policy: Any) -> list[str]:
    """A channel's own policy covers it; the catch-all (blank) covers the channels without one."""
    if policy.channel:
        return [policy.channel]
    own = {p.channel for p in policies if p.channel}
    return [c for c in CHANNELS if c not in own]


class _CohortRow(NamedTuple):
    """Offers of one channel and local day with the same escalation and breach flags, counted."""

    channel: str
    day: date
    escalated: bool
    missed: dict[str, bool]  # timer -> the conversation breached it
    count: int


def _breach_list(scope: Scope, client_id: int, start: datetime, kind: str) -> QuerySet[Any]:
    """A timer's breaches of the client's conversations whose timer started in the month or later."""
    return desk_selectors.sla_breach_list(scope, client_id=client_id).filter(kind=kind, started_at__gte=start)


def _cohort_offers(scope: Scope, client_id: int, start: datetime, end: datetime) -> QuerySet[Any]:
    return analytics_selectors.contact_event_list(scope, type="offered").filter(
        client_id=client_id, at__gte=start, at__lt=end
    )


def _escalated(scope: Scope, client_id: int) -> Exists:
    """Whether the offer's conversation was ever escalated to the client's L2 (the
    `escalation_rate` numerator), whenever that happened: a correlated `EXISTS` over the partial
    index of L2 escalations `(client, conversation_id)`, so no table row is read. PostgreSQL
    either probes it per offer or hashes the client's entries once, whichever it estimates
    cheaper (docs/reports.md, "How the review reads")."""
    return Exists(
        analytics_selectors.contact_event_list(scope, type="escalated").filter(
            client_id=client_id, data__tier="l2", conversation_id=OuterRef("conversation_id")
        )
    )


def _flag(ids: QuerySet[Any]) -> Case:
    """True when the offer's conversation is one of `ids`: an uncorrelated `IN`, so the database
    reads the set once (a hashed subplan on PostgreSQL) rather than probing it per offer."""
    return Case(
        When(conversation_id__in=ids, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _offered_cohort(scope: Scope, client_id: int, first: date, last: date, tz: ZoneInfo) -> list[_CohortRow]:
    """The month's offered contacts (the `offered` items: one per offer event in the period)
    counted in one grouped query per channel, local day, escalated to the client's L2 or not and
    breached or not for each timer: the review never fetches the offers themselves."""
    start, end = compute.period_bounds(first, last, tz)
    flags = {
        f"missed_{kind}": _flag(_breach_list(scope, client_id, start, kind).values("conversation_id"))
        for kind in SLA_TIMERS
    }
    rows = (
        _cohort_offers(scope, client_id, start, end)
        .order_by()
        .annotate(day=TruncDate("at", tzinfo=tz), escalated=_escalated(scope, client_id), **flags)
        .values("channel", "day", "escalated", *flags)
        .annotate(n=Count("*"))  # not Count("id"): the covering index answers without the table
    )
    return [
        _CohortRow(
            row["channel"] or "",
            row["day"],
            bool(row["escalated"]),
            {kind: bool(row[f"missed_{kind}"]) for kind in SLA_TIMERS},
            row["n"],
        )
        for row in rows
    ]


def _missed_list(
    scope: Scope, client_id: int, first: date, last: date, tz: ZoneInfo, kind: str, channels: list[str]
) -> list[dict[str, Any]]:
    """The first `BREACHES_LISTED` offers of a timer's cohort whose conversation breached it, in
    time order, each with its first breach (the review's list; the count is the grouped one)."""
    start, end = compute.period_bounds(first, last, tz)
    breaches = _breach_list(scope, client_id, start, kind)
    offers = _cohort_offers(scope, client_id, start, end).filter(
        channel__in=channels, conversation_id__in=breaches.values("conversation_id")
    )
    if kind == "l2_resolution":
        offers = offers.filter(_escalated(scope, client_id))
    first_breach = breaches.filter(conversation_id=OuterRef("conversation_id")).order_by("breached_at")
    rows = (
        offers.order_by("at", "conversation_id", "id")
        .annotate(breached=Subquery(first_breach.values("breached_at")[:1]))
        .values_list("conversation_id", "breached")[:BREACHES_LISTED]
    )
    return [{"conversation_id": cid, "at": _local(at, tz)} for cid, at in rows]


def _sla_targets(
    scope: Scope, client_id: int, first: date, last: date, tz: ZoneInfo, goal: float
) -> list[dict[str, Any]]:
    """Each timer of each SLA policy: the share of the month's conversations it did not breach."""
    policies = list(desk_selectors.sla_policy_list(scope, client_id=client_id))
    if not policies:
        return []
    cohort_rows = _offered_cohort(scope, client_id, first, last, tz)
    targets = []
    for policy in policies:
        channels = _policy_channels(policies, policy)
        for kind in SLA_TIMERS:
            target_s = getattr(policy, f"{kind}_s")
            if target_s is None:
                continue
            per_day: dict[str, list[int]] = {d.isoformat(): [0, 0] for d in _days(first, last)}
            for row in cohort_rows:
                if row.channel not in channels or (kind == "l2_resolution" and not row.escalated):
                    continue
                counts = per_day.setdefault(row.day.isoformat(), [0, 0])
                counts[0] += row.count
                counts[1] += row.count if row.missed[kind] else 0
            count = sum(c for c, _m in per_day.values())
            missed = sum(m for _c, m in per_day.values())
            actual = 100 * (count - missed) / count if count else None
            trend = []
            for day, (day_count, misses) in sorted(per_day.items()):
                value = 100 * (day_count - misses) / day_count if day_count else None
                trend.append(
                    {
                        "date": day,
                        "value": _round(value),
                        "count": day_count,
                        "met": None if value is None else value >= goal,
                    }
                )
            targets.append(
                {
                    "kind": "sla",
                    "metric": "sla_compliance",
                    "name": kind,
                    "timer": kind,
                    "channel": policy.channel,
                    "target_s": target_s,
                    "target": goal,
                    "actual": _round(actual),
                    "count": count,
                    "met": None if actual is None else actual >= goal,
                    "trend": trend,
                    "breach_count": missed,
                    "breaches": _missed_list(scope, client_id, first, last, tz, kind, channels)
                    if missed
                    else [],
                }
            )
    return targets


def monthly_review(scope: Scope, *, client_id: int, month: date) -> dict[str, Any]:
    """Target against actual for every target of the client: its queues' service levels and its
    SLA policies' timers (until contracts hold the agreed terms), with the daily trend and what is
    behind every miss: the SLA timers' breached conversations, a queue target's drill-down
    question (its conversations are listed when it is opened). Read from the rollups."""
    first, last = month_bounds(month)
    tz = timezones.client_time_zone(client_id)
    goal = float(settings.KEFU_REPORTS_SLA_GOAL_PERCENT)
    queues = list(routing_selectors.queue_list(scope, client_id=client_id).filter(active=True))
    asked = [_queue_question(scope, client_id, first, last, queue) for queue in queues]
    figures = queries.metric_values(scope, asked, median=False)  # one view of the rollups
    targets = [_queue_target(queue, figure) for queue, figure in zip(queues, figures, strict=True)]
    targets.extend(_sla_targets(scope, client_id, first, last, tz, goal))
    measured = [t for t in targets if t["met"] is not None]
    return {
        "kind": "monthly",
        "month": first.strftime("%Y-%m"),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "time_zone": tz.key,
        "sla_goal_percent": goal,
        "targets": targets,
        "targets_met": sum(1 for t in measured if t["met"]),
        "targets_measured": len(measured),
        # the month's figures from the rollups: the medians are on each figure's drill-down
        "metrics": _metric_entries(scope, client_id, first, last, KEY_METRICS, median=False),
    }
