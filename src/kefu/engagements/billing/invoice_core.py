"""An invoice's lines from the contract's pricing terms and the period's measured usage (pure, no Django).

Inputs are numbers: the pricing model and its rates (the contract's, see `pricing_terms`), the
usage measured in the period (`Usage`), the SLA money of the period (credits, bonus, credits
earned back) and the VAT rate. The output is a list of `Line`s (each with its quantity, unit
price and amount) and the totals. Every amount is a `Decimal` rounded to the fen (0.01) half-up,
line by line; the totals are sums of rounded lines, so the printed invoice adds up.

Per model (`quoting.pricing.MODELS`), for a period of ``months`` whole months:

- ``seat_month``: seats × months × rate per seat-month;
- ``hourly``: hours agents were signed in × rate per hour;
- ``per_contact``: contacts handled × rate per contact;
- ``per_resolved``: resolved conversations × rate per resolved conversation;
- ``base_commission``: seats × months × base per seat-month, plus commission % of the sales:
  one line per month with a confirmed sales statement (``sales_by_month``, None for a month
  without one: no line, the caller says so), and a line for a typed sales correction;
- ``fixed_monthly``: months × the monthly fee;
- ``anchored_volume``: each month the fixed fee; contacts above the band's top cost
  ``over_rate`` each, contacts below its bottom are credited at ``under_rate`` each (per month,
  as `quoting.pricing.anchored_bill`);
- ``day_rate``: seat-days delivered (agent-days signed in for the client) × rate per seat-day.

Then the SLA lines: credits (negative), bonus (positive), credits earned back (positive), an
optional manual adjustment of a corrected version, and VAT on the net amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0")

# the rates each pricing model needs (all Decimals; commission_rate in percent)
RATE_KEYS: dict[str, tuple[str, ...]] = {
    "seat_month": ("rate_per_seat_month",),
    "hourly": ("rate_per_hour",),
    "per_contact": ("rate_per_contact",),
    "per_resolved": ("rate_per_resolved",),
    "base_commission": ("base_per_seat_month", "commission_rate"),
    "fixed_monthly": ("monthly",),
    "anchored_volume": ("monthly", "band_low", "band_high", "over_rate", "under_rate"),
    "day_rate": ("rate_per_seat_day",),
}


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """What was delivered in the period (each figure measured from the event log)."""

    months: int
    seats: int = 0  # seats billed (the contract's)
    hours: Decimal = ZERO  # hours agents were signed in for the client
    contacts: int = 0  # contacts handled
    resolved: int = 0  # conversations resolved
    sales: Decimal = ZERO  # sales the service made (commission base), when not given by month
    sales_by_month: Sequence[Decimal | None] = ()  # net sales of each month's confirmed statement
    sales_correction: Decimal = ZERO  # a typed correction of the sales (with its reason, elsewhere)
    seat_days: int = 0  # agent-days signed in for the client
    contacts_by_month: Sequence[int] = ()  # anchored volume: the contacts of each month


@dataclass(frozen=True)
class Line:
    code: str  # what the line is for (seats, hours, contacts, sla_credit, …)
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    month: int | None = None  # the month of the period (0-based) for per-month lines


@dataclass(frozen=True)
class InvoiceLines:
    lines: list[Line]
    net: Decimal  # before VAT
    vat: Decimal
    total: Decimal
    detail: dict[str, str] = field(default_factory=dict)


def _line(code: str, quantity: Decimal | int, unit_price: Decimal, month: int | None = None) -> Line:
    q = Decimal(quantity)
    return Line(code, q, unit_price, money(q * unit_price), month)


def usage_lines(model: str, rates: Mapping[str, Decimal], usage: Usage) -> list[Line]:
    """The lines the pricing model makes of the usage (before SLA money and VAT)."""
    if model not in RATE_KEYS:
        raise ValueError(f"unknown pricing model {model!r}")
    missing = [k for k in RATE_KEYS[model] if k not in rates]
    if missing:
        raise ValueError(f"missing rate {missing[0]!r} for {model}")
    r = rates
    seat_months = Decimal(usage.seats * usage.months)
    if model == "seat_month":
        return [_line("seats", seat_months, r["rate_per_seat_month"])]
    if model == "hourly":
        return [_line("hours", usage.hours, r["rate_per_hour"])]
    if model == "per_contact":
        return [_line("contacts", usage.contacts, r["rate_per_contact"])]
    if model == "per_resolved":
        return [_line("resolved", usage.resolved, r["rate_per_resolved"])]
    if model == "base_commission":
        rate = r["commission_rate"] / Decimal(100)
        lines = [_line("base", seat_months, r["base_per_seat_month"])]
        if usage.sales_by_month:
            lines += [
                _line("commission", sales, rate, index)
                for index, sales in enumerate(usage.sales_by_month)
                if sales is not None
            ]
        else:
            lines.append(_line("commission", usage.sales, rate))
        if usage.sales_correction:
            lines.append(_line("commission_correction", usage.sales_correction, rate))
        return lines
    if model == "fixed_monthly":
        return [_line("fixed", usage.months, r["monthly"])]
    if model == "anchored_volume":
        months = list(usage.contacts_by_month) or [usage.contacts]
        lines = [_line("fixed", len(months), r["monthly"])]
        for index, contacts in enumerate(months):
            actual = Decimal(contacts)
            if actual > r["band_high"]:
                lines.append(_line("over", actual - r["band_high"], r["over_rate"], index))
            elif actual < r["band_low"]:
                lines.append(_line("under", r["band_low"] - actual, -r["under_rate"], index))
        return lines
    return [_line("seat_days", usage.seat_days, r["rate_per_seat_day"])]


def invoice_lines(
    model: str,
    rates: Mapping[str, Decimal],
    usage: Usage,
    *,
    credits: Decimal = ZERO,
    bonus: Decimal = ZERO,
    earned_back: Decimal = ZERO,
    adjustment: Decimal = ZERO,
    vat_pct: Decimal = ZERO,
) -> InvoiceLines:
    """Every line of the invoice and its totals (credits are given positive, as `sla_terms` does)."""
    lines = usage_lines(model, rates, usage)
    one = Decimal(1)
    if credits:
        lines.append(_line("sla_credit", one, -money(credits)))
    if earned_back:
        lines.append(_line("earn_back", one, money(earned_back)))
    if bonus:
        lines.append(_line("sla_bonus", one, money(bonus)))
    if adjustment:
        lines.append(_line("adjustment", one, money(adjustment)))
    net = sum((line.amount for line in lines), ZERO)
    vat = money(net * vat_pct / Decimal(100)) if net > 0 else ZERO
    return InvoiceLines(lines, money(net), vat, money(net + vat))
