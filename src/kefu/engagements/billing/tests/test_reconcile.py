"""Seat-hour reconciliation: per day and per agent, differences flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kefu.engagements.billing import reconcile

D = Decimal

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def h(n: float) -> datetime:
    return T0 + timedelta(hours=n)


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
