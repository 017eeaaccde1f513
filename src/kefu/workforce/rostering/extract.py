"""From the solved model to a `ScheduleResult`: shifts, staggered breaks, queue spells, coverage;
multi-skilled heads are moved between queues per interval where that closes a gap. Pure (no Django).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta

from kefu.workforce.rostering.model import Built, Prepared
from kefu.workforce.rostering.problem import (
    DAY_MINUTES,
    BreakPlacement,
    QueueSpell,
    ScheduleResult,
    ScheduleStatus,
    ShiftAssignment,
    ShiftTemplate,
)


def empty_result(
    prep: Prepared,
    status: ScheduleStatus,
    problems: list[str],
    seconds: float,
    stats: Mapping[str, int] | None = None,
) -> ScheduleResult:
    zeros = tuple(0 for _ in range(prep.n_slots))
    return ScheduleResult(
        status=status,
        problems=tuple(problems),
        interval_minutes=prep.step,
        assignments=(),
        required=prep.required,
        scheduled={q: zeros for q in prep.queues},
        under=dict(prep.required),
        over={q: zeros for q in prep.queues},
        objective=None,
        best_bound=None,
        labour_cost=0.0,
        solve_seconds=seconds,
        stats=dict(stats or {}),
    )


def extract(
    prep: Prepared,
    built: Built,
    worked: Sequence[Sequence[int]],
    *,
    status: ScheduleStatus,
    began: float,
    stats: Mapping[str, int],
) -> ScheduleResult:
    """Turn counts back into per-agent shifts, break times and queue spells, and measure coverage.

    `worked` (option indexes per agent) may differ from the model's counts after the rest repair; the
    queue split and break starts are then padded or cut, and coverage is measured on what is worked.
    """
    problem, backend = prep.problem, built.backend
    templates = problem.templates
    value = backend.value

    # Shifts per (group, day, template), then the group's split over queues, in agent order.
    chosen: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    group_of = {a: g for g, members in enumerate(prep.group_agents) for a in members}
    for a, indexes in enumerate(worked):
        for i in indexes:
            option = prep.options[a][i]
            chosen[group_of[a], option.day, option.template].append(a)
    planned: dict[tuple[int, int], str] = {}  # (agent, day) -> queue
    on_queue: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for (g, day, t), agents in sorted(chosen.items()):
        skills = prep.group_skills[g]
        parts = built.split.get((g, day, t), {})
        pool = [q for q in skills for _ in range(value(parts[q]))] if parts else []
        pool += [skills[i % len(skills)] for i in range(len(agents) - len(pool))]
        for a, q in zip(agents, pool, strict=False):
            planned[a, day] = q
            on_queue[q, day, t].append(a)

    # Breaks: hand out each queue's break starts to its agents on that template.
    break_starts: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (q, day, t), agents in on_queue.items():
        for k, _rule in enumerate(templates[t].breaks):
            placed = built.breaks[q, day, t, k]
            starts = [start for start, v in placed for _ in range(value(v))]
            allowed = prep.break_starts[t][k]
            starts += [allowed[i % len(allowed)] for i in range(len(agents) - len(starts))]
            for a, start in zip(sorted(agents), starts, strict=False):
                break_starts[a, day].append(start)

    # Per slot: who works, on the planned queue; then move multi-skilled heads where they close gaps.
    shifts = sorted(
        ((a, day, t) for (_g, day, t), agents in chosen.items() for a in agents),
        key=lambda item: (problem.agents[item[0]].id, item[1]),
    )
    working: dict[int, dict[int, str]] = defaultdict(dict)  # slot -> agent -> queue
    for a, day, t in shifts:
        template = templates[t]
        off = {
            s
            for start in break_starts[a, day]
            for s in prep.slots(day, start, start + _rule_length(template, start))
        }
        for s in prep.work_slots(day, template):
            if s not in off:
                working[s][a] = planned[a, day]
    skills_of = [frozenset(agent.skills) for agent in problem.agents]
    scheduled = {q: [0] * prep.n_slots for q in prep.queues}
    for s, queue_of in working.items():
        _reallocate(queue_of, {q: prep.required[q][s] for q in prep.queues}, skills_of)
        for q in queue_of.values():
            scheduled[q][s] += 1

    assignments = []
    labour_cost = 0.0
    for a, day, t in shifts:
        agent, template = problem.agents[a], templates[t]
        pay = problem.weights.holiday_pay_multiplier if day in prep.holiday_days else 1.0
        labour_cost += agent.hourly_cost * template.paid_minutes / 60 * pay
        spells: list[QueueSpell] = []
        for s in prep.work_slots(day, template):
            q = working[s].get(a)
            if q is None:
                continue
            start = s * prep.step - day * DAY_MINUTES
            if spells and spells[-1].queue == q and spells[-1].end == start:
                spells[-1] = QueueSpell(spells[-1].start, start + prep.step, q)
            else:
                spells.append(QueueSpell(start, start + prep.step, q))
        assignments.append(
            ShiftAssignment(
                agent_id=agent.id,
                day=day,
                date=problem.start_date + timedelta(days=day),
                template=template.name,
                segments=template.segments,
                breaks=tuple(
                    BreakPlacement(start, start + _rule_length(template, start))
                    for start in sorted(break_starts[a, day])
                ),
                paid_minutes=template.paid_minutes,
                spells=tuple(spells),
            )
        )

    under = {
        q: tuple(max(0, r - h) for r, h in zip(prep.required[q], scheduled[q], strict=True))
        for q in prep.queues
    }
    over = {
        q: tuple(max(0, h - r) for r, h in zip(prep.required[q], scheduled[q], strict=True))
        for q in prep.queues
    }
    weights, hours = problem.weights, prep.step / 60
    objective = labour_cost + sum(
        hours * weights.under_per_head_hour * weights.queue_priority.get(q, 1.0) * sum(under[q])
        + hours * weights.over_per_head_hour * sum(over[q])
        for q in prep.queues
    )
    return ScheduleResult(
        status=status,
        problems=(),
        interval_minutes=prep.step,
        assignments=tuple(assignments),
        required=prep.required,
        scheduled={q: tuple(v) for q, v in scheduled.items()},
        under=under,
        over=over,
        objective=round(objective, 2),
        best_bound=round(backend.objective()[1] / 100, 2),
        labour_cost=labour_cost,
        solve_seconds=time.perf_counter() - began,
        stats=dict(stats),
    )


def _reallocate(
    queue_of: dict[int, str], required: Mapping[str, int], skills_of: Sequence[frozenset[str]]
) -> None:
    """Move heads between their skills so that a queue with spare heads covers one that is short.

    Augmenting paths (surplus queue → agent → other skill → … → short queue), as in a max-flow; each
    path closes one head of gap, so the result has no shortfall a reallocation could fix.
    """
    served: dict[str, int] = defaultdict(int)
    agents_on: dict[str, list[int]] = defaultdict(list)
    for a, q in queue_of.items():
        served[q] += 1
        agents_on[q].append(a)
    while True:
        frontier = [q for q in agents_on if served[q] > required.get(q, 0)]
        if not frontier or all(served[q] >= need for q, need in required.items()):
            return
        parent: dict[str, tuple[str, int] | None] = dict.fromkeys(frontier)
        target = None
        while frontier and target is None:
            next_frontier = []
            for q in frontier:
                for a in agents_on[q]:
                    for other in skills_of[a]:
                        if other in parent:
                            continue
                        parent[other] = (q, a)
                        if served[other] < required.get(other, 0):
                            target = other
                            break
                        next_frontier.append(other)
                    if target is not None:
                        break
                if target is not None:
                    break
            frontier = next_frontier
        if target is None:
            return
        q = target
        while parent[q] is not None:
            previous, a = parent[q]
            agents_on[previous].remove(a)
            agents_on[q].append(a)
            queue_of[a] = q
            q = previous
        served[q] -= 1
        served[target] += 1


def _rule_length(template: ShiftTemplate, start: int) -> int:
    """Length of the template's break whose window contains `start` (windows are disjoint)."""
    for rule in template.breaks:
        if rule.earliest_start <= start <= rule.latest_start:
            return rule.length
    raise AssertionError(f"break at {start} outside every window of {template.name}")
