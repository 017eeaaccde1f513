"""Solving in the background: queued → running → done/failed, the page's progress, one solve at a time,
and the per-day shift and per-agent labour rules now inside the solver."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine

from kefu.cli.worker import run_ready_tasks
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants
from kefu.workforce.models import Schedule
from kefu.workforce.rostering import selectors as roster_selectors
from kefu.workforce.rostering import services as rostering
from kefu.workforce.rostering import solver
from kefu.workforce.tests.test_rostering import MONDAY, check_rules, demand, setup_roster

pytestmark = pytest.mark.usefixtures("in_english")


def _queued(tenants: Tenants, **kwargs: object) -> Schedule:
    return rostering.schedule_create(
        tenants.scope("pa", "workforce_planner"),
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required=kwargs.pop("required", {"presales": demand(2, "09:00", "22:00")}),
        time_limit_s=60,  # a ceiling: the week solves in about a second
        **kwargs,
    )


def test_solve_is_queued_then_run_by_the_worker(tenants: Tenants) -> None:
    setup_roster(tenants, agents=4)
    planner = tenants.scope("pa", "workforce_planner")
    queued = _queued(tenants)
    assert queued.solve_state == "queued" and queued.solve_queued_at is not None
    assert not roster_selectors.scheduled_shift_rows(queued).exists()
    with pytest.raises(Conflict, match="being solved"):
        rostering.schedule_solve(planner, schedule_id=queued.pk)

    assert run_ready_tasks(worker_id="t") == 1
    assert run_ready_tasks(worker_id="t") == 0  # nothing left

    done = roster_selectors.schedule_get(planner, schedule_id=queued.pk)
    assert done.solve_state == "done" and done.solver_status in {"OPTIMAL", "FEASIBLE"}
    assert done.solve_queued_at <= done.solve_started_at <= done.solve_finished_at
    assert done.solve_stats["shifts"] == roster_selectors.scheduled_shift_rows(done).count() > 0
    assert done.under_staffed_share is not None and done.solve_seconds is not None
    assert AuditEvent.all_tenants.filter(action="workforce.schedule_solved", target_id=str(done.pk)).exists()
    check_rules(tenants, done)

    # Solving again replaces the shifts (no duplicates), and a published week is not solved again
    rostering.schedule_solve(planner, schedule_id=done.pk, time_limit_s=45)
    run_ready_tasks(worker_id="t")
    again = roster_selectors.schedule_get(planner, schedule_id=done.pk)
    assert again.solve_state == "done" and again.solve_time_limit_s == 45
    assert roster_selectors.scheduled_shift_rows(again).count() == again.solve_stats["shifts"]
    rostering.schedule_publish(planner, schedule_id=done.pk)
    with pytest.raises(Conflict, match="published"):
        rostering.schedule_solve(planner, schedule_id=done.pk)
    with pytest.raises(Invalid, match="time limit"):
        rostering.schedule_solve(planner, schedule_id=_queued(tenants, solve=False).pk, time_limit_s=0)


def test_a_solve_that_cannot_run_ends_failed_with_the_reason(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=2)
    planner = tenants.scope("pa", "workforce_planner")
    queued = _queued(tenants)
    for user_id in users:  # profiles change between queueing and solving
        rostering.agent_profile_set(planner, user_id=user_id, skills=["elsewhere"])

    run_ready_tasks(worker_id="t")

    failed = roster_selectors.schedule_get(planner, schedule_id=queued.pk)
    assert failed.solve_state == "failed" and "No agent profile" in failed.solve_message
    assert failed.solve_finished_at is not None


def test_an_unexpected_error_fails_the_solve_and_the_task(tenants: Tenants) -> None:
    from django_tasks_db.models import DBTaskResult

    setup_roster(tenants, agents=2)
    queued = _queued(tenants)
    with mock.patch.object(solver, "solve_schedule", side_effect=RuntimeError("boom")):
        assert run_ready_tasks(worker_id="t") == 1  # the worker survives it

    failed = roster_selectors.schedule_get(tenants.scope("pa", "workforce_planner"), schedule_id=queued.pk)
    assert failed.solve_state == "failed" and "worker's log" in failed.solve_message
    task = DBTaskResult.objects.get(id=queued.solve_task_id)
    assert task.status == "FAILED" and "boom" in task.traceback


def test_a_solve_lost_with_its_worker_may_be_started_again(tenants: Tenants) -> None:
    setup_roster(tenants, agents=2)
    planner = tenants.scope("pa", "workforce_planner")
    queued = _queued(tenants)
    Schedule.all_tenants.filter(pk=queued.pk).update(solve_state="running", solve_started_at=clock.now())
    with pytest.raises(Conflict):
        rostering.schedule_solve(planner, schedule_id=queued.pk)
    limit = queued.solve_time_limit_s + rostering.SOLVE_STALE_MARGIN_S
    with time_machine.travel(clock.now() + timedelta(seconds=limit + 1)):
        assert rostering.schedule_solve(planner, schedule_id=queued.pk).solve_state == "queued"


def test_page_shows_progress_polls_and_reloads_when_done(tenants: Tenants) -> None:
    setup_roster(tenants, agents=3)
    queued = _queued(tenants)
    planner = tenants.client_for("pa", "workforce_planner")
    url = f"/workforce/schedules/{queued.pk}/"

    page = planner.get(url).content.decode()
    assert 'id="solve-status"' in page and 'hx-trigger="every 2s"' in page and "Queued" in page
    assert 'id="solve-form"' not in page  # no second solve while one is queued
    listing = planner.get("/workforce/schedules/").content.decode()
    assert "Queued" in listing and "runs in the background" in listing
    partial = planner.get(f"{url}solve-status/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "every 2s" in partial.content.decode()

    Schedule.all_tenants.filter(pk=queued.pk).update(solve_state="running", solve_started_at=clock.now())
    running = planner.get(f"{url}solve-status/", HTTP_HX_REQUEST="true").content.decode()
    assert "Solving" in running and "<progress" in running

    Schedule.all_tenants.filter(pk=queued.pk).update(solve_state="queued", solve_started_at=None)
    run_ready_tasks(worker_id="t")
    finished = planner.get(f"{url}solve-status/", HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    page = planner.get(url).content.decode()
    assert "Solved at" in page and "every 2s" not in page and 'id="solve-form"' in page

    again = planner.post(f"{url}solve/", {"time_limit_s": "7"})
    assert again.status_code == 302
    assert Schedule.all_tenants.get(pk=queued.pk).solve_state == "queued"
    refused = planner.post(f"{url}solve/", {"time_limit_s": "7"}, follow=True).content.decode()
    assert "being solved already" in refused
    assert tenants.client_for("pa", "agent").post(f"{url}solve/").status_code == 403
    assert tenants.client_for("pb", "workforce_planner").post(f"{url}solve/").status_code == 404


def test_shift_templates_are_used_only_on_their_weekdays(tenants: Tenants) -> None:
    setup_roster(tenants, agents=4)
    planner = tenants.scope("pa", "workforce_planner")
    rostering.shift_template_create(
        planner, name="WE", segments=[["09:00", "13:00"]], days=[5, 6]
    )  # a weekend half-day
    done = _queued(tenants, required={"presales": demand(3, "09:00", "13:00")})
    run_ready_tasks(worker_id="t")
    done.refresh_from_db()

    rows = list(roster_selectors.scheduled_shift_rows(done))
    assert done.solve_state == "done" and rows
    assert {r.date.weekday() for r in rows if r.template == "WE"} <= {5, 6}
    assert any(r.template == "WE" for r in rows)  # cheaper than a full day where it is allowed
    assert not done.notes  # nothing dropped afterwards: the solver knew the rule


def test_each_agent_keeps_its_own_labour_rules(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=4)
    planner = tenants.scope("pa", "workforce_planner")
    # A student: 3 days off, 14 h rest, at most 2 days in a row, not before 15:00 on weekdays
    rostering.agent_profile_set(
        planner,
        user_id=users[1],
        skills=["presales"],
        max_hours_per_week=40,
        days_off_per_week=3,
        min_rest_hours=14,
        max_consecutive_days=2,
        unavailable=[{"weekday": d, "start": "00:00", "end": "15:00"} for d in range(5)],
    )
    # a colleague whose own rules are looser than the defaults keeps them
    rostering.agent_profile_set(
        planner,
        user_id=users[2],
        skills=["presales"],
        max_hours_per_week=48,
        days_off_per_week=0,
        max_consecutive_days=7,
    )
    done = _queued(tenants, required={"presales": demand(4, "09:00", "24:00")})
    run_ready_tasks(worker_id="t")
    done.refresh_from_db()

    assert done.solve_state == "done" and done.solver_status in {"OPTIMAL", "FEASIBLE"}
    check_rules(tenants, done)  # every agent against its own profile
    rows = list(roster_selectors.scheduled_shift_rows(done))
    student = sorted(r.date for r in rows if r.agent_id == users[1])
    assert len(student) <= 4
    assert all(r.start_minute >= 15 * 60 for r in rows if r.agent_id == users[1] and r.date.weekday() < 5)
    keen = [r for r in rows if r.agent_id == users[2]]
    assert len(keen) == 6  # 6 × 8 h = 48 h: more than the 40 h / 6 days the defaults allow
