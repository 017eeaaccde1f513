"""The one quote object: estimate, options and prices, from an intake and a cost model.

Pure, no Django. `kefu quote --json` prints it, the quote page renders it and the PDF prints it,
so the three never disagree. Its shape is documented in docs/engagements-quotes.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kefu.engagements.quoting import estimate as estimate_core
from kefu.engagements.quoting import pricing
from kefu.engagements.quoting.intake import CostModel, Intake, QuoteInputError

MAX_OPTIONS = 5


def default_options(recommended: int) -> list[int]:
    """Two seats fewer, the recommendation and two more: what a sales call usually weighs."""
    return sorted({max(1, recommended - 2), recommended, recommended + 2})


def check_options(options: list[Any]) -> list[int]:
    if not isinstance(options, list) or not options or len(options) > MAX_OPTIONS:
        raise QuoteInputError("options", f"must be a list of 1 to {MAX_OPTIONS} seat counts")
    seats = []
    for i, value in enumerate(options):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
            raise QuoteInputError(f"options[{i}]", "must be a whole number of seats from 1 to 10000")
        seats.append(value)
    return sorted(set(seats))


def build_quote(intake: Intake, cost: CostModel, *, options: list[int] | None = None) -> dict[str, Any]:
    """Seats per hour, the options with their expected service level, cost lines and prices."""
    est = estimate_core.estimate(intake, shift_hours=cost.shift_hours)
    seat_options = check_options(options) if options is not None else default_options(est.seats_recommended)
    usage_contacts = Decimal(str(est.monthly_contacts))
    rows = []
    for seats in seat_options:
        usage = pricing.Usage(
            seats=seats, monthly_contacts=usage_contacts, monthly_sales=intake.expected_monthly_sales
        )
        rows.append(
            {
                "seats": seats,
                "recommended": seats == est.seats_recommended,
                "expected_service_level": estimate_core.expected_service_level(
                    intake, est.normal, seats, shift_hours=cost.shift_hours
                ),
                "expected_service_level_campaign": estimate_core.expected_service_level(
                    intake, est.campaign, seats, shift_hours=cost.shift_hours
                ),
                "cost_lines": pricing.cost_lines(cost, seats),
                "prices": pricing.price_models(cost, usage),
            }
        )
    return {
        "currency": cost.currency,
        "client_name": intake.client_name,
        "service_hours": est.hours,
        "staffing": {
            "shrinkage": intake.shrinkage,
            "target_service_level": intake.target_service_level,
            "target_answer_s": intake.target_answer_s,
            "shift_hours": cost.shift_hours,
            "seats_normal_day": est.seats_normal,
            "seats_campaign_day": est.seats_campaign,
            "seats_month_average": est.seats_average,
            "seats_recommended": est.seats_recommended,
            "seats_after_growth": est.seats_after_growth,
            "monthly_contacts": est.monthly_contacts,
            "seats_per_hour": _per_hour(est.normal, est.hours),
            "seats_per_hour_campaign": _per_hour(est.campaign, est.hours),
        },
        "cost_per_seat_month": str(pricing.money(cost.cost_per_seat)),
        "price_per_seat_month": str(pricing.money(pricing.seat_price(cost))),
        "margin": str(cost.margin),
        "short_term": intake.is_short_term,
        "options": rows,
    }


def _per_hour(needs: list[estimate_core.HourNeed], hours: list[int]) -> list[dict[str, Any]]:
    """One row per service hour: contacts, agents on the line and scheduled, per channel."""
    out = []
    for hour in hours:
        row: dict[str, Any] = {"hour": hour, "channels": {}}
        for need in needs:
            if need.hour == hour:
                row["channels"][need.channel] = {
                    "contacts": need.contacts,
                    "agents": need.agents,
                    "scheduled": need.scheduled,
                }
        row["scheduled"] = sum(c["scheduled"] for c in row["channels"].values())
        out.append(row)
    return out
