"""The planning model (one MIP): per-agent shift booleans under each agent's labour rules, each shift on
one queue of the agent's skills, break starts counted per queue, coverage against the requirement.

One cohesive formulation (the index arithmetic `Prepared`, the per-agent rules, the group rest cliques
and the coverage objective are read together), hence one module. Pure (no Django).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kefu.workforce.rostering.engines import Backend, CpSat
from kefu.workforce.rostering.problem import (
    DAY_MINUTES,
    WEEK_DAYS,
    Agent,
    LabourRules,
    ScheduleProblem,
    ScheduleStatus,
    ShiftTemplate,
    break_starts,
    effective_rules,
)


@dataclass(frozen=True)
class Option:
    """One (day, template) an agent may work, with its absolute times in minutes since week start."""

    day: int
    template: int
    start: int
    end: int
    paid: int


class Prepared:
    """Index arithmetic shared by the model and the extraction."""

    def __init__(self, problem: ScheduleProblem) -> None:
        self.problem = problem
        self.step = problem.interval_minutes
        self.n_slots = problem.n_slots
        self.queues = problem.queues
        self.required = {q: tuple(int(r) for r in problem.required[q]) for q in problem.queues}
        self.holiday_days = {
            (d - problem.start_date).days
            for d in problem.holidays
            if 0 <= (d - problem.start_date).days < WEEK_DAYS
        }
        self.break_starts = [
            [break_starts(t, rule, self.step) for rule in t.breaks] for t in problem.templates
        ]
        self._rules = {agent.id: effective_rules(problem.rules, agent) for agent in problem.agents}
        # Groups share skills and rest (the rest cliques on a group's counts are then exact for each
        # member); agents with their own rest form groups of their own.
        groups: dict[tuple[tuple[str, ...], int], list[int]] = defaultdict(list)
        for index, agent in enumerate(problem.agents):
            skills = tuple(q for q in problem.queues if q in agent.skills)
            groups[skills, self._rules[agent.id].min_rest_minutes].append(index)
        self.group_skills = [skills for skills, _rest in groups]
        self.group_agents = list(groups.values())
        self.options = [self._options(agent) for agent in problem.agents]

    def rules(self, agent: Agent) -> LabourRules:
        return self._rules[agent.id]

    def max_weekly(self, agent: Agent) -> int:
        return self.rules(agent).max_weekly_minutes

    def slots(self, day: int, start: int, end: int) -> range:
        """Slots covered by [start, end) on `day`, clipped to the week."""
        first = (day * DAY_MINUTES + start) // self.step
        last = min((day * DAY_MINUTES + end) // self.step, self.n_slots)
        return range(first, last)

    def work_slots(self, day: int, template: ShiftTemplate) -> list[int]:
        return [s for a, b in template.segments for s in self.slots(day, a, b)]

    def _options(self, agent: Agent) -> list[Option]:
        start_date = self.problem.start_date
        blocked = [
            (
                (u.day - start_date).days * DAY_MINUTES + u.start,
                (u.day - start_date).days * DAY_MINUTES + u.end,
            )
            for u in agent.unavailable
        ]
        blocked += [
            ((d - start_date).days * DAY_MINUTES, (d - start_date).days * DAY_MINUTES + DAY_MINUTES)
            for d in [*agent.leave, *(start_date + timedelta(days=o) for o in agent.other_days)]
        ]
        rest = self.rules(agent).min_rest_minutes
        result = []
        for day in range(WEEK_DAYS):
            base = day * DAY_MINUTES
            on = start_date + timedelta(days=day)
            for index, template in enumerate(self.problem.templates):
                if agent.templates is not None and template.name not in agent.templates:
                    continue
                if not template.allowed_on(on):
                    continue
                if template.paid_minutes > self.max_weekly(agent):
                    continue
                if any(
                    base + a < b_end and b_start < base + b
                    for a, b in template.segments
                    for b_start, b_end in blocked
                ):
                    continue
                if agent.last_shift_end is not None and base + template.start - agent.last_shift_end < rest:
                    continue
                if any(
                    base + template.start < other_end + rest and other_start < base + template.end + rest
                    for other_start, other_end in agent.other_shifts
                ):
                    continue
                result.append(
                    Option(day, index, base + template.start, base + template.end, template.paid_minutes)
                )
        return result


def add_agent_rules(
    backend: Backend,
    prep: Prepared,
    agent: Agent,
    options: list[Option],
    prefix: str,
    *,
    rest: bool = True,
) -> tuple[list[Any], Any]:
    """Per-agent shift booleans and labour rules; returns them and the paid-minutes expression."""
    rules = prep.rules(agent)
    xs = [backend.bool_var(f"{prefix}_d{o.day}_t{o.template}") for o in options]
    by_day: dict[int, list[Any]] = defaultdict(list)
    for option, x in zip(options, xs, strict=True):
        by_day[option.day].append(x)
    for members in by_day.values():
        if len(members) > 1:
            backend.constrain(backend.sum(members) <= 1)
    worked = {day: backend.sum(by_day.get(day, [])) for day in range(WEEK_DAYS)}
    paid = backend.sum([o.paid * x for o, x in zip(options, xs, strict=True)])
    elsewhere = {d for d in agent.other_days if 0 <= d < WEEK_DAYS}
    if xs:
        backend.constrain(paid <= prep.max_weekly(agent))
        backend.constrain(backend.sum(xs) <= max(0, WEEK_DAYS - rules.min_days_off - len(elsewhere)))
    if agent.min_weekly_minutes:
        backend.constrain(paid >= agent.min_weekly_minutes)
    # Max consecutive working days; the days just before the week and days worked elsewhere count too.
    window = rules.max_consecutive_days + 1
    for first in range(-(window - 1), max(WEEK_DAYS - window, 0) + 1):
        days = [d for d in range(first, first + window) if 0 <= d < WEEK_DAYS and by_day.get(d)]
        before = min(-first, agent.days_worked_before) if first < 0 else 0
        fixed = before + sum(1 for d in range(first, first + window) if d in elsewhere)
        if len(days) + fixed > rules.max_consecutive_days:
            bound = max(0, rules.max_consecutive_days - fixed)
            backend.constrain(backend.sum([worked[d] for d in days]) <= bound)
    # Rest between consecutive shifts, end of one to start of the next (split-shift gaps are not rest).
    # Conflicts have a staircase shape (a later end clashes with every earlier start), so each clique
    # "shifts on day d ending after S - rest, or shifts on day e starting by S" is one tight constraint.
    if rest:
        for clique in rest_cliques(options, rules.min_rest_minutes):
            backend.constrain(backend.sum([xs[i] for i in clique]) <= 1)
    return xs, paid


def rest_cliques(options: Sequence[Option], rest: int) -> list[tuple[int, ...]]:
    """Maximal sets of options (indexes) of which at most one can be worked, given the rest rule."""
    cliques: set[tuple[int, ...]] = set()
    for pivot in options:
        for day in range(pivot.day):
            ending = [i for i, o in enumerate(options) if o.day == day and o.end > pivot.start - rest]
            if ending:
                starting = [k for k, o in enumerate(options) if o.day == pivot.day and o.start <= pivot.start]
                cliques.add(tuple(ending + starting))
    return [c for c in sorted(cliques) if not any(set(c) < set(other) for other in cliques)]


def agent_problems(prep: Prepared) -> list[str]:
    """Explain agents whose own rules cannot hold: the only source of infeasibility, as coverage is soft."""
    problems = []
    for agent, options in zip(prep.problem.agents, prep.options, strict=True):
        if not agent.min_weekly_minutes:
            continue  # a week off satisfies every rule
        max_minutes = prep.max_weekly(agent)
        if agent.min_weekly_minutes > max_minutes:
            problems.append(
                f"agent {agent.id}: minimum {agent.min_weekly_minutes} min/week "
                f"exceeds the maximum {max_minutes}"
            )
            continue
        if sum(sorted((o.paid for o in options), reverse=True)[:WEEK_DAYS]) < agent.min_weekly_minutes:
            best = None  # cannot reach it even ignoring the rules: skip the solve
        else:
            backend = CpSat()
            _, paid = add_agent_rules(
                backend, prep, dataclasses.replace(agent, min_weekly_minutes=0), options, "a"
            )
            backend.maximize(paid)
            status = backend.solve(time_limit_s=5.0, num_workers=1, seed=0, log=False)
            best = round(backend.objective()[0]) if status is ScheduleStatus.OPTIMAL else None
        if best is None or best < agent.min_weekly_minutes:
            problems.append(
                f"agent {agent.id}: needs at least {agent.min_weekly_minutes} paid min/week but leave, "
                f"availability, eligible templates and labour rules allow at most {best or 0}"
            )
    return problems


@dataclass
class Built:
    """Handles on the model's variables, for turning the solution back into a schedule."""

    backend: Backend
    xs: list[list[Any]]
    split: dict[tuple[int, int, int], dict[str, Any]]  # (group, day, template) -> queue -> count
    breaks: dict[tuple[str, int, int, int], list[tuple[int, Any]]]  # (queue, day, template, k) -> starts


