"""The benchmark week for the shift solver: a seeded, realistic e-commerce week (demand peaks, overlapping
skills, full- and part-timers with rules of their own, some leave).

Only the benchmarks use it (`bench/schedule.py`, `bench/workforce.py`), so it lives here, not in `src/`.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from kefu.workforce.rostering.problem import (
    DAY_MINUTES,
    WEEK_DAYS,
    Agent,
    ScheduleProblem,
    ScheduleResult,
    ShiftTemplate,
    Unavailable,
)
from kefu.workforce.rostering.solver import solve_schedule

BENCH_QUEUES = (
    "presales_apparel",
    "presales_electronics",
    "presales_home",
    "aftersales_apparel",
    "aftersales_electronics",
    "aftersales_home",
    "logistics",
    "refunds",
    "vip",
    "membership",
)


def bench_templates() -> tuple[ShiftTemplate, ...]:
    """Shift shapes for a 9:00–24:00 e-commerce service day: lunch and dinner breaks staggered in windows."""
    return (
        ShiftTemplate.of("E09", "09:00-18:00", breaks=[(60, "11:00", "13:30")], days=range(6)),  # not Sun
        ShiftTemplate.of("M10", "10:00-19:00", breaks=[(60, "11:30", "14:00")]),
        ShiftTemplate.of("M12", "12:00-21:00", breaks=[(60, "16:30", "18:30")]),
        ShiftTemplate.of("L14", "14:00-23:00", breaks=[(60, "16:30", "19:00")]),
        ShiftTemplate.of("L15", "15:00-24:00", breaks=[(60, "17:00", "19:30")]),
        ShiftTemplate.of("S10", "10:00-14:00", "19:00-23:00"),
        ShiftTemplate.of("P10", "10:00-14:00"),
        ShiftTemplate.of("P19", "19:00-23:00"),
        ShiftTemplate.of("P20", "20:00-24:00"),
    )


def _demand_shape(minute: int) -> float:
    """E-commerce contact arrivals over a 9:00–24:00 day: late-morning peak, bigger 20:00–23:00 peak."""
    h = minute / 60
    if not 9 <= h < 24:
        return 0.0
    ramp = min(1.0, (h - 8.5) / 1.5)
    return ramp * (
        0.35
        + 0.75 * math.exp(-((h - 11.0) ** 2) / (2 * 0.9**2))
        + 0.35 * math.exp(-((h - 15.5) ** 2) / (2 * 1.5**2))
        + 1.00 * math.exp(-((h - 21.5) ** 2) / (2 * 1.1**2))
    )


def benchmark_problem(
    n_agents: int = 300,
    n_queues: int = 10,
    seed: int = 0,
    interval_minutes: int = 15,
    utilisation: float = 0.7,
) -> ScheduleProblem:
    """A realistic random week: demand peaks, overlapping skills, full- and part-timers, some leave.

    Rules of their own: students work at most 4 days (3 days off) with 12 h rest; one in ten
    full-timers works at most 5 days in a row; the 09:00 early shift is not used on Sundays.
    """
    rng = random.Random(seed)
    queues = tuple(BENCH_QUEUES[i] if i < len(BENCH_QUEUES) else f"queue_{i}" for i in range(n_queues))
    start = date(2025, 6, 9)  # an ordinary Monday–Sunday week
    templates = bench_templates()
    full_names = frozenset(t.name for t in templates if not t.name.startswith("P"))
    part_names = frozenset(t.name for t in templates if t.name.startswith("P"))

    share = [1 / (i + 1) ** 0.6 for i in range(n_queues)]
    total_share = sum(share)
    share = [s / total_share for s in share]

    # Skill profiles (training tracks): a queue alone, with its neighbour, with a second line, or 3 queues.
    profiles = [
        [(q,), (q, (q + 1) % n_queues), (q, (q + 3) % n_queues), (q, (q + 1) % n_queues, (q + 2) % n_queues)]
        for q in range(n_queues)
    ]
    agents = []
    n_part = n_agents // 5
    for i in range(n_agents):
        primary = rng.choices(range(n_queues), weights=share)[0]
        skills = set(rng.choices(profiles[primary], weights=(4, 3, 2, 1))[0])
        part_time = i >= n_agents - n_part
        leave = frozenset(
            start + timedelta(days=d)
            for d in (rng.sample(range(WEEK_DAYS), rng.choice((1, 2))) if rng.random() < 0.05 else ())
        )
        unavailable = ()
        own: dict[str, int] = {}
        if part_time and rng.random() < 0.5:  # students: weekday evenings and weekends only
            unavailable = tuple(Unavailable(start + timedelta(days=d), 0, 18 * 60) for d in range(5))
            own = {"min_days_off": 3, "min_rest_minutes": 12 * 60}
        elif not part_time and rng.random() < 0.1:
            own = {"max_consecutive_days": 5}
        agents.append(
            Agent(
                id=f"a{i:04d}",
                skills=frozenset(queues[q] for q in skills),
                hourly_cost=rng.choice((32, 34, 36)) if part_time else rng.choice((38, 40, 42, 45, 48)),
                max_weekly_minutes=24 * 60 if part_time else 40 * 60,
                min_weekly_minutes=0 if part_time or leave else 32 * 60,
                templates=part_names if part_time else full_names,
                leave=leave,
                unavailable=unavailable,
                **own,
            )
        )

    # Scale demand so the required head-hours use `utilisation` of the hours the agents can work
    # (contract hours, or fewer when their days off leave too few days for their longest shift).
    longest = {t.name: t.paid_minutes for t in templates}

    def workable_hours(agent: Agent) -> float:
        days = WEEK_DAYS - (agent.min_days_off if agent.min_days_off is not None else 1)
        shift = max(longest[name] for name in agent.templates or longest)
        return min(agent.max_weekly_minutes or 0, days * shift) / 60

    capacity_hours = sum(workable_hours(a) for a in agents)
    day_factor = (1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.1)
    spd = DAY_MINUTES // interval_minutes
    raw = {
        q: [
            _demand_shape(s * interval_minutes) * day_factor[d] * share[qi] * rng.uniform(0.9, 1.1)
            for d in range(WEEK_DAYS)
            for s in range(spd)
        ]
        for qi, q in enumerate(queues)
    }
    raw_hours = sum(sum(row) for row in raw.values()) * interval_minutes / 60
    scale = utilisation * capacity_hours / raw_hours
    required = {q: tuple(math.ceil(v * scale - 0.3) if v > 0 else 0 for v in row) for q, row in raw.items()}
    return ScheduleProblem(
        start_date=start,
        queues=queues,
        required=required,
        agents=tuple(agents),
        templates=templates,
        interval_minutes=interval_minutes,
    )


def figures(problem: ScheduleProblem, result: ScheduleResult) -> dict[str, Any]:
    """What the benchmarks report of one solved week."""
    step = problem.interval_minutes
    return {
        "agents": len(problem.agents),
        "queues": len(problem.queues),
        "intervals": sum(
            1 for s in range(problem.n_slots) if any(problem.required[q][s] for q in problem.queues)
        ),
        "interval_minutes": step,
        "solve_seconds": round(result.solve_seconds, 2),
        "status": str(result.status),
        "under_staffed_share": round(result.under_staffed_share, 4),
        "objective": result.objective,
        "best_bound": result.best_bound,
        "labour_cost": round(result.labour_cost, 2),
        "shifts": len(result.assignments),
        "required_head_hours": sum(sum(r) for r in problem.required.values()) * step / 60,
        "under_head_hours": result.under_head_hours,
        "over_head_hours": result.over_head_hours,
        **{k: v for k, v in result.stats.items() if k != "agents"},
    }


def benchmark_week(
    n_agents: int = 300, n_queues: int = 10, seed: int = 0, time_limit_s: float = 60.0
) -> dict[str, Any]:
    """Generate a realistic week and solve it; the figures `bench/workforce.py` reports."""
    problem = benchmark_problem(n_agents=n_agents, n_queues=n_queues, seed=seed)
    result = solve_schedule(problem, time_limit_s=time_limit_s, num_workers=2, seed=seed)
    return figures(problem, result)
