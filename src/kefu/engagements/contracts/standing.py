"""A contract's SLA standing: each term's target against the measured value of a month, with the
money the pure core (`sla_terms`) makes of it. Reads only.

The figures are the provider's work for the client (the contract's pair), measured through the
metric query layer (`analytics.metrics.queries`), the same numbers as the dashboards and the
reports. The month asked for is evaluated together with the months before it (back to the
contract's start, at most `HISTORY_MONTHS`), because a credit is earned back by the months
after it. A month that is not over shows its figures so far and the money as *projected*.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kefu.analytics.metrics import queries, timezones
from kefu.analytics.metrics.dictionary import Metric
from kefu.core import clock
from kefu.core.roles import Role, permissions_for
from kefu.core.scope import Scope
from kefu.engagements.contracts import selectors
from kefu.engagements.contracts import sla_terms as core
from kefu.engagements.contracts.models import Contract, SlaTerm

HISTORY_MONTHS = 6


@dataclass(frozen=True)
class TermStanding:
    term: SlaTerm
    metric: Metric
    value: float | None
    count: int
    floors: list[dict]  # each floor window: start, value, met
    outcome: core.TermOutcome
    first: date
    last: date


@dataclass
class Standing:
    contract: Contract
    month: date
    first: date
    last: date  # the last day measured (today for the running month)
    projected: bool
    rows: list[TermStanding]
    period: core.PeriodOutcome | None
    earn_backs: list[dict] = field(default_factory=list)  # term, month, amount, state, settled
    returned: Decimal = Decimal(0)
    months: list[dict] = field(default_factory=list)  # the earlier months: month, credits, bonus


def pair_scope(contract: Contract) -> Scope:
    """The provider's work for this client, whoever asks (the contract is between these two)."""
    return Scope.of_tenant(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        permissions=permissions_for(Role.PROVIDER_ADMIN),
        role="system",
    )


def month_of(value: str | date | None, today: date) -> date | None:
    """`YYYY-MM` (or a date) → the first of that month; None for a malformed value."""
    if isinstance(value, date):
        return value.replace(day=1)
    if not value:
        return today.replace(day=1)
    try:
        return date.fromisoformat(f"{value}-01") if len(value) == 7 else None
    except ValueError:
        return None


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def to_core(term: SlaTerm, metric: Metric) -> core.Term:
    return core.Term(
        key=str(term.pk),
        direction=core.LOWER if metric.direction == "lower" else core.HIGHER,
        target=term.target,
        consequence=term.consequence,
        step=term.step,
        rate_pct=term.rate_pct,
        cap_pct=term.cap_pct,
        floor_target=term.floor_target if term.floor_window else None,
        floor_rate_pct=term.floor_rate_pct,
        earn_back_periods=term.earn_back_periods,
    )


def term_measure(
    scope: Scope, contract: Contract, term: SlaTerm, first: date, last: date
) -> tuple[float | None, int, list[dict]]:
    """A term's value, count and floor windows over `first`..`last` (the metric dictionary's query)."""
    query = queries.metric_query(
        scope,
        metric_id=term.metric_id,
        client_id=contract.client_id,
        date_from=first,
        date_to=last,
        interval=term.floor_window or None,
        threshold_s=term.threshold_s,  # service level at the term's own seconds
    )
    result = queries.metric_value(scope, query).result
    floors = []
    if term.floor_window:
        for point in result.series:
            value = point["value"]
            floors.append(
                {
                    "start": point["start"][:10],
                    "value": value,
                    "met": None if value is None or term.floor_target is None else
                    core.met(core.LOWER if query.metric.direction == "lower" else core.HIGHER,
                             value, term.floor_target),
                }
            )  # fmt: skip
    return result.value, result.count, floors


