"""Weekly schedules as services: solving from demand, labour rules on the output, grid edits,
publishing, agents' own view, swap/leave/change requests decided by a team lead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kefu.cli.worker import run_ready_tasks
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import Role
from kefu.tenancy.models import AuditEvent
from kefu.testing.factories import MembershipFactory
from kefu.testing.plugin import Tenants
from kefu.workforce.models import Schedule, ScheduledShift, ScheduleRequest
from kefu.workforce.rostering import grid, problem, stored
from kefu.workforce.rostering import selectors as roster_selectors
from kefu.workforce.rostering import services as rostering

MONDAY = date(2030, 1, 7)  # a Monday in the future, so agents may still file requests
STEP = 30
SLOTS = 7 * 1440 // STEP


pytestmark = pytest.mark.usefixtures("in_english")  # tests match message text


def demand(heads: int, start: str, end: str, days: range = range(7)) -> list[int]:
    row = [0] * SLOTS
    a, b = problem.clock(start) // STEP, problem.clock(end) // STEP
    for day in days:
        for slot in range(a, b):
            row[day * 48 + slot] += heads
    return row


def setup_roster(tenants: Tenants, *, agents: int = 5, queues: tuple[str, ...] = ("presales",)) -> list[int]:
    """Templates E (09–18) and L (15–24) with a lunch/dinner window, and `agents` profiled agents."""
    planner = tenants.scope("pa", "workforce_planner")
    rostering.shift_template_create(
        planner,
        name="E",
        segments=[["09:00", "18:00"]],
        breaks=[{"length": 60, "earliest": "11:00", "latest": "13:30"}],
    )
    rostering.shift_template_create(
        planner,
        name="L",
        segments=[["15:00", "24:00"]],
        breaks=[{"length": 60, "earliest": "17:00", "latest": "19:30"}],
    )
    users = [tenants.user("pa", "agent")]
    for i in range(agents - 1):
        users.append(
            MembershipFactory(organization=tenants.pa, role=Role.AGENT, user__username=f"pa_agent{i}").user
        )
    for i, user in enumerate(users):
        skills = list(queues) if i % 2 == 0 else [queues[-1]]
        rostering.agent_profile_set(
            planner, user_id=user.pk, skills=skills, max_hours_per_week=40, hourly_cost=30 + i
        )
    return [u.pk for u in users]


def solved(tenants: Tenants, **kwargs) -> Schedule:
    """Create a schedule (its solve is queued) and run the queue as `kefu worker` would."""
    required = kwargs.pop("required", {"presales": demand(2, "09:00", "22:00")})
    schedule = rostering.schedule_create(
        tenants.scope("pa", "workforce_planner"),
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required=required,
        time_limit_s=60,  # a ceiling: the week solves in about a second
        **kwargs,
    )
    assert schedule.solve_state == Schedule.SolveState.QUEUED
    assert run_ready_tasks(worker_id="test") == 1
    schedule.refresh_from_db()
    assert schedule.solve_state == Schedule.SolveState.DONE, schedule.solve_message
    return schedule


def check_rules(tenants: Tenants, schedule: Schedule) -> None:
    """Every agent's stored week keeps every labour rule, re-derived from the stored rows."""
    planner = tenants.scope("pa", "workforce_planner")
    profiles = {p.user_id: p for p in roster_selectors.agent_profile_list(planner)}
    rows = list(roster_selectors.scheduled_shift_rows(schedule))
    assert rows
    for user_id in {r.agent_id for r in rows}:
        mine = [stored.placed(r, schedule.week_start) for r in rows if r.agent_id == user_id]
        rules = stored.agent_rules(profiles[user_id], schedule, [])
        assert grid.rule_violations(rules, mine) == [], user_id
        for shift in mine:  # breaks inside the segments, spells never during a break
            for start, end in shift.breaks:
                assert any(a <= start and end <= b for a, b in shift.segments)
            for a, b, _q in shift.spells:
                assert not any(s < b and a < e for s, e in shift.breaks)


