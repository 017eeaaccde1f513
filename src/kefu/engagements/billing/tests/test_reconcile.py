"""Seat-hour reconciliation: intervals clipped and merged, per day and per agent, differences flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kefu.engagements.billing import reconcile

D = Decimal

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def h(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def test_overlapping_intervals_count_once_and_are_clipped_to_the_period() -> None:
    # 08–12 and 10–14 overlap (6 h together); 22–26 crosses the period's end at 24 (2 h inside);
    # −2–1 starts before the period (1 h inside)
    intervals = [(h(8), h(12)), (h(10), h(14)), (h(22), h(26)), (h(-2), h(1))]
    assert reconcile.merged_seconds(intervals, h(0), h(24)) == 9 * 3600


def test_per_day_per_agent_and_flags() -> None:
    days = [date(2026, 11, 1), date(2026, 11, 2)]
    agent_days = [
        reconcile.AgentDay("王芳", days[0], scheduled_s=8 * 3600, signed_in_s=8 * 3600),
        reconcile.AgentDay("李强", days[0], scheduled_s=8 * 3600, signed_in_s=6 * 3600),
        reconcile.AgentDay("王芳", days[1], scheduled_s=8 * 3600, signed_in_s=8.1 * 3600),
    ]
    found = reconcile.reconcile(days, agent_days, billed_hours=D("32"))
    day1, day2 = found.days
    assert (day1.billed, day1.scheduled, day1.signed_in, day1.gap_scheduled, day1.gap_billed) == (
        D("16.00"), D("16.00"), D("14.00"), D("-2.00"), D("-2.00"),
    )  # fmt: skip
    assert day1.flagged  # 2 of 16 hours is 12.5 % > 5 %
    assert (day2.signed_in, day2.gap_billed, day2.flagged) == (D("8.10"), D("-7.90"), True)
    agents = {r.key: r for r in found.agents}
    assert (agents["李强"].gap_scheduled, agents["李强"].flagged) == (D("-2.00"), True)
    assert (agents["王芳"].gap_scheduled, agents["王芳"].flagged) == (D("0.10"), False)  # 0.6 % of 16.1
    assert (found.total.billed, found.total.signed_in) == (D("32"), D("22.10"))


def test_the_billed_hours_spread_over_the_days_add_up() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    found = reconcile.reconcile(days, [], billed_hours=D("1408"))  # 8 seats × 176 h
    assert sum((r.billed for r in found.days if r.billed is not None), D(0)) == D("1408")
    assert found.days[0].billed == D("46.93")


@given(st.lists(st.tuples(st.integers(-48, 48), st.integers(0, 30)), max_size=12))
def test_merged_time_is_never_more_than_the_period_nor_the_sum(spans: list[tuple[int, int]]) -> None:
    intervals = [(h(a), h(a + length)) for a, length in spans]
    merged = reconcile.merged_seconds(intervals, h(0), h(24))
    assert 0 <= merged <= 24 * 3600
    assert merged <= sum(length * 3600 for _a, length in spans)
