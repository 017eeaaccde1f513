"""What-if on one queue: the planned staffing, then the same with a volume spike and absences.

Both are simulated (simpy, `simulate.replicate`) so the comparison holds where Erlang's
steady-state assumptions do not (a spike for two intervals, three agents off sick at lunch);
the Erlang figure for the plan is shown beside them as a cross-check. No Django imports.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from kefu.workforce import erlang, simulate

MAX_SIMULATED_CONTACTS = 20_000  # per replication: keeps a page request to a few seconds


class WhatIfInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class WhatIfQuery:
    calls: float
    aht: float
    agents: int
    interval: float = 1800.0
    intervals: int = 8
    answer_time: float = 20.0
    patience: float | None = None
    concurrency: int = 1
    spike_factor: float = 1.0
    spike_from: int = 1
    spike_to: int = 1
    absent_agents: int = 0
    absent_from: int = 1
    absent_to: int = 1
    replications: int = 10
    seed: int = 0


def validate(q: WhatIfQuery) -> None:
    checks = [
        ("calls", q.calls >= 0, "must be >= 0"),
        ("aht", q.aht > 0, "must be > 0 seconds"),
        ("agents", q.agents >= 1, "must be at least 1"),
        ("interval", 60 <= q.interval <= 7200, "must be between 60 and 7200 seconds"),
        ("intervals", 1 <= q.intervals <= 48, "must be between 1 and 48"),
        ("answer_time", q.answer_time >= 0, "must be >= 0 seconds"),
        ("patience", q.patience is None or q.patience > 0, "must be > 0 seconds"),
        ("concurrency", 1 <= q.concurrency <= 10, "must be between 1 and 10"),
        ("spike_factor", 0 < q.spike_factor <= 10, "must be between 0 and 10"),
        (
            "spike_to",
            1 <= q.spike_from <= q.spike_to <= q.intervals,
            "must lie within the intervals, from ≤ to",
        ),
        ("absent_agents", 0 <= q.absent_agents <= q.agents, "must be between 0 and the agents planned"),
        (
            "absent_to",
            1 <= q.absent_from <= q.absent_to <= q.intervals,
            "must lie within the intervals, from ≤ to",
        ),
        ("replications", 2 <= q.replications <= 30, "must be between 2 and 30"),
    ]
    for field, ok, message in checks:
        if not ok:
            raise WhatIfInputError(field, message)
    busiest = q.calls * max(1.0, q.spike_factor) * q.intervals
    if busiest > MAX_SIMULATED_CONTACTS:
        raise WhatIfInputError(
            "calls", f"simulates {busiest:.0f} contacts per run; keep it under {MAX_SIMULATED_CONTACTS}"
        )


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _summary(summary: simulate.ReplicationSummary) -> dict[str, Any]:
    measures = summary.queues["q"]
    out: dict[str, Any] = {}
    for name, estimate in measures.items():
        out[name] = {
            "mean": _number(estimate.mean),
            "low": _number(estimate.low),
            "high": _number(estimate.high),
        }
    occupancy = summary.occupancy["agents"]
    out["occupancy"] = {
        "mean": _number(occupancy.mean),
        "low": _number(occupancy.low),
        "high": _number(occupancy.high),
    }
    return out


def run(q: WhatIfQuery) -> dict[str, Any]:
    """Simulate the plan and the what-if; report both with 95% intervals, plus Erlang for the plan."""
    validate(q)
    started = time.perf_counter()
    plan = simulate.Scenario.single_queue(
        calls=q.calls,
        aht_s=q.aht,
        agents=q.agents,
        interval_s=q.interval,
        intervals=q.intervals,
        answer_time_s=q.answer_time,
        patience_s=q.patience,
        concurrency=q.concurrency,
        warmup_intervals=0,
    )
    scenario = plan
    if q.spike_factor != 1.0:
        scenario = scenario.with_spike("q", q.spike_factor, range(q.spike_from - 1, q.spike_to))
    if q.absent_agents:
        scenario = scenario.with_absence("agents", q.absent_agents, range(q.absent_from - 1, q.absent_to))
    baseline = simulate.replicate(plan, replications=q.replications, seed=q.seed)
    what_if = simulate.replicate(scenario, replications=q.replications, seed=q.seed + 1)
    if q.patience is None:
        analytic = erlang.erlang_c_metrics(
            q.agents * q.concurrency, q.calls, q.aht, q.interval, q.answer_time
        )
    else:
        analytic = erlang.erlang_a_metrics(
            q.agents * q.concurrency, q.calls, q.aht, q.interval, q.answer_time, q.patience
        )
    return {
        "plan": _summary(baseline),
        "what_if": _summary(what_if),
        "erlang": {
            "model": "erlang_a" if q.patience is not None else "erlang_c",
            "service_level": _number(float(analytic.service_level)),
            "asa_s": _number(float(analytic.asa_s)),
            "abandon_probability": _number(float(analytic.abandon_probability)) if q.patience else None,
        },
        "replications": q.replications,
        "seconds": round(time.perf_counter() - started, 2),
    }
