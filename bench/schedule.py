"""Benchmark the weekly shift solver on the seeded benchmark week, and check what it returns.

    uv run python bench/schedule.py [--agents 300] [--queues 10] [--seeds 0 1 2] [--time-limit 60]
    uv run python bench/schedule.py --medium      # the week the solver's tests once timed

Each seed's week (`bench/schedule_week.py`: demand peaks, overlapping skills, students with rules
of their own, leave, a shift not used on Sundays) is solved once with 2 workers. Every returned
schedule is checked rule by rule (`kefu.workforce.tests.schedule_checks.check_schedule`, the
tests' independent checker), then against the targets: a schedule found (OPTIMAL or FEASIBLE),
under-staffed share <= --target-share, solve time <= --target-seconds. The exit status is 1 when
a rule is broken or a target missed, so the benchmark fails instead of only reporting. Timings
depend on the machine and its load: note both with any figure you record (bench/README.md).
The last line printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from typing import Any

import ortools
from schedule_week import benchmark_problem, figures

from kefu.workforce.rostering.solver import solve_schedule
from kefu.workforce.tests.schedule_checks import check_schedule

MEDIUM = {"agents": 80, "queues": 5, "seeds": [1], "utilisation": 0.6}


def run(*, agents: int, queues: int, seed: int, utilisation: float, time_limit_s: float) -> dict[str, Any]:
    """Solve one seeded week; its figures, the rule check and nothing else."""
    problem = benchmark_problem(n_agents=agents, n_queues=queues, seed=seed, utilisation=utilisation)
    result = solve_schedule(problem, time_limit_s=time_limit_s, num_workers=2, seed=seed)
    broken = None
    if result.feasible:  # no schedule: nothing to check, the status says so
        try:
            check_schedule(problem, result)
        except AssertionError as exc:
            broken = str(exc) or "a rule is broken"
    return {"seed": seed, **figures(problem, result), "rules_broken": broken}


def misses(figure: dict[str, Any], *, target_seconds: float, target_share: float) -> list[str]:
    """The targets one run missed (empty: all met)."""
    missed = []
    if figure["rules_broken"]:
        missed.append(f"rule broken: {figure['rules_broken']}")
    if figure["status"] not in ("OPTIMAL", "FEASIBLE"):
        missed.append(f"no schedule ({figure['status']})")
    if figure["under_staffed_share"] > target_share:
        missed.append(f"under-staffed share {figure['under_staffed_share']:.2%} > {target_share:.0%}")
    if figure["solve_seconds"] > target_seconds:
        missed.append(f"{figure['solve_seconds']} s > {target_seconds:g} s")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--utilisation", type=float, default=0.7, help="demand / workable hours")
    parser.add_argument("--time-limit", type=float, default=60.0, help="the solver's limit, seconds")
    parser.add_argument("--target-seconds", type=float, default=60.0)
    parser.add_argument("--target-share", type=float, default=0.02, help="under-staffed share")
    parser.add_argument("--medium", action="store_true", help="80 agents, 5 queues, seed 1, utilisation 0.6")
    args = parser.parse_args(argv)
    if args.medium:
        for key, value in MEDIUM.items():
            setattr(args, key, value)

    runs, failed = [], False
    for seed in args.seeds:
        figure = run(
            agents=args.agents,
            queues=args.queues,
            seed=seed,
            utilisation=args.utilisation,
            time_limit_s=args.time_limit,
        )
        figure["missed"] = misses(figure, target_seconds=args.target_seconds, target_share=args.target_share)
        failed |= bool(figure["missed"])
        runs.append(figure)
        print(
            f"seed {seed}: {figure['status']} in {figure['solve_seconds']} s, "
            f"under-staffed {figure['under_staffed_share']:.2%}, {figure['shifts']} shifts, "
            + ("targets met" if not figure["missed"] else "MISSED: " + "; ".join(figure["missed"]))
        )
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        json.dumps(
            {
                "runs": runs,
                "targets": {"seconds": args.target_seconds, "under_staffed_share": args.target_share},
                "all_met": not failed,
                "machine": {
                    "python": platform.python_version(),
                    "ortools": ortools.__version__,
                    "cpus": os.cpu_count(),
                    "load_average": load,
                },
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
