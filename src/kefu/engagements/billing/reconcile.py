"""Seat-hour reconciliation: billed seat-hours against scheduled and signed-in hours (pure, no Django).

The scheduled and signed-in seconds of each agent-day come in already measured by the metric
dictionary (the agent-days of `adherence` and `utilisation`, which clip presence and shifts to
the day). The billed seat-hours are spread evenly over the days of the period (a
seat-month bills a number of hours, not a particular day). A difference is flagged when it is
larger than ``tolerance`` (a share of the larger figure, 5 % by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / Decimal(3600)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AgentDay:
    agent: str
    day: date
    scheduled_s: float
    signed_in_s: float


@dataclass(frozen=True)
class Row:
    key: str  # the day (ISO) or the agent
    billed: Decimal | None  # hours (per day only)
    scheduled: Decimal
    signed_in: Decimal
    gap_scheduled: Decimal  # signed in − scheduled
    gap_billed: Decimal | None  # signed in − billed
    flagged: bool


@dataclass(frozen=True)
class Reconciliation:
    days: list[Row]
    agents: list[Row]
    total: Row


def _flag(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    top = max(abs(a), abs(b))
    return top > 0 and abs(a - b) > top * tolerance


def _row(key: str, billed: Decimal | None, scheduled: Decimal, signed_in: Decimal, tolerance: Decimal) -> Row:
    flagged = _flag(signed_in, scheduled, tolerance) or (
        billed is not None and _flag(signed_in, billed, tolerance)
    )
    return Row(
        key, billed, scheduled, signed_in, signed_in - scheduled,
        None if billed is None else signed_in - billed, flagged,
    )  # fmt: skip


def reconcile(
    days: Sequence[date],
    agent_days: Iterable[AgentDay],
    *,
    billed_hours: Decimal,
    tolerance: Decimal = Decimal("0.05"),
) -> Reconciliation:
    """Per day (with the billed hours spread evenly) and per agent, and the period's total."""
    agent_days = list(agent_days)
    count = len(days)
    per_day = (billed_hours / count).quantize(HUNDREDTH, rounding=ROUND_HALF_UP) if count else Decimal(0)
    day_rows = []
    for index, day in enumerate(days):
        mine = [a for a in agent_days if a.day == day]
        # the last day takes the rounding remainder, so the days add up to the billed hours
        billed = billed_hours - per_day * (count - 1) if index == count - 1 else per_day
        day_rows.append(
            _row(
                day.isoformat(),
                billed,
                hours(sum(a.scheduled_s for a in mine)),
                hours(sum(a.signed_in_s for a in mine)),
                tolerance,
            )
        )
    agent_rows = []
    for agent in sorted({a.agent for a in agent_days}):
        mine = [a for a in agent_days if a.agent == agent]
        agent_rows.append(
            _row(
                agent,
                None,
                hours(sum(a.scheduled_s for a in mine)),
                hours(sum(a.signed_in_s for a in mine)),
                tolerance,
            )
        )
    total = _row(
        "total",
        billed_hours,
        sum((r.scheduled for r in day_rows), Decimal(0)),
        sum((r.signed_in for r in day_rows), Decimal(0)),
        tolerance,
    )
    return Reconciliation(day_rows, agent_rows, total)
