"""Every solved week keeps every rule of every agent: per-day shift templates and per-agent labour rules.

Property-style: hypothesis generates small weeks (a few agents with rules of their own, templates
allowed on some weekdays only, leave, unavailability, shifts worked in another schedule) and an
independent checker, written from the rules' definitions rather than from the solver's code, reads
the solved assignments back.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.workforce.rostering.problem import (
    DAY_MINUTES,
    Agent,
    LabourRules,
    ScheduleProblem,
    ScheduleResult,
    ShiftTemplate,
    Unavailable,
)
from kefu.workforce.rostering.solver import solve_schedule

MONDAY = date(2025, 6, 9)
STEP = 60
QUEUES = ("pre", "post")
SHAPES = (
    ("E", ("09:00-18:00",), [(60, "11:00", "13:00")]),
    ("L", ("15:00-24:00",), [(60, "17:00", "19:00")]),
    ("N", ("19:00-27:00",), []),  # past midnight: rest and the next day's coverage
    ("P", ("10:00-14:00",), []),
)
RULES = LabourRules()  # the defaults every agent without rules of its own keeps


@st.composite
def weeks(draw: st.DrawFn) -> ScheduleProblem:
    templates = []
    for name, spans, breaks in SHAPES:
        days = draw(st.none() | st.frozensets(st.integers(0, 6), min_size=1, max_size=6))
        templates.append(ShiftTemplate.of(name, *spans, breaks=breaks, days=days))
    agents = []
    for index in range(draw(st.integers(2, 6))):
        other_days = draw(st.frozensets(st.integers(0, 6), max_size=2))
        windows = draw(
            st.lists(st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(1, 12)), max_size=3)
        )
        agents.append(
            Agent(
                id=f"a{index}",
                skills=draw(st.sampled_from([frozenset({"pre"}), frozenset({"post"}), frozenset(QUEUES)])),
                hourly_cost=draw(st.integers(20, 40)),
                max_weekly_minutes=draw(st.sampled_from([None, 16 * 60, 32 * 60, 40 * 60, 48 * 60])),
                templates=draw(st.none() | st.frozensets(st.sampled_from("ELNP"), min_size=1)),
                leave=frozenset(
                    MONDAY + timedelta(days=d) for d in draw(st.frozensets(st.integers(0, 6), max_size=2))
                ),
                unavailable=tuple(
                    Unavailable(MONDAY + timedelta(days=d), h * 60, min(DAY_MINUTES, (h + n) * 60))
                    for d, h, n in windows
                ),
                days_worked_before=draw(st.integers(0, 4)),
                last_shift_end=draw(st.none() | st.integers(-12 * 60, 0)),
                min_rest_minutes=draw(st.sampled_from([None, 8 * 60, 11 * 60, 14 * 60])),
                min_days_off=draw(st.sampled_from([None, 0, 1, 2, 3])),
                max_consecutive_days=draw(st.sampled_from([None, 2, 3, 5, 7])),
                other_days=other_days,
                other_shifts=tuple(
                    (d * DAY_MINUTES + 540, d * DAY_MINUTES + 1080) for d in sorted(other_days)
                ),
            )
        )
    slots = 7 * DAY_MINUTES // STEP
    required = {
        q: [draw(st.integers(0, 3)) if 9 <= (s % 24) < 24 else 0 for s in range(slots)] for q in QUEUES
    }
    return ScheduleProblem(
        start_date=MONDAY,
        queues=QUEUES,
        required=required,
        agents=tuple(agents),
        templates=tuple(templates),
        rules=RULES,
        interval_minutes=STEP,
    )


def violations(problem: ScheduleProblem, result: ScheduleResult, agent: Agent) -> list[str]:
    """Every rule `agent`'s solved week breaks, from the definitions."""
    shapes = {t.name: t for t in problem.templates}
    rest = RULES.min_rest_minutes if agent.min_rest_minutes is None else agent.min_rest_minutes
    days_off = RULES.min_days_off if agent.min_days_off is None else agent.min_days_off
    run = RULES.max_consecutive_days if agent.max_consecutive_days is None else agent.max_consecutive_days
    cap = RULES.max_weekly_minutes
    cap = cap if agent.max_weekly_minutes is None else min(cap, agent.max_weekly_minutes)
    mine = result.for_agent(agent.id)
    found = []
    days = [a.day for a in mine]
    if len(days) != len(set(days)):
        found.append("two shifts on a day")
    if sum(a.paid_minutes for a in mine) > cap:
        found.append("weekly maximum")
    worked = set(days) | agent.other_days
    if 7 - len(worked) < days_off:
        found.append("days off")
    # Runs of worked days (the days before the week first) longer than allowed, with a solved day in them
    streak, solved_in_run = agent.days_worked_before, False
    for day in range(8):
        if day < 7 and day in worked:
            streak, solved_in_run = streak + 1, solved_in_run or day in days
            continue
        if streak > run and solved_in_run:
            found.append("consecutive days")
        streak, solved_in_run = 0, False
    solved = [(a.day * DAY_MINUTES + a.segments[0][0], a.day * DAY_MINUTES + a.segments[-1][1]) for a in mine]
    fixed = list(agent.other_shifts)
    if agent.last_shift_end is not None:
        fixed.append((agent.last_shift_end, agent.last_shift_end))
    for first, second in itertools.combinations(solved + fixed, 2):
        if first in solved or second in solved:  # the input's own shifts are not the solver's doing
            (_s1, e1), (s2, _e2) = sorted([first, second])
            if s2 - e1 < rest:
                found.append("rest")
    blocked = [
        ((u.day - MONDAY).days * DAY_MINUTES + u.start, (u.day - MONDAY).days * DAY_MINUTES + u.end)
        for u in agent.unavailable
    ]
    blocked += [
        ((d - MONDAY).days * DAY_MINUTES, (d - MONDAY).days * DAY_MINUTES + DAY_MINUTES) for d in agent.leave
    ]
    blocked += [(d * DAY_MINUTES, d * DAY_MINUTES + DAY_MINUTES) for d in agent.other_days]
    for a in mine:
        template = shapes[a.template]
        if agent.templates is not None and a.template not in agent.templates:
            found.append("template not the agent's")
        if template.days is not None and a.date.weekday() not in template.days:
            found.append("template not allowed that weekday")
        if any(s.queue not in agent.skills for s in a.spells):
            found.append("queue without the skill")
        for start, end in a.segments:
            lo, hi = a.day * DAY_MINUTES + start, a.day * DAY_MINUTES + end
            if any(lo < b and a_ < hi for a_, b in blocked):
                found.append("unavailable or on leave")
    return found


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(weeks())
def test_every_agent_keeps_every_rule_of_its_own(problem: ScheduleProblem) -> None:
    result = solve_schedule(problem, time_limit_s=60)  # HiGHS keeps its first thread count per process

    assert result.feasible, result.problems  # no minimum hours: a week off always keeps every rule
    for agent in problem.agents:
        assert violations(problem, result, agent) == [], (agent, result.for_agent(agent.id))


