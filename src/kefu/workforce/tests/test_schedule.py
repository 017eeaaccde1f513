"""The weekly shift-schedule solver: every labour rule checked on the output, coverage, cost, errors.

`check_schedule` (in `schedule_checks`, shared with `bench/schedule.py`) re-derives everything from
the problem and the assignments, independently of the solver's own bookkeeping, so a bug in the
model or in the extraction shows up as a rule violation. No test here asserts on solve time: the
timings are in `bench/schedule.py`.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.workforce.rostering.problem import (
    Agent,
    BreakRule,
    LabourRules,
    ScheduleInputError,
    ScheduleProblem,
    ScheduleStatus,
    ShiftTemplate,
    Unavailable,
    Weights,
    clock,
    public_holidays,
)
from kefu.workforce.rostering.solver import solve_schedule
from kefu.workforce.tests.schedule_checks import check_schedule

MONDAY = date(2025, 6, 9)
STEP = 30  # minutes per interval in the unit tests: small models, fast solves
SLOTS_PER_DAY = 1440 // STEP
# A ceiling, not a target: these weeks solve in well under a second; a generous limit keeps a loaded
# machine from failing a test, and nothing here asserts on time (timings: bench/schedule.py).
LIMIT_S = 60

EARLY = ShiftTemplate.of("E", "09:00-18:00", breaks=[(60, "11:00", "13:30")])
LATE = ShiftTemplate.of("L", "15:00-24:00", breaks=[(60, "17:00", "19:30")])
SPLIT = ShiftTemplate.of("S", "09:00-13:00", "18:00-22:00")
NIGHT = ShiftTemplate.of("N", "20:00-26:00")  # past midnight, into the next day


def demand(*spans: tuple[int, str, str], days: tuple[int, ...] = tuple(range(7))) -> tuple[int, ...]:
    """Heads per 30-min interval over the week: `spans` of (heads, "HH:MM", "HH:MM") on `days`."""
    row = [0] * (7 * SLOTS_PER_DAY)
    for day in days:
        for heads, start, end in spans:
            for slot in range(clock(start) // STEP, clock(end) // STEP):
                row[day * SLOTS_PER_DAY + slot] += heads
    return tuple(row)


def problem(agents, required, templates=(EARLY, LATE), **kwargs) -> ScheduleProblem:
    return ScheduleProblem(
        start_date=MONDAY,
        queues=tuple(required),
        required=required,
        agents=tuple(agents),
        templates=tuple(templates),
        interval_minutes=STEP,
        **kwargs,
    )


def agent(agent_id: str, skills: str = "a", **kwargs) -> Agent:
    return Agent(id=agent_id, skills=frozenset(skills.split(",")), **kwargs)


@pytest.mark.parametrize("engine", ["highs", "cp-sat"])
def test_enough_agents_cover_demand_and_respect_every_rule(engine):
    # Given a 9:00-24:00 day, two queues, more than enough agents with overlapping skills.
    required = {
        "presales": demand((2, "09:00", "24:00"), (1, "20:00", "23:00")),
        "aftersales": demand((1, "09:00", "18:00")),
    }
    agents = [agent(f"p{i}", "presales") for i in range(6)]
    agents += [agent(f"m{i}", "presales,aftersales") for i in range(5)]
    agents += [agent(f"s{i}", "aftersales") for i in range(3)]
    prob = problem(agents, required, templates=(EARLY, LATE, SPLIT))

    # When solved
    result = solve_schedule(prob, time_limit_s=LIMIT_S, engine=engine)

    # Then every interval is covered and every rule holds
    check_schedule(prob, result)
    assert result.under_staffed_share == 0.0
    assert result.under_head_hours == 0.0


def test_too_few_agents_report_understaffing():
    required = {"a": demand((3, "09:00", "18:00"))}
    prob = problem([agent("only")], required)

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert result.status is ScheduleStatus.OPTIMAL
    assert len(result.assignments) == 5  # works as much as the 40 h week allows
    assert result.under_staffed_share == 1.0  # every interval with demand is short
    assert result.under_head_hours == 7 * 3 * 9 - 5 * 8


def test_breaks_are_staggered_to_keep_coverage():
    # One head needed all day; two agents on the same template must not eat at the same time.
    required = {"a": demand((1, "09:00", "18:00"), days=(0,))}
    prob = problem([agent("x"), agent("y")], required, templates=(EARLY,))

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert result.under_staffed_share == 0.0
    starts = sorted(s.breaks[0].start for s in result.assignments)
    assert len(starts) == 2 and starts[1] - starts[0] >= 60


def test_multi_skilled_agent_switches_queue_mid_shift():
    required = {"a": demand((1, "09:00", "13:00"), days=(2,)), "b": demand((1, "14:00", "18:00"), days=(2,))}
    prob = problem([agent("both", "a,b")], required, templates=(EARLY,))

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert result.under_staffed_share == 0.0
    (shift,) = result.assignments
    assert {s.queue for s in shift.spells} == {"a", "b"}


def test_prefers_cheaper_agents_at_equal_coverage():
    day = ShiftTemplate.of("D", "09:00-17:00")
    required = {"a": demand((1, "09:00", "17:00"), days=(0, 1, 2))}
    prob = problem(
        [agent("dear", hourly_cost=50), agent("cheap", hourly_cost=30)], required, templates=(day,)
    )

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert result.under_staffed_share == 0.0
    assert {s.agent_id for s in result.assignments} == {"cheap"}
    assert result.labour_cost == 3 * 8 * 30
    assert result.objective == result.labour_cost  # nothing short, nobody idle


def test_rest_between_shifts_is_kept():
    # A late shift on Monday and an early one on Tuesday leave 9 h of rest: one agent cannot do both.
    monday_late, tuesday_early = (
        demand((1, "15:00", "24:00"), days=(0,)),
        demand((1, "09:00", "18:00"), days=(1,)),
    )
    required = {"a": tuple(x + y for x, y in zip(monday_late, tuesday_early, strict=True))}
    alone = problem([agent("x")], required)
    pair = problem([agent("x"), agent("y")], required)

    alone_result = solve_schedule(alone, time_limit_s=LIMIT_S)
    pair_result = solve_schedule(pair, time_limit_s=LIMIT_S)

    check_schedule(alone, alone_result)  # includes the rest rule
    check_schedule(pair, pair_result)
    assert {(s.day, s.template) for s in alone_result.assignments} != {(0, "L"), (1, "E")}
    assert pair_result.under_head_hours < alone_result.under_head_hours
    assert {(s.day, s.template) for s in pair_result.assignments} >= {(0, "L"), (1, "E")}


def test_availability_leave_templates_and_previous_week_are_respected():
    required = {"a": demand((2, "09:00", "24:00"))}
    agents = [
        agent("leave", leave=frozenset({MONDAY, MONDAY + timedelta(days=3)})),
        agent(
            "evenings",
            unavailable=tuple(Unavailable(MONDAY + timedelta(days=d), 0, 14 * 60) for d in range(7)),
        ),
        agent("lates_only", templates=frozenset({"L"})),
        agent("tired", days_worked_before=5, last_shift_end=-60),  # worked until 23:00 on Sunday
        agent("night", templates=frozenset({"N"})),
    ]
    prob = problem(agents, required, templates=(EARLY, LATE, NIGHT))

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    tired = {s.day: s.template for s in result.for_agent("tired")}
    assert 1 not in tired or 0 not in tired  # at most one day before a day off
    assert tired.get(0) != "E"  # 10 h after Sunday's 23:00 end is too little rest
    assert all(s.template == "L" for s in result.for_agent("evenings"))
    assert not {0, 3} & {s.day for s in result.for_agent("leave")}


def test_night_shift_covers_the_next_morning():
    required = {"a": demand((1, "00:00", "02:00"), days=(1,))}
    prob = problem([agent("owl")], required, templates=(NIGHT,))

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert [(s.day, s.template) for s in result.assignments] == [(0, "N")]
    assert result.under_staffed_share == 0.0


def test_holidays_cost_more_so_work_moves_to_ordinary_days():
    holidays = public_holidays(date(2025, 10, 1), days=7)
    assert date(2025, 10, 1) in holidays and date(2025, 10, 6) in holidays
    required = {"a": demand((1, "09:00", "18:00"), days=(0, 1))}
    prob = ScheduleProblem(
        start_date=MONDAY,
        queues=("a",),
        required=required,
        agents=(agent("x", min_weekly_minutes=8 * 60),),
        templates=(EARLY,),
        interval_minutes=STEP,
        holidays=frozenset({MONDAY}),
        weights=Weights(under_per_head_hour=1),  # coverage cheap: only the pay decides
    )

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert [s.day for s in result.assignments] == [1]


def test_queue_priority_decides_who_is_left_short():
    required = {"a": demand((1, "09:00", "18:00"), days=(0,)), "b": demand((1, "09:00", "18:00"), days=(0,))}
    prob = problem(
        [agent("x", "a,b")], required, templates=(EARLY,), weights=Weights(queue_priority={"b": 3.0})
    )

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    check_schedule(prob, result)
    assert sum(result.under["b"]) < sum(result.under["a"])


def test_contradictory_rules_are_reported_not_raised():
    # 40 h a week needs five 8 h shifts, but leave leaves only three working days.
    leave = frozenset(MONDAY + timedelta(days=d) for d in range(4))
    prob = problem(
        [
            agent("ok"),
            agent("stuck", min_weekly_minutes=40 * 60, leave=leave),
            agent("greedy", min_weekly_minutes=50 * 60),
        ],
        {"a": demand((1, "09:00", "18:00"))},
    )

    result = solve_schedule(prob, time_limit_s=LIMIT_S)

    assert result.status is ScheduleStatus.INFEASIBLE
    assert not result.feasible and result.assignments == ()
    assert any("stuck" in p and "at most 1440" in p for p in result.problems)
    assert any("greedy" in p and "exceeds the maximum" in p for p in result.problems)
    assert result.under == result.required


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"required": {"a": (1, 2, 3)}}, "expected 336"),
        ({"agents": (agent("x", "nope"),)}, "not among the queues"),
        ({"agents": (agent("x"), agent("x"))}, "unique"),
        ({"agents": (agent("x", templates=frozenset({"Z"})),)}, "unknown templates"),
        ({"templates": (ShiftTemplate.of("odd", "09:10-18:00"),)}, "multiples of 30"),
        ({"interval_minutes": 7}, "divide 1440"),
        ({"rules": LabourRules(min_days_off=8)}, "out of range"),
    ],
)
def test_malformed_input_raises(change, message):
    base = {
        "start_date": MONDAY,
        "queues": ("a",),
        "required": {"a": demand((1, "09:00", "18:00"))},
        "agents": (agent("x"),),
        "templates": (EARLY,),
        "interval_minutes": STEP,
    }
    with pytest.raises(ScheduleInputError, match=message):
        solve_schedule(ScheduleProblem(**{**base, **change}))


def test_templates_validate_themselves():
    with pytest.raises(ScheduleInputError, match="overlap"):
        ShiftTemplate("x", ((540, 1080),), (BreakRule(60, 660, 720), BreakRule(60, 700, 800)))
    with pytest.raises(ScheduleInputError, match="increasing"):
        ShiftTemplate.of("x", "18:00-22:00", "09:00-13:00")
    with pytest.raises(ScheduleInputError, match="fits inside"):
        solve_schedule(
            problem(
                [agent("x")],
                {"a": demand()},
                templates=(
                    ShiftTemplate.of("x", "09:00-12:00", "13:00-16:00", breaks=[(60, "11:30", "12:00")]),
                ),
            )
        )
    assert SPLIT.paid_minutes == 8 * 60 and EARLY.paid_minutes == 8 * 60 and NIGHT.end == 26 * 60


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_agents=st.integers(1, 8),
    rest_hours=st.sampled_from([8, 11, 13]),
    max_days=st.integers(3, 6),
)
def test_random_small_weeks_always_respect_the_rules(seed, n_agents, rest_hours, max_days):
    import random

    rng = random.Random(seed)
    queues = ("a", "b", "c")
    required = {
        q: tuple(
            rng.choice((0, 0, 1, 2)) if 18 <= s % SLOTS_PER_DAY < 48 else 0 for s in range(7 * SLOTS_PER_DAY)
        )
        for q in queues
    }
    agents = [
        agent(
            f"g{i}",
            ",".join(rng.sample(queues, rng.randint(1, 3))),
            hourly_cost=rng.randint(20, 40),
            leave=frozenset({MONDAY + timedelta(days=rng.randrange(7))})
            if rng.random() < 0.3
            else frozenset(),
            days_worked_before=rng.randint(0, 5),
        )
        for i in range(n_agents)
    ]
    rules = LabourRules(min_rest_minutes=rest_hours * 60, max_consecutive_days=max_days, min_days_off=2)
    prob = problem(agents, required, templates=(EARLY, LATE, SPLIT), rules=rules)

    check_schedule(prob, solve_schedule(prob, time_limit_s=LIMIT_S))


def test_a_small_realistic_week_is_fully_covered_under_every_agents_own_rules():
    """The benchmark week in miniature (its timing lives in `bench/schedule.py`): three queues,
    overlapping skills, students with rules of their own, leave, a shift not used on Sundays.
    Small enough to solve to optimality at once, so nothing here depends on the machine's speed."""
    early_not_sunday = ShiftTemplate.of("E09", "09:00-18:00", breaks=[(60, "11:00", "13:30")], days=range(6))
    required = {
        "presales": demand((1, "09:00", "24:00"), (1, "19:00", "23:00")),
        "aftersales": demand((1, "09:00", "18:00"), days=(0, 1, 2, 3, 4)),
        "vip": demand((1, "20:00", "23:00"), days=(4, 5, 6)),
    }
    students = [
        agent(f"st{i}", "presales", min_days_off=3, min_rest_minutes=12 * 60, max_weekly_minutes=24 * 60)
        for i in range(3)
    ]
    agents = [
        *(agent(f"p{i}", "presales", hourly_cost=30) for i in range(4)),
        *(agent(f"m{i}", "presales,aftersales", hourly_cost=35) for i in range(3)),
        agent("a0", "aftersales", leave=frozenset({MONDAY + timedelta(days=2)})),
        agent("v0", "presales,vip", hourly_cost=40),
        agent("v1", "aftersales,vip", hourly_cost=40),
        *students,
    ]
    prob = problem(agents, required, templates=(early_not_sunday, LATE, SPLIT, NIGHT))

    result = solve_schedule(prob, time_limit_s=LIMIT_S, seed=0)

    check_schedule(prob, result)
    assert result.status is ScheduleStatus.OPTIMAL
    # Covered everywhere but Sunday 13:00-15:00, which no shift allowed on Sundays reaches.
    sunday_gap = {6 * SLOTS_PER_DAY + clock(hhmm) // STEP for hhmm in ("13:00", "13:30", "14:00", "14:30")}
    short = {(q, s) for q in prob.queues for s, under in enumerate(result.under[q]) if under}
    assert short == {("presales", s) for s in sunday_gap}
    assert not [s for s in result.assignments if s.template == "E09" and s.date.weekday() == 6]
    for student in students:
        days = sorted(s.day for s in result.assignments if s.agent_id == student.id)
        assert (
            len(days) <= 4
            and sum(s.paid_minutes for s in result.assignments if s.agent_id == student.id) <= 24 * 60
        )
