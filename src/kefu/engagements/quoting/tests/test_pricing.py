"""Every pricing model against hand-computed figures (issue 14: quote arithmetic)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.engagements.quoting import pricing
from kefu.engagements.quoting.intake import parse_cost_model

D = Decimal

# Cost lines adding up to 10 000 per seat-month, margin 20 %: a seat-month sells at 12 500.
COST = {
    "monthly_per_seat": {
        "salary": 5000,
        "social_insurance": 1500,
        "lodging_meals": 800,
        "training": 300,
        "management": 900,
        "recruiting": 200,
        "office": 700,
        "equipment": 350,
        "software": 250,
    },
    "margin": 0.2,
    "hours_per_seat_month": 160,
    "working_days_per_month": 20,
    "pricing": {
        "resolution_rate": 0.8,
        "base_share": 0.6,
        "commission_rate": 0.03,
        "fixed_risk_premium": 0.04,
        "anchor_band": 0.1,
        "over_factor": 1,
        "under_factor": 0.6,
        "short_term_premium": 0.25,
    },
}
USAGE = pricing.Usage(seats=10, monthly_contacts=D("50000"), monthly_sales=D("1000000"))


@pytest.fixture
def prices() -> dict[str, dict[str, str]]:
    return pricing.price_models(parse_cost_model(COST), USAGE)


def test_seat_month_is_cost_over_one_minus_margin(prices: dict[str, dict[str, str]]) -> None:
    # 10 000 / (1 − 0.2) = 12 500 a seat; × 10 seats
    assert prices["seat_month"] == {"rate_per_seat_month": "12500.00", "monthly": "125000.00"}


def test_hourly_spreads_the_seat_over_its_hours(prices: dict[str, dict[str, str]]) -> None:
    # 12 500 / 160 h = 78.125 → 78.13 (half-up)
    assert prices["hourly"] == {"rate_per_hour": "78.13", "monthly": "125000.00"}


def test_per_contact_and_per_resolved(prices: dict[str, dict[str, str]]) -> None:
    # 125 000 / 50 000 = 2.50; resolved 50 000 × 0.8 = 40 000 → 3.125 → 3.13
    assert prices["per_contact"] == {"rate_per_contact": "2.50", "monthly": "125000.00"}
    assert prices["per_resolved"] == {"rate_per_resolved": "3.13", "monthly": "125000.00"}


def test_base_plus_commission(prices: dict[str, dict[str, str]]) -> None:
    # base 12 500 × 0.6 = 7 500 a seat → 75 000; commission 3 % of 1 000 000 = 30 000
    assert prices["base_commission"] == {
        "base_per_seat_month": "7500.00",
        "commission_rate": "3.00",
        "monthly": "105000.00",
    }


def test_fixed_monthly_carries_a_risk_premium(prices: dict[str, dict[str, str]]) -> None:
    assert prices["fixed_monthly"] == {"monthly": "130000.00"}  # 125 000 × 1.04


def test_anchored_volume_rates_and_band(prices: dict[str, dict[str, str]]) -> None:
    assert prices["anchored_volume"] == {
        "anchor_contacts": "50000.00",
        "monthly": "125000.00",
        "over_rate": "2.50",
        "under_rate": "1.50",  # 2.50 × 0.6
        "band_low": "45000.00",
        "band_high": "55000.00",
    }


@pytest.mark.parametrize(
    ("actual", "bill"),
    [
        ("50000", "125000.00"),  # on the anchor
        ("54000", "125000.00"),  # inside the band: the fee stands
        ("60000", "137500.00"),  # 125 000 + (60 000 − 55 000) × 2.50
        ("40000", "117500.00"),  # 125 000 − (45 000 − 40 000) × 1.50
    ],
)
def test_anchored_bill(actual: str, bill: str) -> None:
    got = pricing.anchored_bill(
        monthly=D("125000"),
        anchor=D("50000"),
        band=D("0.1"),
        over_rate=D("2.5"),
        under_rate=D("1.5"),
        actual=D(actual),
    )
    assert got == D(bill)


def test_day_rate_for_short_terms(prices: dict[str, dict[str, str]]) -> None:
    # 12 500 / 20 days × 1.25 = 781.25 a seat-day; × 20 days × 10 seats
    assert prices["day_rate"] == {"rate_per_seat_day": "781.25", "monthly": "156250.00"}


def test_every_model_is_priced(prices: dict[str, dict[str, str]]) -> None:
    assert tuple(prices) == pricing.MODELS


def test_cost_lines_explain_the_price() -> None:
    lines = pricing.cost_lines(parse_cost_model(COST), 2)
    assert lines[0] == {"line": "salary", "per_seat_month": "5000.00", "monthly": "10000.00"}
    assert lines[-1] == {"line": "margin", "per_seat_month": "2500.00", "monthly": "5000.00"}
    assert sum(D(r["monthly"]) for r in lines) == D("25000.00")


def test_no_contacts_prices_per_contact_at_zero_rather_than_dividing_by_zero() -> None:
    prices = pricing.price_models(parse_cost_model(COST), pricing.Usage(seats=1, monthly_contacts=D("0")))
    assert prices["per_contact"]["rate_per_contact"] == "0.00"
