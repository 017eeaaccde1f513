"""SLA consequences: from measured values per window to met/missed and money (pure, no Django).

A term holds a metric to a target over a measurement window (the calendar month by default),
optionally with a *floor* on shorter windows (days or weeks) so a good month cannot hide bad
days. Its consequence is one of:

- ``credit``: a service credit the provider gives the client when the term is missed, which the
  provider *earns back* when it meets the term in each of the next ``earn_back_periods`` periods;
- ``penalty``: like a credit, but never earned back;
- ``bonus``: paid to the provider when it beats the target.

Money is a percentage of the monthly fee: ``rate_pct`` per started ``step`` of shortfall (or,
for a bonus, of excess) below/above the target, plus ``floor_rate_pct`` per floor window that
missed its floor; each term's amount is capped at ``cap_pct`` of the fee, and the contract caps
the total of credits and penalties of one period (``at_risk_pct``, the fee at risk) and of
bonuses (``bonus_cap_pct``). Amounts are Decimals rounded to the cent (half up). A window with
no measured value (no contacts) is neither met nor missed and costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CREDIT, PENALTY, BONUS, NONE = "credit", "penalty", "bonus", "none"
HIGHER, LOWER = "higher", "lower"
MET, MISSED, NO_DATA = "met", "missed", "no_data"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Term:
    """One SLA term as the evaluation needs it (the stored row is turned into this)."""

    key: str
    direction: str  # HIGHER or LOWER is better
    target: float
    consequence: str = NONE
    step: float = 1.0  # the unit of shortfall (or excess) one rate applies to
    rate_pct: float = 0.0  # percent of the monthly fee per started step
    cap_pct: float | None = None  # this term's cap per period, percent of the fee
    floor_target: float | None = None  # each floor window must reach this
    floor_rate_pct: float = 0.0  # percent of the fee per floor window missed
    earn_back_periods: int = 0  # credit: met this many following periods gives the credit back


@dataclass(frozen=True)
class Measured:
    """A term's measured values in one period: the whole window and each floor window."""

    value: float | None
    floors: Sequence[float | None] = ()


@dataclass(frozen=True)
class TermOutcome:
    key: str
    status: str  # MET, MISSED or NO_DATA
    gap: float  # shortfall (missed) or excess (beaten) in the metric's unit, 0 otherwise
    floors_missed: int
    amount: Decimal  # after the term's cap; credits and penalties positive (owed to the client)
    capped: bool


@dataclass(frozen=True)
class PeriodOutcome:
    terms: list[TermOutcome]
    credits: Decimal  # credits + penalties after the contract's cap (owed to the client)
    bonus: Decimal  # after the bonus cap (owed to the provider)
    credits_capped: bool
    bonus_capped: bool

    @property
    def net(self) -> Decimal:
        """What the period changes on the invoice: bonus minus credits."""
        return self.bonus - self.credits


@dataclass(frozen=True)
class EarnBack:
    """A credit of period `period` and what became of it."""

    key: str
    period: int
    amount: Decimal
    state: str  # "earned_back" (returned in `settled_in`), "kept", "pending"
    settled_in: int | None = None


@dataclass
class Series:
    """Several consecutive periods of one contract, with the earn-back of each credit."""

    periods: list[PeriodOutcome]
    earn_backs: list[EarnBack] = field(default_factory=list)

    def returned_in(self, period: int) -> Decimal:
        return sum((e.amount for e in self.earn_backs if e.settled_in == period), Decimal(0))


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _share(fee: Decimal, pct: float) -> Decimal:
    return fee * Decimal(str(pct)) / Decimal(100)


def met(direction: str, value: float, target: float) -> bool:
    return value >= target if direction == HIGHER else value <= target


def gap_of(direction: str, value: float, target: float) -> float:
    """How far past the target the value is: positive beyond it, negative short of it."""
    return value - target if direction == HIGHER else target - value


def steps(amount: float, step: float) -> int:
    """Started steps: 2.1 points at 1 point a step are 3 steps (“or part thereof”)."""
    if amount <= 0:
        return 0
    # round away float noise (80 - 79.9 is 0.10000000000000853) before taking the ceiling
    return math.ceil(round(amount / step, 9))


