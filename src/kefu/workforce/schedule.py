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

Times are minutes since midnight of the shift's day. Shifts may run past midnight (a segment may end
after 1440) and cover the next day's intervals; coverage past the end of the week is dropped.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from ortools.linear_solver.python import model_builder
from ortools.sat.python import cp_model

DAY_MINUTES = 1440
WEEK_DAYS = 7


class ScheduleInputError(ValueError):
    """The input is malformed (bad times, unknown queue or template, wrong demand length).

    Well-formed but contradictory input (e.g. minimum hours that leave makes impossible) is not an
    error: the solver returns a result with status ``INFEASIBLE`` and the reasons in ``problems``.
    """


class ScheduleStatus(StrEnum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"  # a schedule, not proven optimal within the time limit
    INFEASIBLE = "INFEASIBLE"  # labour rules contradict availability; see ScheduleResult.problems
    UNKNOWN = "UNKNOWN"  # no schedule found within the time limit


def clock(text: str) -> int:
    """'09:30' -> 570. Hours may reach 24 and beyond ('24:00', '25:30') for shifts past midnight."""
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# ---------------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class BreakRule:
    """One unpaid meal break of `length` minutes; the solver picks its start in a window.

    The start may be any multiple of `step` (default: the interval length) between `earliest_start`
    and `latest_start` (minutes since midnight of the shift's day) that keeps the break inside one
    work segment. Windows of the breaks of one template must not overlap.
    """

    length: int
    earliest_start: int
    latest_start: int
    step: int | None = None

    def __post_init__(self) -> None:
        if self.length <= 0:
            raise ScheduleInputError(f"break length must be positive, got {self.length}")
        if self.earliest_start > self.latest_start:
            raise ScheduleInputError(
                f"break window starts after it ends: "
                f"{_hhmm(self.earliest_start)} > {_hhmm(self.latest_start)}"
            )
        if self.step is not None and self.step <= 0:
            raise ScheduleInputError(f"break step must be positive, got {self.step}")


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift shape: one or more work segments (a split shift has two) and its meal breaks.

    Paid minutes are the segments' length minus the breaks (meal breaks are unpaid). `days` are the
    weekdays (0 = Monday … 6 = Sunday, of the calendar date) the shape may be worked on; None: every day.
    """

    name: str
    segments: tuple[tuple[int, int], ...]
    breaks: tuple[BreakRule, ...] = ()
    days: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if not self.segments:
            raise ScheduleInputError(f"template {self.name!r} has no segments")
        previous_end = -1
        for start, end in self.segments:
            if not 0 <= start < end or start <= previous_end:
                raise ScheduleInputError(
                    f"template {self.name!r}: segments must be increasing and non-overlapping, "
                    f"got {self.segments}"
                )
            previous_end = end
        if self.end - self.start > DAY_MINUTES:
            raise ScheduleInputError(f"template {self.name!r} spans more than 24 hours")
        ordered = sorted(self.breaks, key=lambda b: b.earliest_start)
        for first, second in itertools.pairwise(ordered):
            if first.latest_start + first.length > second.earliest_start:
                raise ScheduleInputError(f"template {self.name!r}: break windows overlap")
        if self.paid_minutes <= 0:
            raise ScheduleInputError(f"template {self.name!r}: breaks leave no paid time")
        if self.days is not None and not self.days <= frozenset(range(WEEK_DAYS)):
            raise ScheduleInputError(f"template {self.name!r}: days must be weekdays 0–6, got {self.days}")

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]

    @property
    def paid_minutes(self) -> int:
        return sum(end - start for start, end in self.segments) - sum(b.length for b in self.breaks)

    def allowed_on(self, day: date) -> bool:
        return self.days is None or day.weekday() in self.days

    @classmethod
    def of(
        cls,
        name: str,
        *spans: str,
        breaks: Iterable[tuple[int, str, str]] = (),
        days: Iterable[int] | None = None,
    ) -> ShiftTemplate:
        """Readable constructor: ``ShiftTemplate.of("E", "09:00-18:00", breaks=[(60, "11:00", "13:00")])``."""
        segments = tuple((clock(a), clock(b)) for a, _, b in (s.partition("-") for s in spans))
        rules = tuple(BreakRule(length, clock(a), clock(b)) for length, a, b in breaks)
        return cls(name=name, segments=segments, breaks=rules, days=None if days is None else frozenset(days))


@dataclass(frozen=True)
class Unavailable:
    """An agent cannot work on `day` from `start` to `end` (minutes since midnight; whole day by default)."""

    day: date
    start: int = 0
    end: int = DAY_MINUTES


@dataclass(frozen=True)
class Agent:
    """One agent: skills (queues served), hourly cost, contract hours, labour rules and availability.

    `max_weekly_minutes` / `min_weekly_minutes` are paid minutes this week (contract hours; reduce
    them for paid leave); the maximum is capped by the problem's rule. `min_rest_minutes`,
    `min_days_off` and `max_consecutive_days` are this agent's own rules (None: the problem's
    `LabourRules`). `days_worked_before` and `last_shift_end` (minutes relative to the start of the
    week, usually negative) carry the previous week into the consecutive-days and rest rules.
    `other_days` (0–6) are days of this week the agent works elsewhere (another schedule): no shift
    here, and they count as worked for days off and consecutive days; `other_shifts` are those
    shifts' (start, end) in minutes since the week's start (also next week's), kept apart by the rest.
    """

    id: str
    skills: frozenset[str]
    hourly_cost: float = 1.0
    max_weekly_minutes: int | None = None
    min_weekly_minutes: int = 0
    templates: frozenset[str] | None = None
    leave: frozenset[date] = frozenset()
    unavailable: tuple[Unavailable, ...] = ()
    days_worked_before: int = 0
    last_shift_end: int | None = None
    min_rest_minutes: int | None = None
    min_days_off: int | None = None
    max_consecutive_days: int | None = None
    other_days: frozenset[int] = frozenset()
    other_shifts: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class LabourRules:
    """Rules for every agent without rules of its own (see `Agent`). Defaults follow PRC practice: 40 h
    week, ≥1 rest day, 11 h between shifts."""

    max_weekly_minutes: int = 40 * 60
    min_rest_minutes: int = 11 * 60
    min_days_off: int = 1
    max_consecutive_days: int = 6


@dataclass(frozen=True)
class Weights:
    """Objective weights, in the same currency unit as `Agent.hourly_cost`.

    Under-staffing must cost far more than a shift so coverage comes first; idle heads cost a little
    so the solver picks the template whose shape fits the demand. Holiday work costs
    `holiday_pay_multiplier` × the hourly cost (PRC Labour Law art. 44: at least 300%).
    """

    under_per_head_hour: float = 2000.0
    over_per_head_hour: float = 10.0
    holiday_pay_multiplier: float = 3.0
    queue_priority: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleProblem:
    """A week to staff: demand per queue per interval, agents, shift templates and rules.

    `required[queue]` has ``7 × 1440 / interval_minutes`` head counts, day 0 (= `start_date`) first,
    each day from midnight. `holidays` are dates (e.g. from `public_holidays`) paid at the holiday
    multiplier; give holiday demand directly in `required`.
    """

    start_date: date
    queues: tuple[str, ...]
    required: Mapping[str, Sequence[int]]
    agents: tuple[Agent, ...]
    templates: tuple[ShiftTemplate, ...]
    rules: LabourRules = LabourRules()
    interval_minutes: int = 15
    holidays: frozenset[date] = frozenset()
    weights: Weights = Weights()

    @property
    def slots_per_day(self) -> int:
        return DAY_MINUTES // self.interval_minutes

    @property
    def n_slots(self) -> int:
        return WEEK_DAYS * self.slots_per_day


# ---------------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class BreakPlacement:
    start: int
    end: int


@dataclass(frozen=True)
class QueueSpell:
    """The agent serves `queue` from `start` to `end` (minutes since midnight of the shift's day)."""

    start: int
    end: int
    queue: str


@dataclass(frozen=True)
class ShiftAssignment:
    agent_id: str
    day: int
    date: date
    template: str
    segments: tuple[tuple[int, int], ...]
    breaks: tuple[BreakPlacement, ...]
    paid_minutes: int
    spells: tuple[QueueSpell, ...]


@dataclass(frozen=True)
class ScheduleResult:
    """The schedule and its coverage. Per-queue arrays are indexed like `ScheduleProblem.required`.

    `over` parks idle heads on the queue (in their skill set) with the highest requirement.
    """

    status: ScheduleStatus
    problems: tuple[str, ...]
    interval_minutes: int
    assignments: tuple[ShiftAssignment, ...]
    required: Mapping[str, tuple[int, ...]]
    scheduled: Mapping[str, tuple[int, ...]]
    under: Mapping[str, tuple[int, ...]]
    over: Mapping[str, tuple[int, ...]]
    objective: float | None
    best_bound: float | None
    labour_cost: float
    solve_seconds: float
    stats: Mapping[str, int] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status in (ScheduleStatus.OPTIMAL, ScheduleStatus.FEASIBLE)

    @property
    def under_staffed_share(self) -> float:
        """Share of interval × queue pairs with demand that have fewer heads than required."""
        demanded = sum(1 for q in self.required for r in self.required[q] if r > 0)
        short = sum(1 for q in self.under for u in self.under[q] if u > 0)
        return short / demanded if demanded else 0.0

    @property
    def under_head_hours(self) -> float:
        return sum(sum(v) for v in self.under.values()) * self.interval_minutes / 60

    @property
    def over_head_hours(self) -> float:
        return sum(sum(v) for v in self.over.values()) * self.interval_minutes / 60

    def for_agent(self, agent_id: str) -> tuple[ShiftAssignment, ...]:
        return tuple(a for a in self.assignments if a.agent_id == agent_id)


# ---------------------------------------------------------------------------------------------------
# Validation and preprocessing


def _validate(problem: ScheduleProblem) -> None:
    step = problem.interval_minutes
    if step <= 0 or DAY_MINUTES % step:
        raise ScheduleInputError(f"interval_minutes must divide 1440, got {step}")
    if len(set(problem.queues)) != len(problem.queues) or not problem.queues:
        raise ScheduleInputError("queues must be non-empty and unique")
    if set(problem.required) != set(problem.queues):
        raise ScheduleInputError(
            f"required must have one row per queue; got {sorted(problem.required)} for {list(problem.queues)}"
        )
    for queue, row in problem.required.items():
        if len(row) != problem.n_slots:
            raise ScheduleInputError(
                f"required[{queue!r}] has {len(row)} intervals, expected {problem.n_slots} (7 days)"
            )
        if any(r < 0 for r in row):
            raise ScheduleInputError(f"required[{queue!r}] has negative heads")
    names = [t.name for t in problem.templates]
    if len(set(names)) != len(names):
        raise ScheduleInputError("template names must be unique")
    for template in problem.templates:
        for start, end in template.segments:
            if start % step or end % step:
                raise ScheduleInputError(f"template {template.name!r}: times must be multiples of {step} min")
        for rule in template.breaks:
            if rule.length % step or (rule.step or step) % step:
                raise ScheduleInputError(
                    f"template {template.name!r}: break length and step must be multiples of {step} min"
                )
            if not _break_starts(template, rule, step):
                raise ScheduleInputError(
                    f"template {template.name!r}: no break start in {_hhmm(rule.earliest_start)}–"
                    f"{_hhmm(rule.latest_start)} fits inside a work segment"
                )
    ids = [a.id for a in problem.agents]
    if len(set(ids)) != len(ids):
        raise ScheduleInputError("agent ids must be unique")
    queues, templates = set(problem.queues), set(names)
    for agent in problem.agents:
        if not agent.skills or not agent.skills <= queues:
            raise ScheduleInputError(f"agent {agent.id}: skills {sorted(agent.skills)} not among the queues")
        if agent.templates is not None and not agent.templates <= templates:
            raise ScheduleInputError(
                f"agent {agent.id}: unknown templates {sorted(agent.templates - templates)}"
            )
    for who, rules in [("every agent", problem.rules)] + [
        (f"agent {a.id}", effective_rules(problem.rules, a)) for a in problem.agents
    ]:
        if (
            not 0 <= rules.min_days_off <= WEEK_DAYS
            or rules.max_consecutive_days < 1
            or rules.min_rest_minutes < 0
        ):
            raise ScheduleInputError(f"labour rules of {who} out of range: {rules}")


def effective_rules(rules: LabourRules, agent: Agent) -> LabourRules:
    """The rules one agent keeps: its own where it has them, the problem's otherwise.

    The weekly maximum is the smaller of the two (the problem's is the legal cap).
    """
    return LabourRules(
        max_weekly_minutes=rules.max_weekly_minutes
        if agent.max_weekly_minutes is None
        else min(rules.max_weekly_minutes, agent.max_weekly_minutes),
        min_rest_minutes=rules.min_rest_minutes if agent.min_rest_minutes is None else agent.min_rest_minutes,
        min_days_off=rules.min_days_off if agent.min_days_off is None else agent.min_days_off,
        max_consecutive_days=rules.max_consecutive_days
        if agent.max_consecutive_days is None
        else agent.max_consecutive_days,
    )


def _break_starts(template: ShiftTemplate, rule: BreakRule, interval: int) -> list[int]:
    """Allowed break starts: on the step grid, in the window, with the whole break in one segment."""
    step = rule.step or interval
    first = math.ceil(rule.earliest_start / step) * step
    return [
        start
        for start in range(first, rule.latest_start + 1, step)
        if any(a <= start and start + rule.length <= b for a, b in template.segments)
    ]


def public_holidays(start: date, days: int = WEEK_DAYS) -> frozenset[date]:
    """Chinese public-holiday days off in ``[start, start + days)``, from `chinese_calendar`.

    This includes bridge days of a holiday period; the 300% statutory pay applies only to the
    statutory days themselves (e.g. 1–3 October), so pass an exact list when pay matters.
    """
    import chinese_calendar  # lazy: only callers that want the calendar pay for it

    result = set()
    for offset in range(days):
        day = start + timedelta(days=offset)
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name is not None:
            result.add(day)
    return frozenset(result)


@dataclass(frozen=True)
class _Option:
    """One (day, template) an agent may work, with its absolute times in minutes since week start."""

    day: int
    template: int
    start: int
    end: int
    paid: int


class _Prepared:
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
            [_break_starts(t, rule, self.step) for rule in t.breaks] for t in problem.templates
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

    def _options(self, agent: Agent) -> list[_Option]:
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
                    _Option(day, index, base + template.start, base + template.end, template.paid_minutes)
                )
        return result


# ---------------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------------
# Solver back ends: the same model on HiGHS (MIP, the default) or CP-SAT


class _Backend(Protocol):
    """The few modelling calls the schedule needs, so one model builder serves both engines."""

    def bool_var(self, name: str) -> Any: ...

    def int_var(self, lo: int, hi: int, name: str) -> Any: ...

    def constrain(self, constraint: Any) -> None: ...

    def sum(self, terms: Sequence[Any]) -> Any: ...

    def minimize(self, expression: Any) -> None: ...

    def maximize(self, expression: Any) -> None: ...

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus: ...

    def value(self, var: Any) -> int: ...

    def objective(self) -> tuple[float, float]:
        """(objective value, best bound) of the last solve."""
        ...

    def size(self) -> tuple[int, int]:
        """(variables, constraints)."""
        ...


class _CpSat(_Backend):
    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.solver = cp_model.CpSolver()

    def bool_var(self, name: str) -> Any:
        return self.model.new_bool_var(name)

    def int_var(self, lo: int, hi: int, name: str) -> Any:
        return self.model.new_int_var(lo, hi, name)

    def constrain(self, constraint: Any) -> None:
        self.model.add(constraint)

    def sum(self, terms: Sequence[Any]) -> Any:
        return cp_model.LinearExpr.sum(list(terms))

    def minimize(self, expression: Any) -> None:
        self.model.minimize(expression)

    def maximize(self, expression: Any) -> None:
        self.model.maximize(expression)

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus:
        params = self.solver.parameters
        params.max_time_in_seconds = max(time_limit_s, 0.1)
        params.num_workers = num_workers
        params.random_seed = seed
        params.log_search_progress = log
        status = self.solver.solve(self.model)
        return {
            cp_model.OPTIMAL: ScheduleStatus.OPTIMAL,
            cp_model.FEASIBLE: ScheduleStatus.FEASIBLE,
            cp_model.INFEASIBLE: ScheduleStatus.INFEASIBLE,
        }.get(status, ScheduleStatus.UNKNOWN)

    def value(self, var: Any) -> int:
        return int(self.solver.value(var))

    def objective(self) -> tuple[float, float]:
        return self.solver.objective_value, self.solver.best_objective_bound

    def size(self) -> tuple[int, int]:
        return len(self.model.proto.variables), len(self.model.proto.constraints)


class _Highs(_Backend):
    """HiGHS (MIP) through OR-Tools' model builder; the solver ships inside the ortools wheel."""

    options = "mip_heuristic_effort=0.3\nmip_rel_gap=0.005"  # stop within 0.5% of the bound

    def __init__(self) -> None:
        self.model = model_builder.Model()
        self.solver = model_builder.Solver("highs")

    def bool_var(self, name: str) -> Any:
        return self.model.new_bool_var(name)

    def int_var(self, lo: int, hi: int, name: str) -> Any:
        return self.model.new_int_var(lo, hi, name)

    def constrain(self, constraint: Any) -> None:
        if isinstance(constraint, bool):  # a constant comparison, e.g. an empty sum
            if not constraint:
                self.model.add(model_builder.LinearExpr.sum([]) >= 1)
            return
        self.model.add(constraint)

    def sum(self, terms: Sequence[Any]) -> Any:
        return model_builder.LinearExpr.sum(list(terms))

    def minimize(self, expression: Any) -> None:
        self.model.minimize(expression)

    def maximize(self, expression: Any) -> None:
        self.model.maximize(expression)

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus:
        self.solver.set_time_limit_in_seconds(max(time_limit_s, 0.1))
        self.solver.set_solver_specific_parameters(
            f"{self.options}\nrandom_seed={seed}\nthreads={num_workers}\noutput_flag={str(log).lower()}"
        )
        self.solver.enable_output(log)
        status = self.solver.solve(self.model)
        if status == model_builder.SolveStatus.OPTIMAL:
            return ScheduleStatus.OPTIMAL
        if status == model_builder.SolveStatus.FEASIBLE:
            return ScheduleStatus.FEASIBLE
        if status == model_builder.SolveStatus.INFEASIBLE:
            return ScheduleStatus.INFEASIBLE
        return ScheduleStatus.UNKNOWN

    def value(self, var: Any) -> int:
        return round(self.solver.value(var))

    def objective(self) -> tuple[float, float]:
        return self.solver.objective_value, self.solver.best_objective_bound

    def size(self) -> tuple[int, int]:
        return self.model.num_variables, self.model.num_constraints


ENGINES: dict[str, type[_Backend]] = {"highs": _Highs, "cp-sat": _CpSat}


# ---------------------------------------------------------------------------------------------------
# Model


def _add_agent_rules(
    backend: _Backend,
    prep: _Prepared,
    agent: Agent,
    options: list[_Option],
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
        for clique in _rest_cliques(options, rules.min_rest_minutes):
            backend.constrain(backend.sum([xs[i] for i in clique]) <= 1)
    return xs, paid


def _rest_cliques(options: Sequence[_Option], rest: int) -> list[tuple[int, ...]]:
    """Maximal sets of options (indexes) of which at most one can be worked, given the rest rule."""
    cliques: set[tuple[int, ...]] = set()
    for pivot in options:
        for day in range(pivot.day):
            ending = [i for i, o in enumerate(options) if o.day == day and o.end > pivot.start - rest]
            if ending:
                starting = [k for k, o in enumerate(options) if o.day == pivot.day and o.start <= pivot.start]
                cliques.add(tuple(ending + starting))
    return [c for c in sorted(cliques) if not any(set(c) < set(other) for other in cliques)]


def _agent_problems(prep: _Prepared) -> list[str]:
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
            backend = _CpSat()
            _, paid = _add_agent_rules(
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
class _Built:
    """Handles on the model's variables, for turning the solution back into a schedule."""

    backend: _Backend
    xs: list[list[Any]]
    split: dict[tuple[int, int, int], dict[str, Any]]  # (group, day, template) -> queue -> count
    breaks: dict[tuple[str, int, int, int], list[tuple[int, Any]]]  # (queue, day, template, k) -> starts


def _build(prep: _Prepared, backend: _Backend) -> _Built:
    """The planning model: per-agent shifts, each shift on one queue, break starts counted per queue.

    The rest rule is imposed per skill group here (at most one shift of each clash set per agent of
    the group) and per agent by `_repair_rest`, which re-deals shifts inside a group with the same
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
        # Rest per agent and the weekly minimum come back hard in `_repair_rest`; a soft minimum keeps
        # "nobody works" feasible, so the MIP has an incumbent from the start.
        min_minutes = agent.min_weekly_minutes
        agent_xs, paid = _add_agent_rules(
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
            _Option(d, t, d * DAY_MINUTES + templates[t].start, d * DAY_MINUTES + templates[t].end, 0)
            for d, t in keys
        ]
        group_rest = prep.rules(problem.agents[members[0]]).min_rest_minutes  # one rest per group
        for clique in _rest_cliques(virtual, group_rest):
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
    return _Built(backend=backend, xs=xs, split=split, breaks=breaks)


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
    _validate(problem)
    prep = _Prepared(problem)
    problems = _agent_problems(prep)
    if problems:
        return _empty_result(prep, ScheduleStatus.INFEASIBLE, problems, time.perf_counter() - began)

    deadline = began + time_limit_s
    reserve = min(0.2 * time_limit_s, 12.0)  # for the per-group rest repair
    built = _build(prep, ENGINES[engine]())
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
        return _empty_result(prep, status, [reason], time.perf_counter() - began, stats)
    planned = [[i for i, x in enumerate(agent_xs) if backend.value(x)] for agent_xs in built.xs]
    worked, changed, failed = _repair_rest(prep, planned, deadline=deadline, seed=seed)
    stats["rest_repairs"] = changed
    stats["rest_repair_groups_with_deviation"] = len(failed)
    if failed or (changed and _labour_cost(prep, worked) > _labour_cost(prep, planned)):
        status = ScheduleStatus.FEASIBLE  # the re-deal moved away from the model's optimum
    return _extract(prep, built, worked, status=status, began=began, stats=stats)


def _labour_cost(prep: _Prepared, worked: Sequence[Sequence[int]]) -> float:
    weights = prep.problem.weights
    total = 0.0
    for agent, options, chosen in zip(prep.problem.agents, prep.options, worked, strict=True):
        for i in chosen:
            pay = weights.holiday_pay_multiplier if options[i].day in prep.holiday_days else 1.0
            total += agent.hourly_cost * options[i].paid / 60 * pay
    return total


def _rest_ok(options: Sequence[_Option], chosen: Sequence[int], rest: int) -> bool:
    ordered = sorted((options[i] for i in chosen), key=lambda o: o.start)
    return all(b.start - a.end >= rest for a, b in itertools.pairwise(ordered))


def _repair_rest(
    prep: _Prepared, planned: list[list[int]], *, deadline: float, seed: int
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
    prep: _Prepared,
    planned: list[list[int]],
    members: list[int],
    *,
    exact: bool,
    time_limit_s: float,
    seed: int,
) -> dict[int, list[int]] | None:
    """One group's shifts re-dealt under every per-agent rule; None if no deal was found in time."""
    backend = _CpSat()
    counts: dict[tuple[int, int], list[Any]] = defaultdict(list)
    target: dict[tuple[int, int], int] = defaultdict(int)
    xs = {}
    cost = []
    for a in members:
        agent, options = prep.problem.agents[a], prep.options[a]
        xs[a], _ = _add_agent_rules(backend, prep, agent, options, f"r{a}")
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


def _minimum_ok(prep: _Prepared, a: int, chosen: Sequence[int]) -> bool:
    return sum(prep.options[a][i].paid for i in chosen) >= prep.problem.agents[a].min_weekly_minutes


def _drop_clashes(options: Sequence[_Option], chosen: Sequence[int], rest: int) -> list[int]:
    kept: list[int] = []
    for i in sorted(chosen, key=lambda i: options[i].start):
        if not kept or options[i].start - options[kept[-1]].end >= rest:
            kept.append(i)
    return kept


# ---------------------------------------------------------------------------------------------------
# Extraction


def _empty_result(
    prep: _Prepared,
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


def _extract(
    prep: _Prepared,
    built: _Built,
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


# ---------------------------------------------------------------------------------------------------
# Benchmark

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


def benchmark_week(
    n_agents: int = 300, n_queues: int = 10, seed: int = 0, time_limit_s: float = 60.0
) -> dict:
    """Generate a realistic week and solve it; the figures `bench/workforce.py` reports."""
    problem = benchmark_problem(n_agents=n_agents, n_queues=n_queues, seed=seed)
    result = solve_schedule(problem, time_limit_s=time_limit_s, num_workers=2, seed=seed)
    step = problem.interval_minutes
    return {
        "agents": n_agents,
        "queues": n_queues,
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
