"""After the MIP: re-deal each skill group's shifts among its agents (a small CP-SAT model per group)
so every agent gets its own rest between shifts and weekly minimum, at the same counts. Pure (no Django).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from kefu.workforce.rostering.engines import CpSat
from kefu.workforce.rostering.model import Option, Prepared, add_agent_rules
from kefu.workforce.rostering.problem import ScheduleStatus


def labour_cost(prep: Prepared, worked: Sequence[Sequence[int]]) -> float:
    weights = prep.problem.weights
    total = 0.0
    for agent, options, chosen in zip(prep.problem.agents, prep.options, worked, strict=True):
        for i in chosen:
            pay = weights.holiday_pay_multiplier if options[i].day in prep.holiday_days else 1.0
            total += agent.hourly_cost * options[i].paid / 60 * pay
    return total


def _rest_ok(options: Sequence[Option], chosen: Sequence[int], rest: int) -> bool:
    ordered = sorted((options[i] for i in chosen), key=lambda o: o.start)
    return all(b.start - a.end >= rest for a, b in itertools.pairwise(ordered))


def repair_rest(
    prep: Prepared, planned: list[list[int]], *, deadline: float, seed: int
) -> tuple[list[list[int]], int, list[int]]:
    """Re-deal each skill group's shifts among its agents so every agent gets its rest between shifts.

    Per group, a small CP-SAT model keeps the group's shift counts per day and template (so coverage
    is unchanged) under every per-agent rule, at least labour cost, starting from the planned deal. If
    the counts cannot be kept, it deviates as little as possible (coverage is then measured on what
    is worked). Returns the shifts per agent (option indexes), how many agents' weeks changed and the
    groups whose counts could not be kept.
    """
    rest = [prep.rules(agent).min_rest_minutes for agent in prep.problem.agents]
    worked = [list(chosen) for chosen in planned]
    broken = [
        g
        for g, members in enumerate(prep.group_agents)
        if not all(
            _rest_ok(prep.options[a], planned[a], rest[a]) and _minimum_ok(prep, a, planned[a])
            for a in members
        )
    ]
    changed = 0
    failed = []
    for position, g in enumerate(broken):
        members = prep.group_agents[g]
        budget = (deadline - time.perf_counter()) / (len(broken) - position)
        deal = _redeal(prep, planned, members, exact=True, time_limit_s=min(max(budget, 0.2), 5.0), seed=seed)
        if deal is None:
            failed.append(g)
            deal = _redeal(
                prep, planned, members, exact=False, time_limit_s=min(max(budget, 0.3), 2.0), seed=seed
            )
        for a in members:
            chosen = deal[a] if deal is not None else _drop_clashes(prep.options[a], planned[a], rest[a])
            changed += chosen != planned[a]
            worked[a] = chosen
    return worked, changed, failed


def _redeal(
    prep: Prepared,
    planned: list[list[int]],
    members: list[int],
    *,
    exact: bool,
    time_limit_s: float,
    seed: int,
) -> dict[int, list[int]] | None:
    """One group's shifts re-dealt under every per-agent rule; None if no deal was found in time."""
    backend = CpSat()
    counts: dict[tuple[int, int], list[Any]] = defaultdict(list)
    target: dict[tuple[int, int], int] = defaultdict(int)
    xs = {}
    cost = []
    for a in members:
        agent, options = prep.problem.agents[a], prep.options[a]
        xs[a], _ = add_agent_rules(backend, prep, agent, options, f"r{a}")
        for i, (option, x) in enumerate(zip(options, xs[a], strict=True)):
            counts[option.day, option.template].append(x)
            target[option.day, option.template] += i in planned[a]
            backend.model.add_hint(x, i in planned[a])
            cost.append(round(agent.hourly_cost * option.paid / 60 * 100) * x)
    deviation = []
    for key, terms in counts.items():
        if exact:
            backend.constrain(backend.sum(terms) == target[key])
            continue
        gap = backend.int_var(0, len(terms), f"dev_{key}")
        backend.constrain(gap >= backend.sum(terms) - target[key])
        backend.constrain(gap >= target[key] - backend.sum(terms))
        deviation.append(gap)
    backend.minimize(10**7 * backend.sum(deviation) + backend.sum(cost))
    backend.solver.parameters.relative_gap_limit = 0.005
    status = backend.solve(time_limit_s=time_limit_s, num_workers=1, seed=seed, log=False)
    if status not in (ScheduleStatus.OPTIMAL, ScheduleStatus.FEASIBLE):
        return None
    return {a: [i for i, x in enumerate(xs[a]) if backend.value(x)] for a in members}


def _minimum_ok(prep: Prepared, a: int, chosen: Sequence[int]) -> bool:
    return sum(prep.options[a][i].paid for i in chosen) >= prep.problem.agents[a].min_weekly_minutes


def _drop_clashes(options: Sequence[Option], chosen: Sequence[int], rest: int) -> list[int]:
    kept: list[int] = []
    for i in sorted(chosen, key=lambda i: options[i].start):
        if not kept or options[i].start - options[kept[-1]].end >= rest:
            kept.append(i)
    return kept
