"""One interval of one queue: solve for agents or evaluate a staffing (Erlang C, or A with patience).

The shared core of `kefu staffing`, the staffing page and the API, so the three give the same
numbers and the same errors. No Django imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kefu.workforce import erlang

ONE_OF_TARGET_OR_AGENTS = (
    "give exactly one of --target-sl (solve for agents) or --agents (evaluate a staffing)"
)


class StaffingInputError(ValueError):
    """Bad input, naming the field (`calls`, `target_sl`, …) so each interface can point at it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(self.cli_message)

    @property
    def cli_message(self) -> str:
        """`--calls must be >= 0`: the option's name in front of a sentence about it."""
        if self.message.startswith(("must", "needs")):
            return f"--{self.field.replace('_', '-')} {self.message}"
        return self.message


@dataclass(frozen=True)
class StaffingQuery:
    calls: float
    interval: float
    aht: float
    target_answer: float
    target_sl: float | None = None
    agents: int | None = None
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    patience: float | None = None
    max_abandon: float | None = None
    max_asa: float | None = None
    sl_basis: str = "offered"

    @property
    def erlang_a(self) -> bool:
        return self.patience is not None


@dataclass(frozen=True)
class PlanTargets:
    """The targets a staffing plan turns a forecast into heads with.

    `PLAN_DEFAULTS` is the one place their defaults live: the service, the API schema and the
    forecast page's form all read it, so a plan made without choices shows the targets it used.
    """

    aht_s: float
    target_answer_s: float
    target_sl: float
    shrinkage: float
    concurrency: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "aht_s": self.aht_s,
            "target_answer_s": self.target_answer_s,
            "target_sl": self.target_sl,
            "shrinkage": self.shrinkage,
            "concurrency": self.concurrency,
        }


# 80 % answered within 20 s (the industry's classic 80/20), 3-minute handle time, 30 % shrinkage
# (breaks, training, absence), one contact at a time: a phone-like default that overstates chat
# staffing rather than understating it.
PLAN_DEFAULTS = PlanTargets(aht_s=180.0, target_answer_s=20.0, target_sl=0.8, shrinkage=0.3, concurrency=1)


def _number(value: Any) -> float | int | None:
    """JSON-ready scalar: ``None`` for undefined (nan / inf) values."""
    if value is None:
        return None
    item = np.asarray(value).item()
    if isinstance(item, bool | int):
        return item
    return item if math.isfinite(item) else None


def validate(q: StaffingQuery) -> None:
    for name in (
        "calls",
        "interval",
        "aht",
        "target_answer",
        "target_sl",
        "max_occupancy",
        "shrinkage",
        "patience",
        "max_abandon",
        "max_asa",
    ):
        value = getattr(q, name)
        if value is not None and not math.isfinite(value):
            raise StaffingInputError(name, "must be a finite number")
    if (q.target_sl is None) == (q.agents is None):
        raise StaffingInputError("target_sl", ONE_OF_TARGET_OR_AGENTS)
    checks = [
        ("calls", q.calls >= 0, "must be >= 0"),
        ("interval", q.interval > 0, "must be > 0 seconds"),
        ("aht", q.aht > 0, "must be > 0 seconds"),
        ("target_answer", q.target_answer >= 0, "must be >= 0 seconds"),
        ("target_sl", q.target_sl is None or 0 <= q.target_sl <= 1, "must be between 0 and 1"),
        ("agents", q.agents is None or q.agents >= 0, "must be >= 0"),
        ("max_occupancy", q.max_occupancy is None or 0 < q.max_occupancy <= 1, "must be in (0, 1]"),
        ("shrinkage", 0 <= q.shrinkage < 1, "must be in [0, 1)"),
        ("patience", q.patience is None or q.patience > 0, "must be > 0 seconds"),
        ("max_abandon", q.max_abandon is None or 0 <= q.max_abandon <= 1, "must be between 0 and 1"),
        ("max_abandon", q.max_abandon is None or q.patience is not None, "needs --patience (Erlang A)"),
        ("max_asa", q.max_asa is None or q.max_asa >= 0, "must be >= 0 seconds"),
        ("sl_basis", q.sl_basis in {"offered", "answered"}, "must be offered or answered"),
    ]
    for field, ok, message in checks:
        if not ok:
            raise StaffingInputError(field, message)