def test_solved_week_covers_demand_and_keeps_every_rule(tenants: Tenants) -> None:
    setup_roster(tenants, agents=5)

    schedule = solved(tenants)

    assert schedule.solver_status in {"OPTIMAL", "FEASIBLE"}, schedule.problems
    check_rules(tenants, schedule)
    required, scheduled = (
        schedule.coverage["required"]["presales"],
        schedule.coverage["scheduled"]["presales"],
    )
    assert len(required) == len(scheduled) == SLOTS
    # 5 agents × 5 shifts fall a little short of 2 heads 09–22 every day (breaks leave gaps)
    assert schedule.under_staffed_share is not None and schedule.under_staffed_share < 0.25
    summary = grid.coverage_summary(
        schedule.coverage["required"], schedule.coverage["scheduled"], interval=STEP
    )
    assert summary["under_staffed_share"] == pytest.approx(schedule.under_staffed_share)


def test_schedule_from_staffing_plans_places_heads_on_their_weekday(tenants: Tenants) -> None:
    from kefu.workforce import services
    from kefu.workforce.tests.test_services_history import _csv

    planner = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        planner, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(
        planner, history_id=history.pk, horizon_days=7, method="seasonal_naive"
    )
    plan = services.staffing_plan_create(planner, forecast_id=run.pk, aht_s=20, shrinkage=0.0)
    setup_roster(tenants, agents=4)
    monday = run.first_day

    row = stored.resample(plan.required, run.interval_minutes, monday, 60)
    # the plan's 30-min heads become hourly peaks; nothing before 09:00 or from 21:00
    assert row[:9] == [0] * 9 and row[21:24] == [0, 0, 0] and max(row[9:21]) >= 1

    schedule = rostering.schedule_create(
        planner, client_id=tenants.ca1.pk, week_start=monday, queues={"presales": plan.pk}, time_limit_s=60
    )
    assert schedule.demand_source == {"plans": {"presales": plan.pk}}
    assert sum(schedule.coverage["required"]["presales"]) > 0
    run_ready_tasks(worker_id="test")
    schedule.refresh_from_db()
    check_rules(tenants, schedule)
    with pytest.raises(Invalid):  # a week the plan does not cover
        rostering.schedule_create(
            planner,
            client_id=tenants.ca1.pk,
            week_start=monday + timedelta(days=70),
            queues={"presales": plan.pk},
        )
    with pytest.raises(Invalid):  # another client's plan
        rostering.schedule_create(
            planner, client_id=tenants.ca2.pk, week_start=monday, queues={"presales": plan.pk}
        )


def test_bad_input_is_invalid(tenants: Tenants) -> None:
    setup_roster(tenants, agents=3)
    planner = tenants.scope("pa", "workforce_planner")
    with pytest.raises(Invalid):
        solved(tenants, required={"presales": [1, 2]})
    with pytest.raises(Invalid):
        rostering.schedule_create(
            planner,
            client_id=tenants.ca1.pk,
            week_start=MONDAY + timedelta(days=1),
            required={"presales": demand(1, "09:00", "10:00")},
        )
    with pytest.raises(NotFound):
        rostering.schedule_create(
            planner, client_id=tenants.cb.pk, week_start=MONDAY, required={"q": [0] * SLOTS}
        )
    with pytest.raises(Invalid):
        rostering.shift_template_create(planner, name="X", segments=[["18:00", "09:00"]])
    with pytest.raises(Conflict):
        rostering.shift_template_create(planner, name="E", segments=[["08:00", "12:00"]])
    with pytest.raises(PermissionDenied):
        rostering.schedule_create(
            tenants.scope("pa", "agent"),
            client_id=tenants.ca1.pk,
            week_start=MONDAY,
            required={"presales": [0] * SLOTS},
        )
    with pytest.raises(NotFound):  # a user of another provider
        rostering.agent_profile_set(planner, user_id=tenants.user("pb", "agent").pk, skills=["presales"])


def test_manual_edit_recomputes_coverage_and_refuses_short_rest(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    planner = tenants.scope("pa", "workforce_planner")
    schedule = rostering.schedule_create(
        planner,
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required={"presales": demand(1, "09:00", "24:00")},
        solve=False,
    )
    assert not ScheduledShift.all_tenants.filter(schedule=schedule).exists()

    rostering.schedule_shift_edit(
        planner, schedule_id=schedule.pk, user_id=users[0], day=MONDAY, template="L"
    )
    schedule.refresh_from_db()
    heads = schedule.coverage["scheduled"]["presales"]
    assert heads[15 * 2] == 1 and heads[14 * 2] == 0  # on from 15:00
    assert sum(heads[:48]) == 16  # 9 h minus the 1 h dinner break = 16 half hours

    # An early shift the next morning leaves 9 h of rest after a shift ending at midnight
    with pytest.raises(Invalid, match="rest"):
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[0], day=MONDAY + timedelta(days=1), template="E"
        )
    with pytest.raises(Invalid):  # a break outside its window
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[1], day=MONDAY, template="E", break_starts=[600]
        )
    rostering.schedule_shift_edit(planner, schedule_id=schedule.pk, user_id=users[0], day=MONDAY, template="")
    schedule.refresh_from_db()
    assert sum(schedule.coverage["scheduled"]["presales"]) == 0


