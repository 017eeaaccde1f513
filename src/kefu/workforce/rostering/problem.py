"""The shift solver's input and output: shift templates, agents, labour rules, the week's problem and
its result, and the checks on malformed input. Pure (no Django).

Times are minutes since midnight of the shift's day. Shifts may run past midnight (a segment may end
after 1440) and cover the next day's intervals; coverage past the end of the week is dropped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

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


def validate(problem: ScheduleProblem) -> None:
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
            if not break_starts(template, rule, step):
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


def break_starts(template: ShiftTemplate, rule: BreakRule, interval: int) -> list[int]:
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