def build(prep: Prepared, backend: Backend) -> Built:
    """The planning model: per-agent shifts, each shift on one queue, break starts counted per queue.

    The rest rule is imposed per skill group here (at most one shift of each clash set per agent of
    the group) and per agent by `repair_rest`, which re-deals shifts inside a group with the same
    counts: that keeps the MIP several times faster and, as agents of a group are interchangeable for
    coverage, usually loses none.
    """
    problem = prep.problem
    weights = problem.weights
    templates = problem.templates
    step = prep.step
    objective: list[Any] = []
    over_w = round(weights.over_per_head_hour * step / 60 * 100)
    under_w = {
        q: round(weights.under_per_head_hour * weights.queue_priority.get(q, 1.0) * step / 60 * 100)
        for q in problem.queues
    }

    short_w = round(weights.under_per_head_hour * 100 / 60)  # per minute below an agent's minimum
    xs: list[list[Any]] = []
    for index, (agent, options) in enumerate(zip(problem.agents, prep.options, strict=True)):
        # Rest per agent and the weekly minimum come back hard in `repair_rest`; a soft minimum keeps
        # "nobody works" feasible, so the MIP has an incumbent from the start.
        min_minutes = agent.min_weekly_minutes
        agent_xs, paid = add_agent_rules(
            backend, prep, dataclasses.replace(agent, min_weekly_minutes=0), options, f"x{index}", rest=False
        )
        if min_minutes:
            short = backend.int_var(0, min_minutes, f"short{index}")
            backend.constrain(paid + short >= min_minutes)
            objective.append(short_w * short)
        xs.append(agent_xs)
        for option, x in zip(options, agent_xs, strict=True):
            pay = weights.holiday_pay_multiplier if option.day in prep.holiday_days else 1.0
            objective.append(round(agent.hourly_cost * option.paid / 60 * pay * 100) * x)

    # Each shift serves one queue of the agent's skills: split the group's shifts over its queues.
    on_queue: dict[tuple[str, int, int], list[Any]] = defaultdict(list)
    eligible: dict[tuple[str, int, int], int] = defaultdict(int)  # agents who could be in on_queue
    split: dict[tuple[int, int, int], dict[str, Any]] = {}
    for g, (skills, members) in enumerate(zip(prep.group_skills, prep.group_agents, strict=True)):
        by_key: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for a in members:
            for option, x in zip(prep.options[a], xs[a], strict=True):
                by_key[option.day, option.template].append(x)
        keys = sorted(by_key)
        virtual = [
            Option(d, t, d * DAY_MINUTES + templates[t].start, d * DAY_MINUTES + templates[t].end, 0)
            for d, t in keys
        ]
        group_rest = prep.rules(problem.agents[members[0]]).min_rest_minutes  # one rest per group
        for clique in rest_cliques(virtual, group_rest):
            clashing = {
                a
                for a in members
                for o in prep.options[a]
                if (o.day, o.template) in {keys[i] for i in clique}
            }
            backend.constrain(backend.sum([x for i in clique for x in by_key[keys[i]]]) <= len(clashing))
        for (day, t), shift_xs in by_key.items():
            for q in skills:
                eligible[q, day, t] += len(shift_xs)
            if len(skills) == 1:
                on_queue[skills[0], day, t].extend(shift_xs)
                continue
            parts = {q: backend.int_var(0, len(shift_xs), f"z_g{g}_d{day}_t{t}_{q}") for q in skills}
            backend.constrain(backend.sum(list(parts.values())) == backend.sum(shift_xs))
            split[g, day, t] = parts
            for q, part in parts.items():
                on_queue[q, day, t].append(part)

    # Heads per queue and slot: shifts covering the slot minus breaks; breaks staggered by counts.
    heads: dict[tuple[str, int], list[Any]] = defaultdict(list)
    breaks: dict[tuple[str, int, int, int], list[tuple[int, Any]]] = {}
    for (q, day, t), terms in on_queue.items():
        bound = eligible[q, day, t]
        n = backend.int_var(0, bound, f"n_{q}_d{day}_t{t}")
        backend.constrain(n == backend.sum(terms))
        work = prep.work_slots(day, templates[t])
        for s in work:
            heads[q, s].append(n)
        objective.append(over_w * len(work) * n)
        for k, rule in enumerate(templates[t].breaks):
            starts = prep.break_starts[t][k]
            placed = [
                (start, backend.int_var(0, bound, f"b_{q}_d{day}_t{t}_k{k}_{start}")) for start in starts
            ]
            backend.constrain(backend.sum([v for _, v in placed]) == n)
            breaks[q, day, t, k] = placed
            for start, v in placed:
                covered = prep.slots(day, start, start + rule.length)
                for s in covered:
                    heads[q, s].append(-1 * v)
                objective.append(-over_w * len(covered) * v)

    # Under-staffing: heads short of the requirement; idle heads are paid through `over_w` above.
    for q in problem.queues:
        for s, need in enumerate(prep.required[q]):
            if need <= 0:
                continue
            if heads.get((q, s)):
                short = backend.int_var(0, need, f"u_{q}_{s}")
                backend.constrain(short + backend.sum(heads[q, s]) >= need)
                objective.append((under_w[q] + over_w) * short)
            else:
                objective.append((under_w[q] + over_w) * need)
            objective.append(-over_w * need)
    backend.minimize(backend.sum(objective))
    return Built(backend=backend, xs=xs, split=split, breaks=breaks)
