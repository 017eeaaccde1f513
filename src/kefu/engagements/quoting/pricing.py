"""Every pricing model of a quote from one cost per seat-month (pure, no Django).

All prices start from the same number, the provider's price of one seat-month:
price = cost / (1 − margin) (margin is a share of the price, as finance states it). Each model
re-expresses that monthly total so that, at the expected volume, every model earns the same
before its own risk adjustments; so a client comparing models compares risk, not arithmetic.
Money is `Decimal`, rounded to fen (0.01) half-up, only at the end of each figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kefu.engagements.quoting.intake import CostModel

FEN = Decimal("0.01")
MODELS = (
    "seat_month",
    "hourly",
    "per_contact",
    "per_resolved",
    "base_commission",
    "fixed_monthly",
    "anchored_volume",
    "day_rate",
)


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """What the price is for: seats, and the month's expected contacts and sales."""

    seats: int
    monthly_contacts: Decimal
    monthly_sales: Decimal = Decimal("0")


def seat_price(cost: CostModel) -> Decimal:
    """Unrounded price of one seat-month: cost / (1 − margin)."""
    return cost.cost_per_seat / (Decimal("1") - cost.margin)


def monthly_total(cost: CostModel, usage: Usage) -> Decimal:
    return seat_price(cost) * usage.seats


def price_models(cost: CostModel, usage: Usage) -> dict[str, dict[str, str]]:
    """Each pricing model's rates and its expected monthly amount at `usage` (strings of fen)."""
    per_seat = seat_price(cost)
    total = per_seat * usage.seats
    contacts = usage.monthly_contacts
    per_contact = total / contacts if contacts > 0 else Decimal("0")
    resolved = contacts * cost.resolution_rate
    per_resolved = total / resolved if resolved > 0 else Decimal("0")
    base = per_seat * cost.base_share
    commission = usage.monthly_sales * cost.commission_rate
    day = per_seat / cost.working_days_per_month * (Decimal("1") + cost.short_term_premium)

    def out(**values: Decimal) -> dict[str, str]:
        return {k: str(money(v)) for k, v in values.items()}

    return {
        "seat_month": out(rate_per_seat_month=per_seat, monthly=total),
        "hourly": out(rate_per_hour=per_seat / cost.hours_per_seat_month, monthly=total),
        "per_contact": out(rate_per_contact=per_contact, monthly=total),
        "per_resolved": out(rate_per_resolved=per_resolved, monthly=total),
        "base_commission": out(
            base_per_seat_month=base,
            commission_rate=cost.commission_rate * 100,  # percent of the sales the service makes
            monthly=base * usage.seats + commission,
        ),
        "fixed_monthly": out(monthly=total * (Decimal("1") + cost.fixed_risk_premium)),
        "anchored_volume": out(
            anchor_contacts=contacts,
            monthly=total,
            over_rate=per_contact * cost.over_factor,
            under_rate=per_contact * cost.under_factor,
            band_low=contacts * (Decimal("1") - cost.anchor_band),
            band_high=contacts * (Decimal("1") + cost.anchor_band),
        ),
        "day_rate": out(rate_per_seat_day=day, monthly=day * cost.working_days_per_month * usage.seats),
    }


def anchored_bill(
    *,
    monthly: Decimal,
    anchor: Decimal,
    band: Decimal,
    over_rate: Decimal,
    under_rate: Decimal,
    actual: Decimal,
) -> Decimal:
    """An anchored-volume month: the fixed fee inside ±band of the anchor; above it each extra
    contact costs `over_rate`, below it each missing contact is credited at `under_rate`."""
    high = anchor * (Decimal("1") + band)
    low = anchor * (Decimal("1") - band)
    if actual > high:
        return money(monthly + (actual - high) * over_rate)
    if actual < low:
        return money(monthly - (low - actual) * under_rate)
    return money(monthly)


def cost_lines(cost: CostModel, seats: int) -> list[dict[str, str]]:
    """Each cost line per seat-month and for all seats, then the margin, so the price is explained."""
    rows = [
        {"line": name, "per_seat_month": str(money(amount)), "monthly": str(money(amount * seats))}
        for name, amount in cost.lines.items()
    ]
    margin = seat_price(cost) - cost.cost_per_seat
    rows.append(
        {"line": "margin", "per_seat_month": str(money(margin)), "monthly": str(money(margin * seats))}
    )
    return rows