def evaluate_term(term: Term, measured: Measured, fee: Decimal) -> TermOutcome:
    """One term in one period (before the contract's caps)."""
    floors_missed = 0
    if term.floor_target is not None:
        floors_missed = sum(
            1 for v in measured.floors if v is not None and not met(term.direction, v, term.floor_target)
        )
    if measured.value is None:
        return TermOutcome(term.key, NO_DATA, 0.0, floors_missed, money(0), False)
    gap = gap_of(term.direction, measured.value, term.target)
    main_met = gap >= 0 or math.isclose(gap, 0.0, abs_tol=1e-9)
    status = MET if main_met and floors_missed == 0 else MISSED
    amount = Decimal(0)
    if term.consequence in (CREDIT, PENALTY):
        amount = (
            _share(fee, term.rate_pct) * steps(-gap, term.step)
            + _share(fee, term.floor_rate_pct) * floors_missed
        )
    elif term.consequence == BONUS and status == MET:
        amount = _share(fee, term.rate_pct) * steps(gap, term.step)
    capped = False
    if term.cap_pct is not None and amount > _share(fee, term.cap_pct):
        amount, capped = _share(fee, term.cap_pct), True
    shown_gap = abs(gap) if (status == MISSED and gap < 0) or (status == MET and gap > 0) else 0.0
    return TermOutcome(term.key, status, round(shown_gap, 6), floors_missed, money(amount), capped)


def evaluate_period(
    terms: Sequence[Term],
    measured: dict[str, Measured],
    fee: Decimal,
    *,
    at_risk_pct: float | None = None,
    bonus_cap_pct: float | None = None,
) -> PeriodOutcome:
    """Every term of a contract in one period, with the contract's caps on the totals."""
    by_key = {t.key: t for t in terms}
    outcomes = [evaluate_term(t, measured.get(t.key, Measured(None)), fee) for t in terms]
    credits = sum((o.amount for o in outcomes if by_key[o.key].consequence in (CREDIT, PENALTY)), Decimal(0))
    bonus = sum((o.amount for o in outcomes if by_key[o.key].consequence == BONUS), Decimal(0))
    credits_capped = at_risk_pct is not None and credits > _share(fee, at_risk_pct)
    bonus_capped = bonus_cap_pct is not None and bonus > _share(fee, bonus_cap_pct)
    if credits_capped:
        credits = _share(fee, at_risk_pct or 0)
    if bonus_capped:
        bonus = _share(fee, bonus_cap_pct or 0)
    return PeriodOutcome(outcomes, money(credits), money(bonus), credits_capped, bonus_capped)


def evaluate_series(
    terms: Sequence[Term],
    periods: Sequence[dict[str, Measured]],
    fee: Decimal,
    *,
    at_risk_pct: float | None = None,
    bonus_cap_pct: float | None = None,
) -> Series:
    """Consecutive periods (oldest first) and the earn-back of each credit.

    A credit term missed in period i is earned back when the term is met in each of the
    periods i+1 … i+N (N = ``earn_back_periods``): the credit is returned in period i+N. A
    missed or unmeasured period among them keeps the credit; fewer than N periods measured so far
    leave it pending. When the contract's cap cut a period's credits, each credit is returned in
    proportion to what was actually credited.
    """
    outcomes = [
        evaluate_period(terms, m, fee, at_risk_pct=at_risk_pct, bonus_cap_pct=bonus_cap_pct) for m in periods
    ]
    series = Series(outcomes)
    by_key = {t.key: t for t in terms}
    for index, outcome in enumerate(outcomes):
        raw = sum(
            (o.amount for o in outcome.terms if by_key[o.key].consequence in (CREDIT, PENALTY)), Decimal(0)
        )
        for term_outcome in outcome.terms:
            term = by_key[term_outcome.key]
            if term.consequence != CREDIT or term.earn_back_periods <= 0 or term_outcome.amount == 0:
                continue
            amount = term_outcome.amount
            if outcome.credits_capped and raw > 0:
                amount = money(amount * outcome.credits / raw)
            following = [
                next(o for o in later.terms if o.key == term.key).status
                for later in outcomes[index + 1 : index + 1 + term.earn_back_periods]
            ]
            if any(status != MET for status in following):
                series.earn_backs.append(EarnBack(term.key, index, amount, "kept"))
            elif len(following) < term.earn_back_periods:
                series.earn_backs.append(EarnBack(term.key, index, amount, "pending"))
            else:
                settled = index + term.earn_back_periods
                series.earn_backs.append(EarnBack(term.key, index, amount, "earned_back", settled))
    return series
