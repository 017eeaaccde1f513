"""The figures of a business review and the record of a renewal, computed from the contract's SLA
terms and the measured metrics. Reads only.

Everything is measured with the contract's pair scope (the provider's work for the client,
whoever asks), through the same layers as the rest of Kefu: the SLA standing of the month
(`contracts.standing`: targets, actuals, credits, bonus, earn-back), the metric query layer for
each term's monthly trend and the QA scores, the monthly KPI review of the reports app for the
month's key figures, the complaints register for root causes, auto-QA for the checks failed most
often, and the event log for the reasons of escalations.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics import queries, timezones
from kefu.core import clock
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.contracts import sla_terms as core
from kefu.engagements.contracts import standing
from kefu.engagements.contracts.models import Contract
from kefu.engagements.onboarding import selectors as onboarding_selectors
from kefu.engagements.reviews import renewal
from kefu.quality import autoqa_selectors
from kefu.quality.complaints import selectors as complaint_selectors
from kefu.reports import figure_selectors

TREND_MONTHS = 6  # a review shows each term over the last six months
RECORD_MONTHS = 12  # a renewal weighs the last twelve completed months
TOP_ISSUES = 5


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def today_of(contract: Contract) -> date:
    return clock.now().astimezone(timezones.client_time_zone(contract.client_id)).date()


def _bounds(contract: Contract, month: date, today: date) -> tuple[date, date]:
    first = max(month, contract.starts_on)
    last = min(month.replace(day=monthrange(month.year, month.month)[1]), today)
    if contract.ends_on is not None:
        last = min(last, contract.ends_on)
    return first, last


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def term_months(contract: Contract, months: list[date], today: date) -> list[dict[str, Any]]:
    """Each month's measured value and status of every term (the status counts the floors, as the
    standing does); a month outside the contract or still to come is left out."""
    scope = standing.pair_scope(contract)
    terms = [(t, contract_selectors.metric_get(t.metric_id)) for t in contract_selectors.term_list(contract)]
    found = []
    for month in months:
        first, last = _bounds(contract, month, today)
        if first > last:
            continue
        rows = {}
        for term, metric in terms:
            if metric is None:
                continue
            value, count, floors = standing.term_measure(scope, contract, term, first, last)
            outcome = core.evaluate_term(
                standing.to_core(term, metric),
                core.Measured(value, [f["value"] for f in floors]),
                contract.monthly_fee,
            )
            rows[str(term.pk)] = {"value": _round(value), "count": count, "status": outcome.status}
        found.append({"month": month.strftime("%Y-%m"), "terms": rows})
    return found


def _day_range(first: date, last: date, contract: Contract) -> tuple[datetime, datetime]:
    tz = timezones.client_time_zone(contract.client_id)
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(last, time.max, tzinfo=tz)


def top_issues(contract: Contract, first: date, last: date) -> dict[str, list[dict[str, Any]]]:
    """The month's complaint root causes, the auto-QA checks failed most often and the reasons of
    escalations, each with its count, the most frequent first."""
    scope = standing.pair_scope(contract)
    complaints = complaint_selectors.complaint_trend(
        scope, first=first, last=last, client_id=contract.client_id
    )
    start, end = _day_range(first, last, contract)
    results = autoqa_selectors.autoqa_result_list(
        scope,
        filters=autoqa_selectors.ResultFilter(client_id=contract.client_id, date_from=start, date_to=end),
    )
    checks = Counter(c for c in results.values_list("findings__check_id", flat=True) if c)
    escalations = (
        analytics_selectors.contact_event_list(scope, type="escalated")
        .filter(client_id=contract.client_id, at__gte=start, at__lte=end)
        .values_list("data", flat=True)
    )
    reasons = Counter(str((data or {}).get("reason", "")).strip() for data in escalations)
    reasons.pop("", None)

    def top(counter: Counter[str], key: str) -> list[dict[str, Any]]:
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ISSUES]
        return [{key: name, "count": count} for name, count in ranked]

    return {
        "complaints": [
            {"category": name, "count": count}
            for name, count in list(complaints["by_category"])[:TOP_ISSUES]  # type: ignore[call-overload]
        ],
        "complaints_total": sum(complaints["by_week"]),  # type: ignore[arg-type]
        "autoqa": top(checks, "check_id"),
        "autoqa_inspected": results.count(),
        "escalations": top(reasons, "reason"),
        "escalations_total": sum(reasons.values()),
    }


def _metric(scope: Any, contract: Contract, metric_id: str, first: date, last: date) -> dict[str, Any]:
    try:
        query = queries.metric_query(
            scope, metric_id=metric_id, client_id=contract.client_id, date_from=first, date_to=last
        )
    except queries.MetricUnavailable:
        return {"metric_id": metric_id, "value": None, "count": 0}
    result = queries.metric_value(scope, query, median=False).result
    return {"metric_id": metric_id, "value": _round(result.value), "count": result.count}


def review_snapshot(contract: Contract, *, month: date) -> dict[str, Any]:
    """Everything a review shows, as JSON (frozen into the review when it is published)."""
    today = today_of(contract)
    found = standing.as_json(standing.contract_standing(contract, month=month))
    first_trend = max(add_months(month, -(TREND_MONTHS - 1)), contract.starts_on.replace(day=1))
    months = []
    current = first_trend
    while current <= month:
        months.append(current)
        current = add_months(current, 1)
    trend = term_months(contract, months, today)
    first, last = _bounds(contract, month, today)
    scope = standing.pair_scope(contract)
    kpi = figure_selectors.monthly_review(scope, client_id=contract.client_id, month=month)
    for term in found["terms"]:
        term["trend"] = [
            {
                "month": m["month"],
                **m["terms"].get(str(term["term_id"]), {"value": None, "status": "no_data"}),
            }
            for m in trend
        ]
    return {
        **found,
        "contract_version": contract.version,
        "title": contract.title,
        "issues": top_issues(contract, first, last) if first <= last else {},
        "quality": [_metric(scope, contract, m, first, last) for m in ("qa_score", "autoqa_score", "csat")]
        if first <= last
        else [],
        "kpi": {
            "targets_met": kpi["targets_met"],
            "targets_measured": kpi["targets_measured"],
            "metrics": [
                {"id": m["id"], "unit": m["unit"], "value": m["value"], "count": m["count"]}
                for m in kpi["metrics"]
            ],
        },
        "generated_on": today.isoformat(),
    }


# --- the renewal record ------------------------------------------------------------------------
def record_months(contract: Contract, as_of: date) -> list[date]:
    """The completed months of the contract before `as_of`, the last `RECORD_MONTHS` of them."""
    last = add_months(as_of.replace(day=1), -1)
    start = max(contract.starts_on.replace(day=1), add_months(last, -(RECORD_MONTHS - 1)))
    months = []
    current = start
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def _credits_by_month(contract: Contract, months: list[date]) -> dict[str, tuple[Decimal, Decimal]]:
    """Credits and bonus of each month, from the standing (six months per evaluation)."""
    money: dict[str, tuple[Decimal, Decimal]] = {}
    remaining = list(months)
    while remaining:
        last = remaining[-1]
        found = standing.contract_standing(contract, month=last)
        if found.period is not None:
            money[last.strftime("%Y-%m")] = (found.period.credits, found.period.bonus)
        for earlier in found.months:
            money.setdefault(earlier["month"].strftime("%Y-%m"), (earlier["credits"], earlier["bonus"]))
        remaining = [m for m in remaining if m < last and m.strftime("%Y-%m") not in money]
    return money


def renewal_record(contract: Contract, *, as_of: date) -> tuple[renewal.Record, dict[str, Any]]:
    """The measured record a recommendation weighs, and the same as JSON evidence."""
    months = record_months(contract, as_of)
    per_month = term_months(contract, months, as_of)
    money = _credits_by_month(contract, months) if months else {}
    records = []
    for entry in per_month:
        statuses = [t["status"] for t in entry["terms"].values()]
        credits, bonus = money.get(entry["month"], (Decimal(0), Decimal(0)))
        records.append(
            renewal.MonthRecord(
                month=entry["month"],
                terms_measured=sum(1 for s in statuses if s != core.NO_DATA),
                terms_met=sum(1 for s in statuses if s == core.MET),
                credits=credits,
                bonus=bonus,
            )
        )
    scope = standing.pair_scope(contract)
    earlier_count = later_count = 0
    qa: dict[str, Any] = {"metric_id": "qa_score", "value": None, "count": 0}
    first = last = None
    if months:
        first = max(months[0], contract.starts_on)
        last = _bounds(contract, months[-1], as_of)[1]
        half = len(months) // 2
        split = months[half] if half else months[0]

        def complaints(a: date, b: date) -> int:
            trend = complaint_selectors.complaint_trend(scope, first=a, last=b, client_id=contract.client_id)
            return sum(trend["by_week"])  # type: ignore[arg-type]

        if half:
            earlier_count = complaints(first, split - timedelta(days=1))
            later_count = complaints(split, last)
        else:
            later_count = complaints(first, last)
        qa = _metric(scope, contract, "qa_score", first, last)
    engagement = onboarding_selectors.engagement_get(scope, engagement_id=contract.engagement_id)
    risks = [r for r in onboarding_selectors.risk_list(scope, engagement=engagement) if r.status == "open"]
    record = renewal.Record(
        months=records,
        monthly_fee=contract.monthly_fee,
        complaints_earlier=earlier_count,
        complaints_later=later_count,
        qa_score=qa["value"],
        open_risks=[renewal.Risk(str(r.pk), r.score) for r in risks],
    )
    evidence = {
        "as_of": as_of.isoformat(),
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "monthly_fee": str(contract.monthly_fee),
        "months": [
            {
                "month": m.month,
                "terms_measured": m.terms_measured,
                "terms_met": m.terms_met,
                "credits": str(m.credits),
                "bonus": str(m.bonus),
            }
            for m in records
        ],
        "complaints_earlier": earlier_count,
        "complaints_later": later_count,
        "qa_score": qa["value"],
        "qa_count": qa["count"],
        "risks": [{"id": r.pk, "title": r.title, "category": r.category, "score": r.score} for r in risks],
    }
    return record, evidence