def test_edit_refuses_a_seventh_day_and_leave(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    planner = tenants.scope("pa", "workforce_planner")
    rostering.agent_profile_set(
        planner,
        user_id=users[1],
        skills=["presales"],
        leave=[(MONDAY + timedelta(days=2)).isoformat()],
        max_hours_per_week=60,
    )
    schedule = rostering.schedule_create(
        planner,
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required={"presales": demand(1, "09:00", "18:00")},
        solve=False,
    )
    with pytest.raises(Invalid, match="leave"):
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[1], day=MONDAY + timedelta(days=2), template="E"
        )
    for offset in range(5):
        rostering.schedule_shift_edit(
            planner,
            schedule_id=schedule.pk,
            user_id=users[0],
            day=MONDAY + timedelta(days=offset),
            template="E",
        )
    with pytest.raises(Invalid, match="weekly maximum"):  # 5 × 8 h = 40 h already
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[0], day=MONDAY + timedelta(days=5), template="E"
        )


def test_publish_then_agents_see_only_their_own_published_shifts(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=4)
    schedule = solved(tenants)
    me = tenants.scope("pa", "agent")
    assert not roster_selectors.my_shifts(me, since=MONDAY, until=MONDAY + timedelta(days=7)).exists()

    published = rostering.schedule_publish(tenants.scope("pa", "workforce_planner"), schedule_id=schedule.pk)

    assert published.status == Schedule.Status.PUBLISHED and published.published_at is not None
    assert AuditEvent.all_tenants.filter(
        action="workforce.schedule_published", target_id=str(schedule.pk)
    ).exists()
    mine = list(roster_selectors.my_shifts(me, since=MONDAY, until=MONDAY + timedelta(days=7)))
    assert mine and {s.agent_id for s in mine} == {users[0]}
    with pytest.raises(Conflict):
        rostering.schedule_publish(tenants.scope("pa", "workforce_planner"), schedule_id=schedule.pk)
    with pytest.raises(PermissionDenied):
        roster_selectors.schedule_get(me, schedule_id=schedule.pk)
    with pytest.raises(PermissionDenied):  # rosters are provider data
        roster_selectors.schedule_list(tenants.scope("ca1", "client_manager"))
    assert not roster_selectors.my_shifts(
        tenants.scope("pb", "agent"), since=MONDAY, until=MONDAY + timedelta(days=7)
    ).exists()


def _manual_week(tenants: Tenants, users: list[int]) -> Schedule:
    """Agent 0 works early shifts Mon–Fri, agent 1 late shifts Mon–Fri, agent 2 late on Friday; published."""
    planner = tenants.scope("pa", "workforce_planner")
    schedule = rostering.schedule_create(
        planner,
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required={"presales": demand(1, "09:00", "24:00")},
        solve=False,
    )
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[0], day=day, template="E"
        )
        rostering.schedule_shift_edit(
            planner, schedule_id=schedule.pk, user_id=users[1], day=day, template="L"
        )
    friday = MONDAY + timedelta(days=4)
    rostering.schedule_shift_edit(
        planner, schedule_id=schedule.pk, user_id=users[2], day=friday, template="L"
    )
    return rostering.schedule_publish(planner, schedule_id=schedule.pk)


