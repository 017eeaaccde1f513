"""The renewal core: hand-computed records for each rule, and properties over any record."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kefu.engagements.reviews import renewal
from kefu.engagements.reviews.renewal import MonthRecord, Record, Risk

FEE = Decimal("100000")


def months(*met: tuple[int, int], credits: str = "0") -> list[MonthRecord]:
    return [MonthRecord(f"2026-{i + 1:02d}", n, m, Decimal(credits)) for i, (m, n) in enumerate(met)]


def test_a_clean_record_is_renewed() -> None:
    # given six months with all four terms met, no credits, QA 90, no risks, complaints flat
    record = Record(months(*[(4, 4)] * 6), FEE, complaints_earlier=3, complaints_later=3, qa_score=90.0)
    # when weighed
    found = renewal.recommend(record)
    # then renew, every condition listed as met
    assert (found.outcome, found.rule, found.met_pct, found.credit_pct, found.trend_points) == (
        "renew", "renew", 100.0, 0.0, 0.0,
    )  # fmt: skip
    assert [f.code for f in found.findings] == [
        "met_high", "credits_low", "qa_good", "no_high_risk", "complaints_steady", "trend_steady",
    ]  # fmt: skip


def test_too_short_a_record_is_renegotiated() -> None:
    found = renewal.recommend(Record(months((4, 4), (4, 4)), FEE))
    assert (found.outcome, found.rule, found.measured_months) == ("renegotiate", "short_record", 2)


def test_months_without_data_do_not_count() -> None:
    found = renewal.recommend(Record(months((4, 4), (0, 0), (4, 4), (0, 0)), FEE))
    assert (found.outcome, found.measured_months) == ("renegotiate", 2)


def test_a_poor_record_not_improving_is_replaced() -> None:
    # 2 of 4 terms met each month: 50 % < 60 %, trend 0
    found = renewal.recommend(Record(months(*[(2, 4)] * 4), FEE))
    assert (found.outcome, [f.code for f in found.findings]) == ("replace", ["met_very_low"])
    assert found.findings[0].params == {"met_pct": 50.0, "limit": 60.0}


def test_a_poor_record_that_improves_is_renegotiated() -> None:
    # earlier half 1/4 and 1/4, later half 3/4 and 3/4: 50 % overall, trend +50 points
    found = renewal.recommend(Record(months((1, 4), (1, 4), (3, 4), (3, 4)), FEE))
    assert (found.outcome, found.met_pct, found.trend_points) == ("renegotiate", 50.0, 50.0)
    assert [f.code for f in found.findings] == ["not_met_high"]


def test_high_credits_while_getting_worse_is_replaced() -> None:
    # 4/4, 4/4, 3/4, 2/4 → 81.25 % met, trend 62.5 − 100 = −37.5; credits 6,000 a month = 6 %
    found = renewal.recommend(Record(months((4, 4), (4, 4), (3, 4), (2, 4), credits="6000"), FEE))
    assert (found.outcome, found.credit_pct, found.trend_points) == ("replace", 6.0, -37.5)
    assert [f.code for f in found.findings] == ["credits_high_declining"]


def test_a_severe_open_risk_means_replace_and_a_high_one_renegotiate() -> None:
    clean = months(*[(4, 4)] * 3)
    severe = renewal.recommend(Record(clean, FEE, open_risks=[Risk("7", 20)]))
    high = renewal.recommend(Record(clean, FEE, open_risks=[Risk("8", 16), Risk("9", 4)]))
    assert (severe.outcome, severe.findings[0].params) == ("replace", {"risk": "7", "score": 20, "limit": 20})
    assert (high.outcome, [f.code for f in high.findings]) == ("renegotiate", ["not_no_high_risk"])
    assert high.findings[0].params == {"risks": ["8"], "limit": 15}


def test_rising_complaints_and_a_low_qa_score_block_renewal() -> None:
    found = renewal.recommend(
        Record(months(*[(4, 4)] * 4), FEE, complaints_earlier=5, complaints_later=6, qa_score=80.0)
    )
    # 6 against 5 is +1: not rising (at least two more); QA 80 < 85
    assert [f.code for f in found.findings] == ["not_qa_good"]
    assert renewal.complaints_rising(5, 7) is True  # +2 and 7 ≥ 6
    assert renewal.complaints_rising(20, 23) is False  # +3 but 23 < 24


def test_credits_are_a_share_of_the_fees_of_the_measured_months() -> None:
    # 1,500 over three months of a 100,000 fee = 0.5 %
    record = months((4, 4), (4, 4), (4, 4))
    record[1] = MonthRecord("2026-02", 4, 4, Decimal("1500"))
    assert renewal.credit_pct(record, FEE) == 0.5
    assert renewal.credit_pct(record, Decimal(0)) == 0.0


month_st = st.integers(min_value=0, max_value=6).flatmap(
    lambda n: st.builds(
        MonthRecord,
        month=st.just("2026-01"),
        terms_measured=st.just(n),
        terms_met=st.integers(min_value=0, max_value=n),
        credits=st.decimals(min_value=0, max_value=20000, places=2),
    )
)
record_st = st.builds(
    Record,
    months=st.lists(month_st, max_size=12),
    monthly_fee=st.just(FEE),
    complaints_earlier=st.integers(0, 50),
    complaints_later=st.integers(0, 50),
    qa_score=st.none() | st.floats(0, 100),
    open_risks=st.lists(st.builds(Risk, key=st.just("1"), score=st.integers(1, 25)), max_size=3),
)


@given(record_st)
def test_every_record_gets_one_outcome_with_reasons(record: Record) -> None:
    found = renewal.recommend(record)
    assert found.outcome in renewal.OUTCOMES
    assert found.findings
    if found.outcome == renewal.RENEGOTIATE and found.rule == "renegotiate":
        assert all(f.code.startswith("not_") for f in found.findings)
    if found.outcome == renewal.RENEW:
        assert not any(f.code.startswith("not_") for f in found.findings)


@given(record_st, st.integers(20, 25))
def test_a_severe_risk_never_makes_it_better(record: Record, score: int) -> None:
    before = renewal.recommend(record)
    after = renewal.recommend(
        Record(**{**record.__dict__, "open_risks": [*record.open_risks, Risk("x", score)]})
    )
    assert renewal.RANK[after.outcome] <= renewal.RANK[before.outcome]
    if before.rule != "short_record":
        assert after.outcome == renewal.REPLACE


@given(record_st)
def test_more_credits_never_make_it_better(record: Record) -> None:
    before = renewal.recommend(record)
    heavier = [MonthRecord(m.month, m.terms_measured, m.terms_met, m.credits + 1000) for m in record.months]
    after = renewal.recommend(Record(**{**record.__dict__, "months": heavier}))
    assert renewal.RANK[after.outcome] <= renewal.RANK[before.outcome]