def contract_standing(contract: Contract, *, month: date) -> Standing:
    """The standing of a contract the caller has opened (`services.contract_open`) in a month."""
    scope = pair_scope(contract)
    today = clock.now().astimezone(timezones.client_time_zone(contract.client_id)).date()
    terms = [(t, selectors.metric_get(t.metric_id)) for t in selectors.term_list(contract)]
    terms = [(t, m) for t, m in terms if m is not None]
    core_terms = [to_core(t, m) for t, m in terms]
    start = max(_add_months(month, -HISTORY_MONTHS + 1), contract.starts_on.replace(day=1))
    fee = contract.monthly_fee
    at_risk = float(contract.at_risk_pct) if contract.at_risk_pct is not None else None
    bonus_cap = float(contract.bonus_cap_pct) if contract.bonus_cap_pct is not None else None
    measured_months: list[dict[str, core.Measured]] = []
    rows: list[TermStanding] = []
    month_starts: list[date] = []
    current = start
    first = last = month
    while current <= month:
        first = max(current, contract.starts_on)
        last = min(current.replace(day=monthrange(current.year, current.month)[1]), today)
        measured: dict[str, core.Measured] = {}
        row_data = []
        if first <= last:
            for term, metric in terms:
                value, count, floors = term_measure(scope, contract, term, first, last)
                measured[str(term.pk)] = core.Measured(value, [f["value"] for f in floors])
                row_data.append((term, metric, value, count, floors))
        measured_months.append(measured)
        month_starts.append(current)
        if current == month:
            rows_data = row_data
        current = _add_months(current, 1)
    if not month_starts or month_starts[-1] != month:
        return Standing(contract, month, month, month, False, [], None)
    series = core.evaluate_series(
        core_terms, measured_months, fee, at_risk_pct=at_risk, bonus_cap_pct=bonus_cap
    )
    period = series.periods[-1]
    outcomes = {o.key: o for o in period.terms}
    for term, metric, value, count, floors in rows_data:
        rows.append(TermStanding(term, metric, value, count, floors, outcomes[str(term.pk)], first, last))
    index = len(month_starts) - 1
    names = {str(t.pk): str(m.name) for t, m in terms}
    return Standing(
        contract=contract,
        month=month,
        first=first,
        last=last,
        projected=last >= today,
        rows=rows,
        period=period if rows else None,
        earn_backs=[
            {
                "term": names.get(e.key, e.key),
                "month": month_starts[e.period],
                "amount": e.amount,
                "state": e.state,
                "settled": month_starts[e.settled_in] if e.settled_in is not None else None,
            }
            for e in series.earn_backs
            if e.period == index or e.settled_in == index or e.state == "pending"
        ],
        returned=core.money(series.returned_in(index)),
        months=[
            {"month": m, "credits": p.credits, "bonus": p.bonus}
            for m, p in zip(month_starts[:-1], series.periods[:-1], strict=True)
        ],
    )


def as_json(found: Standing) -> dict:
    """The standing as the API returns it (money as strings, to the cent)."""
    period = found.period
    return {
        "contract_id": found.contract.pk,
        "month": found.month.strftime("%Y-%m"),
        "from": found.first.isoformat(),
        "to": found.last.isoformat(),
        "projected": found.projected,
        "monthly_fee": str(found.contract.monthly_fee),
        "terms": [
            {
                "term_id": row.term.pk,
                "metric_id": row.metric.id,
                "unit": row.metric.unit,
                "direction": row.metric.direction,
                "target": row.term.target,
                "threshold_s": row.term.threshold_s,
                "value": row.value,
                "count": row.count,
                "status": row.outcome.status,
                "gap": row.outcome.gap,
                "floor_window": row.term.floor_window,
                "floor_target": row.term.floor_target,
                "floors_missed": row.outcome.floors_missed,
                "floors": row.floors,
                "consequence": row.term.consequence,
                "amount": str(row.outcome.amount),
                "capped": row.outcome.capped,
            }
            for row in found.rows
        ],
        "credits": str(period.credits) if period else "0.00",
        "bonus": str(period.bonus) if period else "0.00",
        "credits_capped": bool(period and period.credits_capped),
        "bonus_capped": bool(period and period.bonus_capped),
        "earned_back": str(found.returned),
        "earn_backs": [
            {
                **e,
                "month": e["month"].strftime("%Y-%m"),
                "amount": str(e["amount"]),
                "settled": e["settled"].strftime("%Y-%m") if e["settled"] else None,
            }
            for e in found.earn_backs
        ],
        "earlier_months": [
            {"month": m["month"].strftime("%Y-%m"), "credits": str(m["credits"]), "bonus": str(m["bonus"])}
            for m in found.months
        ],
    }
