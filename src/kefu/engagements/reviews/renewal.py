"""The renewal recommendation: renew, renegotiate or replace, from a contract's measured record
(pure, no Django).

The record is a run of months (terms measured and met, credits and bonus paid), the complaints
of the earlier and the later half of it, the QA score and the open risks of the register. The
rule, in the order it is applied:

1. Fewer than `min_months` measured months: **renegotiate** (too short a record to renew as is).
2. **Replace** when any of: the share of terms met is below `replace_met_pct` and not improving;
   the credits reach `replace_credit_pct` of the fees and the trend is declining; an open risk
   scores `severe_risk` or more (likelihood × impact).
3. **Renew** when all of: terms met at least `renew_met_pct`; credits below `renew_credit_pct` of
   the fees; QA score at least `renew_qa` (or not measured); no open risk scoring `high_risk` or
   more; complaints not rising; the trend not declining.
4. Otherwise **renegotiate**, naming every renewal condition that failed.

The trend is the share of terms met in the later half of the months minus the earlier half, in
points: improving above `trend_points`, declining below minus `trend_points`. Complaints rise when
the later half has at least 20 % and at least two more than the earlier half.

Findings are codes with numbers; the interfaces turn them into sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

RENEW, RENEGOTIATE, REPLACE = "renew", "renegotiate", "replace"
OUTCOMES = (RENEW, RENEGOTIATE, REPLACE)
RANK = {RENEW: 2, RENEGOTIATE: 1, REPLACE: 0}  # better is higher


@dataclass(frozen=True)
class MonthRecord:
    month: str  # YYYY-MM
    terms_measured: int
    terms_met: int
    credits: Decimal = Decimal(0)
    bonus: Decimal = Decimal(0)


@dataclass(frozen=True)
class Risk:
    key: str  # the register's id, as text
    score: int  # likelihood × impact, 1–25


@dataclass(frozen=True)
class Record:
    months: Sequence[MonthRecord]
    monthly_fee: Decimal
    complaints_earlier: int = 0
    complaints_later: int = 0
    qa_score: float | None = None
    open_risks: Sequence[Risk] = ()


@dataclass(frozen=True)
class Thresholds:
    min_months: int = 3
    renew_met_pct: float = 90.0
    replace_met_pct: float = 60.0
    renew_credit_pct: float = 1.0
    replace_credit_pct: float = 5.0
    renew_qa: float = 85.0
    trend_points: float = 10.0
    high_risk: int = 15
    severe_risk: int = 20


@dataclass(frozen=True)
class Finding:
    code: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation:
    outcome: str
    rule: str  # "short_record", "replace", "renew" or "renegotiate"
    findings: list[Finding]  # why: the triggers (replace), the conditions met (renew) or failed
    measured_months: int
    met_pct: float | None
    credit_pct: float | None
    trend_points: float | None
    complaints_rising: bool


def met_pct(months: Sequence[MonthRecord]) -> float | None:
    measured = sum(m.terms_measured for m in months)
    if measured == 0:
        return None
    return round(100.0 * sum(m.terms_met for m in months) / measured, 2)


def trend(months: Sequence[MonthRecord]) -> float | None:
    """Later half's share of terms met minus the earlier half's, in points (None below 2 months)."""
    if len(months) < 2:
        return None
    half = len(months) // 2
    earlier, later = met_pct(months[:half]), met_pct(months[len(months) - half :])
    if earlier is None or later is None:
        return None
    return round(later - earlier, 2)


def credit_pct(months: Sequence[MonthRecord], fee: Decimal) -> float:
    if fee <= 0 or not months:
        return 0.0
    paid = sum((m.credits for m in months), Decimal(0))
    return round(float(paid * 100 / (fee * len(months))), 2)


def complaints_rising(earlier: int, later: int) -> bool:
    return later - earlier >= 2 and later >= earlier * 1.2


def recommend(record: Record, limits: Thresholds | None = None) -> Recommendation:
    t = limits or Thresholds()
    months = [m for m in record.months if m.terms_measured > 0]
    met = met_pct(months)
    moved = trend(months)
    credits = credit_pct(months, record.monthly_fee)
    rising = complaints_rising(record.complaints_earlier, record.complaints_later)

    def result(outcome: str, rule: str, findings: list[Finding]) -> Recommendation:
        return Recommendation(outcome, rule, findings, len(months), met, credits, moved, rising)

    if len(months) < t.min_months or met is None:
        return result(
            RENEGOTIATE,
            "short_record",
            [Finding("short_record", {"months": len(months), "min": t.min_months})],
        )
    improving = moved is not None and moved > t.trend_points
    declining = moved is not None and moved < -t.trend_points
    triggers: list[Finding] = []
    if met < t.replace_met_pct and not improving:
        triggers.append(Finding("met_very_low", {"met_pct": met, "limit": t.replace_met_pct}))
    if credits >= t.replace_credit_pct and declining:
        triggers.append(
            Finding(
                "credits_high_declining",
                {"credit_pct": credits, "limit": t.replace_credit_pct, "trend": moved},
            )
        )
    for risk in record.open_risks:
        if risk.score >= t.severe_risk:
            triggers.append(
                Finding("severe_risk", {"risk": risk.key, "score": risk.score, "limit": t.severe_risk})
            )
    if triggers:
        return result(REPLACE, "replace", triggers)
    passed: list[Finding] = []
    failed: list[Finding] = []

    def check(ok: bool, code: str, params: dict[str, object]) -> None:
        (passed if ok else failed).append(Finding(code if ok else f"not_{code}", params))

    check(met >= t.renew_met_pct, "met_high", {"met_pct": met, "limit": t.renew_met_pct})
    check(credits < t.renew_credit_pct, "credits_low", {"credit_pct": credits, "limit": t.renew_credit_pct})
    check(
        record.qa_score is None or record.qa_score >= t.renew_qa,
        "qa_good",
        {"qa_score": record.qa_score, "limit": t.renew_qa},
    )
    high = [r for r in record.open_risks if r.score >= t.high_risk]
    check(not high, "no_high_risk", {"risks": [r.key for r in high], "limit": t.high_risk})
    check(
        not rising,
        "complaints_steady",
        {"earlier": record.complaints_earlier, "later": record.complaints_later},
    )
    check(not declining, "trend_steady", {"trend": moved, "limit": t.trend_points})
    if failed:
        return result(RENEGOTIATE, "renegotiate", failed)
    return result(RENEW, "renew", passed)