def _meets(metrics: erlang.QueueMetrics, q: StaffingQuery) -> bool:
    """Evaluation mode: the given staffing is stable and meets every cap that was given."""
    if not bool(metrics.stable):
        return False
    occupancy = float(metrics.occupancy)
    if (
        q.max_occupancy is not None
        and math.isfinite(occupancy)
        and occupancy > q.max_occupancy * (1 + erlang.OCCUPANCY_RTOL)
    ):
        return False
    if q.max_abandon is not None and float(metrics.abandon_probability) > q.max_abandon:
        return False
    return not (q.max_asa is not None and float(metrics.asa_s) > q.max_asa)


def staffing_report(q: StaffingQuery) -> dict[str, Any]:
    """The CLI's JSON object: model, traffic, feasibility, agents, and the measures at that N."""
    validate(q)
    common = {"calls": q.calls, "aht_s": q.aht, "interval_s": q.interval}
    if q.agents is None:
        targets = {
            "answer_time_s": q.target_answer,
            "service_level": q.target_sl,
            "max_occupancy": q.max_occupancy,
            "max_asa_s": q.max_asa,
        }
        if q.erlang_a:
            staffing = erlang.erlang_a_staffing(
                **common, **targets, patience_s=q.patience, sl_basis=q.sl_basis, max_abandon=q.max_abandon
            )
        else:
            staffing = erlang.erlang_c_staffing(**common, **targets)
        feasible = bool(staffing.feasible)
        metrics = staffing.metrics
        agents = int(staffing.agents) if feasible else None
    else:
        agents = q.agents
        if q.erlang_a:
            metrics = erlang.erlang_a_metrics(agents, q.calls, q.aht, q.interval, q.target_answer, q.patience)
        else:
            metrics = erlang.erlang_c_metrics(agents, q.calls, q.aht, q.interval, q.target_answer)
        feasible = _meets(metrics, q)
    scheduled = int(erlang.scheduled_agents(agents, q.shrinkage)) if agents is not None else None
    payload: dict[str, Any] = {
        "model": "erlang_a" if q.erlang_a else "erlang_c",
        "traffic_erlangs": _number(metrics.traffic),
        "feasible": feasible,
        "agents": agents,
        "scheduled_agents": scheduled,
        "service_level": _number(metrics.service_level),
    }
    if q.erlang_a:
        payload["service_level_answered"] = _number(metrics.service_level_answered)
    payload["probability_wait"] = _number(metrics.probability_wait)
    payload["asa_seconds"] = _number(metrics.asa_s)
    payload["occupancy"] = _number(metrics.occupancy)
    if q.erlang_a:
        payload["abandon_probability"] = _number(metrics.abandon_probability)
    return payload


def staffing_curve(q: StaffingQuery, *, around: int, below: int = 3, above: int = 5) -> list[dict[str, Any]]:
    """The measures for N near a staffing, so a planner sees what one agent more or less does."""
    validate(q)
    agents = np.arange(max(1, around - below), max(2, around + above + 1))
    if q.erlang_a:
        metrics = erlang.erlang_a_metrics(agents, q.calls, q.aht, q.interval, q.target_answer, q.patience)
    else:
        metrics = erlang.erlang_c_metrics(agents, q.calls, q.aht, q.interval, q.target_answer)
    return [
        {
            "agents": int(n),
            "service_level": _number(metrics.service_level[i]),
            "asa_seconds": _number(metrics.asa_s[i]),
            "occupancy": _number(metrics.occupancy[i]),
            "abandon_probability": _number(metrics.abandon_probability[i]) if q.erlang_a else None,
        }
        for i, n in enumerate(agents)
    ]