def test_approved_swap_is_applied_atomically_and_rechecked(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    schedule = _manual_week(tenants, users)
    me, lead = tenants.scope("pa", "agent"), tenants.scope("pa", "supervisor")
    friday = MONDAY + timedelta(days=4)

    request = rostering.schedule_request_create(
        me, schedule_id=schedule.pk, kind="swap", day=friday, target_user_id=users[2], reason="家里有事"
    )
    with pytest.raises(Conflict):
        rostering.schedule_request_create(me, schedule_id=schedule.pk, kind="leave", day=friday)
    with pytest.raises(PermissionDenied):
        rostering.schedule_request_decide(me, request_id=request.pk, approve=True)

    decided = rostering.schedule_request_decide(lead, request_id=request.pk, approve=True)

    assert decided.status == ScheduleRequest.Status.APPROVED and decided.decided_by_id == lead.user_id
    rows = {r.agent_id: r for r in ScheduledShift.all_tenants.filter(schedule=schedule, date=friday)}
    assert (
        rows[users[0]].template == "L" and rows[users[2]].template == "E" and rows[users[1]].template == "L"
    )
    assert AuditEvent.all_tenants.filter(action="workforce.schedule_request_approved").exists()
    with pytest.raises(Conflict):
        rostering.schedule_request_decide(lead, request_id=request.pk, approve=False)

    # Swapping Tuesday would give agent 0 a late Tuesday then an early Wednesday: refused, nothing changes
    tuesday = MONDAY + timedelta(days=1)
    bad = rostering.schedule_request_create(
        me, schedule_id=schedule.pk, kind="swap", day=tuesday, target_user_id=users[1]
    )
    with pytest.raises(Invalid, match="rest"):
        rostering.schedule_request_decide(lead, request_id=bad.pk, approve=True)
    bad.refresh_from_db()
    assert bad.status == ScheduleRequest.Status.PENDING
    tuesday_rows = {
        r.agent_id: r.template for r in ScheduledShift.all_tenants.filter(schedule=schedule, date=tuesday)
    }
    assert tuesday_rows == {users[0]: "E", users[1]: "L"}
    rejected = rostering.schedule_request_decide(lead, request_id=bad.pk, approve=False, note="休息不足")
    assert rejected.status == ScheduleRequest.Status.REJECTED


def test_leave_and_change_requests(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    schedule = _manual_week(tenants, users)
    me, lead = tenants.scope("pa", "agent"), tenants.scope("pa", "supervisor")
    wednesday = MONDAY + timedelta(days=2)
    with pytest.raises(Invalid):  # a day off
        rostering.schedule_request_create(
            me, schedule_id=schedule.pk, kind="leave", day=MONDAY + timedelta(days=6)
        )
    leave = rostering.schedule_request_create(me, schedule_id=schedule.pk, kind="leave", day=wednesday)
    rostering.schedule_request_decide(lead, request_id=leave.pk, approve=True)
    assert not ScheduledShift.all_tenants.filter(
        schedule=schedule, agent_id=users[0], date=wednesday
    ).exists()
    schedule.refresh_from_db()
    assert schedule.coverage["scheduled"]["presales"][2 * 48 + 20] == 0  # Wednesday 10:00 now uncovered

    change = rostering.schedule_request_create(
        me, schedule_id=schedule.pk, kind="change", day=MONDAY + timedelta(days=6), target_template="L"
    )
    rostering.schedule_request_decide(lead, request_id=change.pk, approve=True)
    assert (
        ScheduledShift.all_tenants.get(
            schedule=schedule, agent_id=users[0], date=MONDAY + timedelta(days=6)
        ).template
        == "L"
    )
    assert [r.pk for r in roster_selectors.schedule_request_list(me)] == [change.pk, leave.pk]
    other = tenants.scope("pa", "qa_inspector")
    assert not roster_selectors.schedule_request_list(other).exists()


def test_tenant_b_cannot_touch_tenant_a_schedules(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    schedule = _manual_week(tenants, users)
    b_planner, b_lead = tenants.scope("pb", "workforce_planner"), tenants.scope("pb", "supervisor")
    request = rostering.schedule_request_create(
        tenants.scope("pa", "agent"), schedule_id=schedule.pk, kind="leave", day=MONDAY
    )
    with pytest.raises(NotFound):
        rostering.schedule_shift_edit(
            b_planner, schedule_id=schedule.pk, user_id=users[0], day=MONDAY, template=""
        )
    with pytest.raises(NotFound):
        rostering.schedule_publish(b_planner, schedule_id=schedule.pk)
    with pytest.raises(NotFound):
        rostering.schedule_request_decide(b_lead, request_id=request.pk, approve=True)
    with pytest.raises(NotFound):
        rostering.schedule_request_create(
            tenants.scope("pb", "agent"), schedule_id=schedule.pk, kind="leave", day=MONDAY
        )
    assert not roster_selectors.shift_template_list(b_planner).exists()
    assert not roster_selectors.agent_profile_list(b_planner).exists()


def test_capacity_plan_recommends_seats(tenants: Tenants) -> None:
    from kefu.workforce import services
    from kefu.workforce.tests.test_services_history import _csv

    planner = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        planner, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(
        planner, history_id=history.pk, horizon_days=7, method="seasonal_naive"
    )
    plan = services.staffing_plan_create(planner, forecast_id=run.pk, aht_s=180, shrinkage=0.3)
    setup_roster(tenants, agents=3)
    rostering.agent_profile_set(
        planner, user_id=tenants.user("pa", "supervisor").pk, skills=["x"], client_id=tenants.ca2.pk
    )

    rows = roster_selectors.capacity_plan(planner)

    assert {r.client_id for r in rows} == {tenants.ca1.pk}
    hours = sum(heads for _s, _a, heads in plan.required) * run.interval_minutes / 60
    total = sum(r.head_hours for r in rows)
    assert total == pytest.approx(hours, abs=0.2)
    for row in rows:
        assert row.seats_needed >= row.peak_heads and row.seats_needed >= row.fte_seats
        assert row.change == row.seats_needed - row.seats_profiled
        assert row.advice in {"add", "remove", "keep"}


def test_capacity_plan_counts_the_shared_pool_skilled_on_a_clients_queues(tenants: Tenants) -> None:
    """Issue 10: the demo's agents are a shared pool skilled on the shops' queues, planned by one
    schedule for every shop; the capacity plan counted 0 agents for each shop."""
    from kefu.routing import services as routing_services
    from kefu.workforce import services
    from kefu.workforce.tests.test_services_history import _csv

    planner = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        planner, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(
        planner, history_id=history.pk, horizon_days=7, method="seasonal_naive"
    )
    services.staffing_plan_create(planner, forecast_id=run.pk, aht_s=180, shrinkage=0.3)
    assert run.queue == ""  # a client-wide forecast: its plan names no queue
    # the client's queue is routing's; two agents of the shared pool serve it, one serves another
    routing_services.queue_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name="家居-在线"
    )
    setup_roster(tenants, agents=3, queues=("家居-在线",))
    rostering.agent_profile_set(planner, user_id=tenants.user("pa", "supervisor").pk, skills=["别家-在线"])

    rows = roster_selectors.capacity_plan(planner)

    assert rows and {r.seats_profiled for r in rows} == {3}


def test_capacity_plan_reads_a_multi_client_schedules_queues_from_its_plans(tenants: Tenants) -> None:
    from kefu.workforce import services
    from kefu.workforce.tests.test_services_history import _csv

    planner = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        planner, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(
        planner, history_id=history.pk, horizon_days=7, method="seasonal_naive"
    )
    plan = services.staffing_plan_create(planner, forecast_id=run.pk, aht_s=180, shrinkage=0.3)
    setup_roster(tenants, agents=2, queues=("presales",))
    # the demo's schedule: every shop's plan in one schedule of no single client
    Schedule.objects.create(
        provider_id=tenants.pa.pk,
        week_start=MONDAY,
        queues=["presales"],
        demand_source={"plans": {"presales": plan.pk}},
    )

    rows = roster_selectors.capacity_plan(planner)

    assert rows and {r.seats_profiled for r in rows} == {2}


def test_the_profile_form_opened_on_an_agent_shows_their_saved_skills_and_cost(tenants: Tenants) -> None:
    """Issue 10: the form opened on an agent showed empty skills and the default cost (30) while the
    list showed 28, so saving it would have wiped the agent's skills."""
    planner = tenants.scope("pa", "workforce_planner")
    agent = tenants.user("pa", "agent")
    rostering.agent_profile_set(
        planner, user_id=agent.pk, skills=["悦家-在线", "悦家-邮件"], hourly_cost=28.0
    )
    client = tenants.client_for("pa", "workforce_planner")

    page = client.get(f"/workforce/agent-profiles/?user={agent.pk}").content.decode()

    form = page[page.index('id="profile-form"') :]
    assert 'value="悦家-在线, 悦家-邮件"' in form
    assert 'name="hourly_cost" value="28.0"' in form
    assert f'<option value="{agent.pk}" selected>' in form
    assert f'href="?user={agent.pk}#profile-form"' in page
