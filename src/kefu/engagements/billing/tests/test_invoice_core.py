"""Invoice lines, hand-computed for every pricing model, with SLA credits, bonus and earn-back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.engagements.billing import invoice_core as core
from kefu.engagements.contracts import sla_terms

D = Decimal


def _amounts(result: core.InvoiceLines) -> list[tuple[str, str, str, str]]:
    return [(ln.code, str(ln.quantity), str(ln.unit_price), str(ln.amount)) for ln in result.lines]


def test_seat_month_bills_seats_times_months() -> None:
    result = core.invoice_lines(
        "seat_month", {"rate_per_seat_month": D("9876.54")}, core.Usage(months=3, seats=8), vat_pct=D("6")
    )
    # 24 seat-months × 9876.54 = 237036.96; VAT 6 % = 14222.2176 → 14222.22
    assert _amounts(result) == [("seats", "24", "9876.54", "237036.96")]
    assert (result.net, result.vat, result.total) == (D("237036.96"), D("14222.22"), D("251259.18"))


def test_hourly_bills_the_hours_signed_in_rounded_half_up_to_the_fen() -> None:
    result = core.invoice_lines(
        "hourly", {"rate_per_hour": D("55.55")}, core.Usage(months=1, hours=D("100.5"))
    )
    # 100.5 × 55.55 = 5582.775 → 5582.78 (half up)
    assert _amounts(result) == [("hours", "100.5", "55.55", "5582.78")]
    assert result.total == D("5582.78")


def test_per_contact_and_per_resolved() -> None:
    usage = core.Usage(months=1, contacts=12345, resolved=11000)
    contact = core.invoice_lines("per_contact", {"rate_per_contact": D("6.97")}, usage)
    resolved = core.invoice_lines("per_resolved", {"rate_per_resolved": D("7.83")}, usage)
    assert _amounts(contact) == [("contacts", "12345", "6.97", "86044.65")]  # 12345 × 6.97
    assert _amounts(resolved) == [("resolved", "11000", "7.83", "86130.00")]  # 11000 × 7.83


def test_base_plus_commission_on_sales() -> None:
    result = core.invoice_lines(
        "base_commission",
        {"base_per_seat_month": D("5000"), "commission_rate": D("2.5")},
        core.Usage(months=1, seats=4, sales=D("1234567.89")),
    )
    # base 4 × 5000 = 20000; commission 2.5 % of 1234567.89 = 30864.19725 → 30864.20
    assert _amounts(result) == [
        ("base", "4", "5000", "20000.00"),
        ("commission", "1234567.89", "0.025", "30864.20"),
    ]
    assert result.net == D("50864.20")


def test_fixed_monthly_fee_times_months() -> None:
    result = core.invoice_lines("fixed_monthly", {"monthly": D("86000")}, core.Usage(months=3))
    assert _amounts(result) == [("fixed", "3", "86000", "258000.00")]


ANCHOR = {
    "monthly": D("80000"),
    "band_low": D("18000"),
    "band_high": D("22000"),
    "over_rate": D("4.40"),
    "under_rate": D("2.20"),
}


def test_anchored_volume_month_by_month() -> None:
    # month 1 above the band by 1500, month 2 inside it, month 3 below it by 3000
    usage = core.Usage(months=3, contacts_by_month=[23500, 20000, 15000])
    result = core.invoice_lines("anchored_volume", ANCHOR, usage)
    assert [(ln.code, str(ln.quantity), str(ln.amount), ln.month) for ln in result.lines] == [
        ("fixed", "3", "240000.00", None),
        ("over", "1500", "6600.00", 0),  # 1500 × 4.40
        ("under", "3000", "-6600.00", 2),  # 3000 × −2.20
    ]
    assert result.net == D("240000.00")


def test_anchored_volume_agrees_with_the_quote_pricing_of_one_month() -> None:
    from kefu.engagements.quoting.pricing import anchored_bill

    for actual in (10000, 18000, 19999, 22000, 22001, 30000):
        one = core.invoice_lines("anchored_volume", ANCHOR, core.Usage(months=1, contacts_by_month=[actual]))
        expected = anchored_bill(
            monthly=D("80000"), anchor=D("20000"), band=D("0.1"), over_rate=D("4.40"),
            under_rate=D("2.20"), actual=D(actual),
        )  # fmt: skip
        assert one.net == expected


def test_day_rate_bills_the_seat_days_delivered() -> None:
    result = core.invoice_lines(
        "day_rate", {"rate_per_seat_day": D("512.30")}, core.Usage(months=1, seat_days=37)
    )
    assert _amounts(result) == [("seat_days", "37", "512.30", "18955.10")]


def test_sla_credits_bonus_earn_back_and_vat_on_the_net() -> None:
    result = core.invoice_lines(
        "fixed_monthly",
        {"monthly": D("100000")},
        core.Usage(months=1),
        credits=D("5000"),
        bonus=D("1500"),
        earned_back=D("3000"),
        adjustment=D("-250.5"),
        vat_pct=D("6"),
    )
    assert _amounts(result) == [
        ("fixed", "1", "100000", "100000.00"),
        ("sla_credit", "1", "-5000.00", "-5000.00"),
        ("earn_back", "1", "3000.00", "3000.00"),
        ("sla_bonus", "1", "1500.00", "1500.00"),
        ("adjustment", "1", "-250.50", "-250.50"),
    ]
    # net 99249.50; VAT 6 % = 5954.97
    assert (result.net, result.vat, result.total) == (D("99249.50"), D("5954.97"), D("105204.47"))


def test_credits_with_caps_and_earn_back_from_the_sla_core_reach_the_invoice() -> None:
    """Fee 100000; answer rate ≥ 95 %, 1 % per point, term cap 5 %, earn-back after 2 months met;
    the contract's fee at risk 4 %. Month 1: 88 % → 7 points = 7 % → term cap 5000 → contract
    cap 4000. Months 2 and 3 met → the 4000 credited is returned in month 3."""
    term = sla_terms.Term(
        key="ar", direction=sla_terms.HIGHER, target=95, consequence=sla_terms.CREDIT, rate_pct=1,
        cap_pct=5, earn_back_periods=2,
    )  # fmt: skip
    months = [{"ar": sla_terms.Measured(v)} for v in (88.0, 96.0, 97.0)]
    series = sla_terms.evaluate_series([term], months, D("100000"), at_risk_pct=4)
    rates = {"monthly": D("100000")}
    first = core.invoice_lines(
        "fixed_monthly", rates, core.Usage(months=1), credits=series.periods[0].credits
    )
    third = core.invoice_lines(
        "fixed_monthly", rates, core.Usage(months=1), earned_back=series.returned_in(2)
    )
    quarter = core.invoice_lines(
        "fixed_monthly",
        rates,
        core.Usage(months=3),
        credits=sum((p.credits for p in series.periods), D(0)),
        earned_back=sum((series.returned_in(i) for i in range(3)), D(0)),
    )
    assert first.net == D("96000.00")
    assert third.net == D("104000.00")
    assert quarter.net == D("300000.00")  # credited in month 1, returned in month 3


def test_a_negative_net_carries_no_vat() -> None:
    result = core.invoice_lines(
        "per_contact", {"rate_per_contact": D("5")}, core.Usage(months=1, contacts=10),
        credits=D("80"), vat_pct=D("6"),
    )  # fmt: skip
    assert (result.net, result.vat, result.total) == (D("-30.00"), D("0"), D("-30.00"))


def test_a_missing_rate_or_model_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_per_hour"):
        core.invoice_lines("hourly", {}, core.Usage(months=1))
    with pytest.raises(ValueError, match="unknown"):
        core.invoice_lines("barter", {}, core.Usage(months=1))


@given(
    seats=st.integers(0, 500),
    months=st.integers(1, 12),
    rate=st.decimals(min_value=0, max_value=100000, places=2),
    credits=st.decimals(min_value=0, max_value=100000, places=2),
    vat=st.decimals(min_value=0, max_value=20, places=2),
)
def test_the_total_is_the_sum_of_the_rounded_lines_plus_vat(
    seats: int, months: int, rate: D, credits: D, vat: D
) -> None:
    result = core.invoice_lines(
        "seat_month", {"rate_per_seat_month": rate}, core.Usage(months=months, seats=seats),
        credits=credits, vat_pct=vat,
    )  # fmt: skip
    assert result.net == sum((ln.amount for ln in result.lines), D(0))
    assert result.total == result.net + result.vat
    assert all(ln.amount == ln.amount.quantize(D("0.01")) for ln in result.lines)