def test_a_template_is_only_worked_on_its_weekdays() -> None:
    weekend = ShiftTemplate.of("W", "09:00-18:00", days={5, 6})
    weekday = ShiftTemplate.of("D", "09:00-18:00", days=range(5))
    agents = tuple(Agent(id=f"a{i}", skills=frozenset({"pre"}), max_weekly_minutes=48 * 60) for i in range(3))
    problem = ScheduleProblem(
        start_date=MONDAY,
        queues=("pre",),
        required={"pre": [2 if 9 <= s % 24 < 18 else 0 for s in range(7 * 24)]},
        agents=agents,
        templates=(weekend, weekday),
        rules=LabourRules(min_days_off=0, max_consecutive_days=7, max_weekly_minutes=63 * 60),
        interval_minutes=STEP,
    )
    result = solve_schedule(problem, time_limit_s=60)
    assert result.feasible and result.under_staffed_share == 0  # every day is staffed …
    assert {(a.template, a.date.weekday() >= 5) for a in result.assignments} == {("W", True), ("D", False)}


def test_one_agents_rules_do_not_bind_the_others() -> None:
    """Before, the strictest rule set applied to everyone; now a 3-days-off agent limits only itself."""
    shift = ShiftTemplate.of("E", "09:00-17:00")
    agents = (
        Agent(id="part", skills=frozenset({"pre"}), min_days_off=4),
        Agent(id="full", skills=frozenset({"pre"}), max_weekly_minutes=48 * 60, min_days_off=1),
    )
    problem = ScheduleProblem(
        start_date=MONDAY,
        queues=("pre",),
        required={"pre": [2 if 9 <= s % 24 < 17 else 0 for s in range(7 * 24)]},
        agents=agents,
        templates=(shift,),
        rules=LabourRules(max_weekly_minutes=48 * 60),
        interval_minutes=STEP,
    )
    result = solve_schedule(problem, time_limit_s=60)
    assert len(result.for_agent("part")) == 3 and len(result.for_agent("full")) == 6
