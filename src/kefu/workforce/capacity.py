"""Rough seat estimate for a quote, from a shop's average daily inquiries (pure, no Django).

This is the simple path used before any interval history exists: an online shop says
"about 800 inquiries a day, double on promotion days, 4 promotion days a month, service
09:00–24:00" and sales needs a seat count. Interval forecasting and Erlang staffing
replace it once history is imported.

Assumptions (defaults, all overridable):
- One *seat* is one agent for one shift of `shift_hours` (8 h) per day.
- A chat agent handles `chats_per_agent_hour` = 20 inquiries per logged-in hour: about
  three concurrent chats of ~9 minutes each, typical of Chinese e-commerce pre/after-sales chat.
- Agents are productive `occupancy` = 80 % of a shift (breaks, wrap-up, training).
  So one seat handles 20 × 8 × 0.8 = 128 inquiries a day (`per_seat_daily_capacity`).
- Volume is not flat: the busiest hour carries `peak_factor` = 1.5 × the average hour;
  the agents online then must absorb it.
- At least `min_online` = 1 agent is online through all `service_hours`, so service hours
  longer than a shift need several seats even for a tiny shop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_CHATS_PER_AGENT_HOUR = 20.0
DEFAULT_SHIFT_HOURS = 8.0
DEFAULT_OCCUPANCY = 0.8
DEFAULT_PEAK_FACTOR = 1.5
DEFAULT_SERVICE_HOURS = 12.0
DAYS_PER_MONTH = 30.0


@dataclass(frozen=True)
class SeatEstimate:
    """Seats for a normal and a campaign day, and the month's average for pricing."""

    seats: int  # seats on a normal day
    campaign_seats: int  # seats on a campaign day
    average_seats: float  # seat-days per day averaged over a month with campaign days
    per_seat_daily_capacity: float  # inquiries one seat handles per day
    workload_seats: float  # normal-day inquiries / per-seat capacity, unrounded
    coverage_seats: int  # seats needed just to keep `min_online` agents through service hours
    peak_online: int  # agents needed online in the busiest hour of a normal day


def estimate_seats(
    daily_inquiries: float,
    *,
    campaign_multiplier: float = 1.0,
    campaign_days_per_month: float = 0.0,
    service_hours: float = DEFAULT_SERVICE_HOURS,
    chats_per_agent_hour: float = DEFAULT_CHATS_PER_AGENT_HOUR,
    shift_hours: float = DEFAULT_SHIFT_HOURS,
    occupancy: float = DEFAULT_OCCUPANCY,
    per_seat_daily_capacity: float | None = None,
    peak_factor: float = DEFAULT_PEAK_FACTOR,
    min_online: int = 1,
) -> SeatEstimate:
    """Seats = max(workload, peak-hour need, coverage of service hours), for normal and campaign days.

    `per_seat_daily_capacity`, when given, replaces chats/hour × shift × occupancy (a
    client's own measured figure beats the default). `campaign_multiplier` is volume on a
    campaign day relative to a normal day.
    """
    _require(daily_inquiries >= 0, "daily_inquiries must not be negative")
    _require(campaign_multiplier > 0, "campaign_multiplier must be positive")
    _require(0 <= campaign_days_per_month <= DAYS_PER_MONTH, "campaign_days_per_month must be 0–30")
    _require(0 < service_hours <= 24, "service_hours must be in (0, 24]")
    _require(chats_per_agent_hour > 0, "chats_per_agent_hour must be positive")
    _require(0 < shift_hours <= 24, "shift_hours must be in (0, 24]")
    _require(0 < occupancy <= 1, "occupancy must be in (0, 1]")
    _require(peak_factor >= 1, "peak_factor must be at least 1")
    _require(min_online >= 0, "min_online must not be negative")
    if per_seat_daily_capacity is None:
        per_seat_daily_capacity = chats_per_agent_hour * min(shift_hours, service_hours) * occupancy
    _require(per_seat_daily_capacity > 0, "per_seat_daily_capacity must be positive")
    hourly_capacity = per_seat_daily_capacity / min(shift_hours, service_hours)
    coverage = math.ceil(service_hours / shift_hours) * min_online

    def seats_for(volume: float) -> tuple[int, float, int]:
        workload = volume / per_seat_daily_capacity
        peak = math.ceil(_trim(volume / service_hours * peak_factor / hourly_capacity))
        return max(math.ceil(_trim(workload)), peak, coverage), workload, peak

    seats, workload, peak = seats_for(daily_inquiries)
    campaign_seats, _, _ = seats_for(daily_inquiries * campaign_multiplier)
    days = campaign_days_per_month
    average = ((DAYS_PER_MONTH - days) * seats + days * campaign_seats) / DAYS_PER_MONTH
    return SeatEstimate(
        seats=seats,
        campaign_seats=campaign_seats,
        average_seats=round(average, 2),
        per_seat_daily_capacity=per_seat_daily_capacity,
        workload_seats=round(workload, 3),
        coverage_seats=coverage,
        peak_online=peak,
    )


def _trim(x: float) -> float:
    """Drop float noise before ceil, so 3.0000000001 seats stays 3."""
    return round(x, 9)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
