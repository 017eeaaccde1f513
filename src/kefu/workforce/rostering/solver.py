"""Weekly shift-schedule solver: who works which shift on which day, when they eat, which queue they serve.

Pure core (no Django imports), fast to test and to benchmark. One MIP, solved by HiGHS through
OR-Tools (CP-SAT can solve the same model, ``engine="cp-sat"``, but stalls far from the optimum on a
300-agent week: the coverage part is LP-shaped, see docs/workforce-schedule.md):

- one boolean per agent × day × eligible shift template carries the labour rules (one shift a day,
  weekly hours, days off, consecutive days, availability, leave, template eligibility, the weekdays a
  template may be used on). Every rule is the agent's own: `Agent` fields override the problem's
  `LabourRules` (the defaults), so one agent's 8 h rest or two days off do not bind the others;
- agents with the same skill set (and rest rule) form a *skill group*. Each shift serves one queue of
  the agent's skills: per group × day × template an integer split says how many go to each queue;
- break placement is a decision: per queue × day × template, how many agents start each break at
  each allowed minute of its window, so breaks are staggered to hold coverage;
- per queue and interval, heads on shift minus heads on break plus under-staffing ≥ requirement; the
  objective minimises weighted under-staffing (heavily), idle heads and labour cost (holiday pay ×3).

The rest between shifts is imposed per group of agents with the same skills and rest in the MIP (clique
constraints on counts) and per agent afterwards, when a small CP-SAT model per group re-deals the
group's shifts among its agents (same counts, so same coverage) under every per-agent rule; the
weekly minimum is soft in the MIP (so "nobody works" gives HiGHS an incumbent at once) and hard in
the re-deal. Finally, per interval, multi-skilled heads are moved between their queues along
augmenting paths wherever that closes a gap.

Each step has its module: the types and input checks in `problem`, the MIP in `model`, the two
back ends in `engines`, the re-deal in `repair`, the solution read back in `extract`; this module
runs them in order within the time limit.

Times are minutes since midnight of the shift's day. Shifts may run past midnight (a segment may end
after 1440) and cover the next day's intervals; coverage past the end of the week is dropped.
"""

from __future__ import annotations

import time

from kefu.workforce.rostering.engines import ENGINES
from kefu.workforce.rostering.extract import empty_result, extract
from kefu.workforce.rostering.model import Prepared, agent_problems, build
from kefu.workforce.rostering.problem import (
    ScheduleInputError,
    ScheduleProblem,
    ScheduleResult,
    ScheduleStatus,
    validate,
)
from kefu.workforce.rostering.repair import labour_cost, repair_rest


def solve_schedule(
    problem: ScheduleProblem,
    *,
    time_limit_s: float = 10.0,
    num_workers: int = 2,
    seed: int = 0,
    engine: str = "highs",
    log: bool = False,
) -> ScheduleResult:
    """Solve the week within `time_limit_s` (wall clock, including model building).

    Raises `ScheduleInputError` on malformed input; contradictory rules give status INFEASIBLE with
    the reasons in `problems`. `engine` is "highs" (MIP, default: fast on this LP-shaped model) or
    "cp-sat".
    """
    began = time.perf_counter()
    if engine not in ENGINES:
        raise ScheduleInputError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    validate(problem)
    prep = Prepared(problem)
    problems = agent_problems(prep)
    if problems:
        return empty_result(prep, ScheduleStatus.INFEASIBLE, problems, time.perf_counter() - began)

    deadline = began + time_limit_s
    reserve = min(0.2 * time_limit_s, 12.0)  # for the per-group rest repair
    built = build(prep, ENGINES[engine]())
    backend = built.backend
    variables, constraints = backend.size()
    stats = {
        "agents": len(problem.agents),
        "skill_groups": len(prep.group_agents),
        "shift_variables": sum(len(x) for x in built.xs),
        "variables": variables,
        "constraints": constraints,
    }
    status = backend.solve(
        time_limit_s=deadline - reserve - time.perf_counter(), num_workers=num_workers, seed=seed, log=log
    )
    if status in (ScheduleStatus.INFEASIBLE, ScheduleStatus.UNKNOWN):
        reason = (
            "the solver proved the rules infeasible"
            if status is ScheduleStatus.INFEASIBLE
            else f"no schedule found within {time_limit_s:g} s"
        )
        return empty_result(prep, status, [reason], time.perf_counter() - began, stats)
    planned = [[i for i, x in enumerate(agent_xs) if backend.value(x)] for agent_xs in built.xs]
    worked, changed, failed = repair_rest(prep, planned, deadline=deadline, seed=seed)
    stats["rest_repairs"] = changed
    stats["rest_repair_groups_with_deviation"] = len(failed)
    if failed or (changed and labour_cost(prep, worked) > labour_cost(prep, planned)):
        status = ScheduleStatus.FEASIBLE  # the re-deal moved away from the model's optimum
    return extract(prep, built, worked, status=status, began=began, stats=stats)
