"""The SLA consequence core on hand-computed cases (no database).

The fee is ¥100,000 a month throughout, so 1% of the fee is ¥1,000.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.engagements.contracts import sla_terms as core
from kefu.engagements.contracts.sla_terms import Measured, Term

FEE = Decimal("100000")
SL = Term(
    key="sl", direction=core.HIGHER, target=80.0, consequence=core.CREDIT, step=1.0, rate_pct=1.0,
    cap_pct=5.0, floor_target=60.0, floor_rate_pct=0.5, earn_back_periods=2,
)  # fmt: skip
ASA = Term(key="asa", direction=core.LOWER, target=30.0, consequence=core.PENALTY, step=10.0, rate_pct=2.0)
CSAT = Term(
    key="csat",
    direction=core.HIGHER,
    target=90.0,
    consequence=core.BONUS,
    step=1.0,
    rate_pct=1.0,
    cap_pct=3.0,
)


def test_a_met_term_costs_nothing() -> None:
    outcome = core.evaluate_term(SL, Measured(85.0, floors=[70.0, 90.0]), FEE)
    assert (outcome.status, outcome.gap, outcome.floors_missed, outcome.amount) == (
        core.MET,
        5.0,
        0,
        Decimal("0.00"),
    )


def test_the_exact_target_is_met() -> None:
    assert core.evaluate_term(SL, Measured(80.0), FEE).status == core.MET
    assert core.evaluate_term(ASA, Measured(30.0), FEE).status == core.MET


def test_a_shortfall_costs_the_rate_per_started_step() -> None:
    # 80 - 77.9 = 2.1 points → 3 started points × 1% × ¥100,000 = ¥3,000
    outcome = core.evaluate_term(SL, Measured(77.9), FEE)
    assert (outcome.status, outcome.gap, outcome.amount, outcome.capped) == (
        core.MISSED, 2.1, Decimal("3000.00"), False,
    )  # fmt: skip


def test_lower_is_better_counts_the_excess_over_the_target() -> None:
    # ASA 45 s against 30 s: 15 s over, steps of 10 s → 2 steps × 2% = ¥4,000
    outcome = core.evaluate_term(ASA, Measured(45.0), FEE)
    assert (outcome.status, outcome.gap, outcome.amount) == (core.MISSED, 15.0, Decimal("4000.00"))


def test_a_good_month_does_not_hide_bad_days() -> None:
    # the month is met (82%) but two days fell below the 60% floor: 2 × 0.5% = ¥1,000
    outcome = core.evaluate_term(SL, Measured(82.0, floors=[55.0, 90.0, 59.9, None]), FEE)
    assert (outcome.status, outcome.floors_missed, outcome.amount) == (core.MISSED, 2, Decimal("1000.00"))


def test_the_term_cap_limits_its_credit() -> None:
    # 70% is 10 points short: 10 × 1% = 10%, plus 1 floor day 0.5%, capped at 5% = ¥5,000
    outcome = core.evaluate_term(SL, Measured(70.0, floors=[50.0]), FEE)
    assert (outcome.amount, outcome.capped) == (Decimal("5000.00"), True)


def test_no_data_is_neither_met_nor_missed() -> None:
    outcome = core.evaluate_term(SL, Measured(None), FEE)
    assert (outcome.status, outcome.amount) == (core.NO_DATA, Decimal("0.00"))


def test_a_bonus_pays_per_step_beyond_the_target_up_to_its_cap() -> None:
    # CSAT 92.5 against 90: 2.5 points → 3 steps × 1% = ¥3,000 (= the cap, not beyond it)
    assert core.evaluate_term(CSAT, Measured(92.5), FEE).amount == Decimal("3000.00")
    # 95: 5 steps = 5%, capped at 3%
    outcome = core.evaluate_term(CSAT, Measured(95.0), FEE)
    assert (outcome.amount, outcome.capped) == (Decimal("3000.00"), True)
    assert core.evaluate_term(CSAT, Measured(89.0), FEE).amount == Decimal("0.00")


def test_the_contract_caps_the_fee_at_risk_and_the_bonus() -> None:
    # SL 77.9 → ¥3,000; ASA 45 → ¥4,000; total ¥7,000 capped at 6% = ¥6,000. CSAT 95 → ¥3,000,
    # bonus cap 2% = ¥2,000.
    period = core.evaluate_period(
        [SL, ASA, CSAT],
        {"sl": Measured(77.9), "asa": Measured(45.0), "csat": Measured(95.0)},
        FEE,
        at_risk_pct=6.0,
        bonus_cap_pct=2.0,
    )
    assert (period.credits, period.bonus, period.credits_capped, period.bonus_capped) == (
        Decimal("6000.00"), Decimal("2000.00"), True, True,
    )  # fmt: skip
    assert period.net == Decimal("-4000.00")


def test_a_credit_is_earned_back_after_the_following_periods_are_met() -> None:
    # month 0 missed (¥3,000); months 1 and 2 met → the credit is returned in month 2
    months = [{"sl": Measured(77.9)}, {"sl": Measured(81.0)}, {"sl": Measured(80.0)}]
    series = core.evaluate_series([SL], months, FEE)
    assert series.earn_backs == [core.EarnBack("sl", 0, Decimal("3000.00"), "earned_back", 2)]
    assert (series.returned_in(2), series.returned_in(1)) == (Decimal("3000.00"), Decimal("0"))


def test_a_credit_is_kept_when_a_following_period_misses_and_pending_until_enough_pass() -> None:
    months = [{"sl": Measured(77.9)}, {"sl": Measured(81.0)}, {"sl": Measured(79.0)}]
    series = core.evaluate_series([SL], months, FEE)
    assert [(e.period, e.state, e.amount) for e in series.earn_backs] == [
        (0, "kept", Decimal("3000.00")),
        (2, "pending", Decimal("1000.00")),
    ]


def test_an_unmeasured_following_period_keeps_the_credit() -> None:
    months = [{"sl": Measured(79.0)}, {"sl": Measured(None)}, {"sl": Measured(85.0)}]
    assert core.evaluate_series([SL], months, FEE).earn_backs[0].state == "kept"


def test_penalties_are_never_earned_back() -> None:
    months = [{"asa": Measured(45.0)}, {"asa": Measured(20.0)}, {"asa": Measured(20.0)}]
    assert core.evaluate_series([ASA], months, FEE).earn_backs == []


def test_a_capped_period_returns_only_what_was_credited() -> None:
    # SL ¥3,000 + ASA ¥4,000 = ¥7,000 capped at ¥3,500: SL was credited 3/7 of ¥3,500 = ¥1,500
    months = [{"sl": Measured(77.9), "asa": Measured(45.0)}, {"sl": Measured(90.0)}, {"sl": Measured(90.0)}]
    series = core.evaluate_series([SL, ASA], months, FEE, at_risk_pct=3.5)
    assert series.earn_backs == [core.EarnBack("sl", 0, Decimal("1500.00"), "earned_back", 2)]


@settings(max_examples=50, deadline=None)
@given(
    value=st.floats(min_value=0, max_value=100, allow_nan=False),
    floors=st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)), max_size=31
    ),
)
def test_a_credit_never_exceeds_its_cap_and_is_zero_exactly_when_met(
    value: float, floors: list[float | None]
) -> None:
    outcome = core.evaluate_term(SL, Measured(value, floors=floors), FEE)
    assert Decimal(0) <= outcome.amount <= Decimal("5000.00")
    assert (outcome.amount == 0) == (outcome.status == core.MET)
