"""Schedule pages and API: grid editor, my schedule, requests for leads, capacity plan, 4xx on bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from kefu.cli.worker import run_ready_tasks
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants
from kefu.workforce.models import ScheduledShift, ScheduleRequest
from kefu.workforce.rostering import services as rostering
from kefu.workforce.tests.test_rostering import MONDAY, SLOTS, _manual_week, demand, setup_roster

pytestmark = pytest.mark.usefixtures("in_english")  # tests match message text


def _bearer(tenants: Tenants, org: str, role: str) -> dict[str, str]:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_grid_page_shows_shifts_chart_and_edits_a_cell(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    schedule = _manual_week(tenants, users)
    planner = tenants.client_for("pa", "workforce_planner")

    page = planner.get(f"/workforce/schedules/{schedule.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="schedule-grid"' in text and "coverage-chart-0" in text and 'id="coverage-summary"' in text
    assert "09:00–18:00" in text and "echarts" in text

    cell = planner.get(
        f"/workforce/schedules/{schedule.pk}/cell/",
        {"agent": users[2], "day": MONDAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert cell.status_code == 200 and 'id="cell-form"' in cell.content.decode()
    assert "<html" not in cell.content.decode()
    saved = planner.post(
        f"/workforce/schedules/{schedule.pk}/cell/",
        {
            "agent": users[2],
            "day": MONDAY.isoformat(),
            "template": "E",
            "queue": "presales",
            "break_starts": "12:00",
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 204 and saved["HX-Redirect"] == f"/workforce/schedules/{schedule.pk}/"
    shift = ScheduledShift.all_tenants.get(schedule=schedule, agent_id=users[2], date=MONDAY)
    assert shift.breaks == [[720, 780]] and shift.edited_by_id == tenants.user("pa", "workforce_planner").pk

    # Late on Monday then early on Tuesday: the form shows the rule, nothing is saved
    refused = planner.post(
        f"/workforce/schedules/{schedule.pk}/cell/",
        {"agent": users[0], "day": MONDAY.isoformat(), "template": "L"},
    )
    assert refused.status_code == 422 and "rest" in refused.content.decode()
    assert ScheduledShift.all_tenants.get(schedule=schedule, agent_id=users[0], date=MONDAY).template == "E"
    assert tenants.client_for("pa", "agent").get(f"/workforce/schedules/{schedule.pk}/").status_code == 403


def test_schedule_list_solves_from_a_plan_form(tenants: Tenants) -> None:
    setup_roster(tenants, agents=3)
    planner = tenants.client_for("pa", "workforce_planner")
    page = planner.get("/workforce/schedules/")
    assert page.status_code == 200 and 'id="schedule-form"' in page.content.decode()
    bad = planner.post(
        "/workforce/schedules/", {"week_start": "2030-01-08", "queue_1": "presales", "plan_1": ""}
    )
    assert bad.status_code == 422
    for url in ("/workforce/shift-templates/", "/workforce/agent-profiles/", "/workforce/capacity/"):
        assert planner.get(url).status_code == 200, url
    created = planner.post(
        "/workforce/shift-templates/",
        {"name": "S", "segments": "09:00-13:00, 18:00-22:00", "breaks": "", "days": ["5", "6"]},
    )
    assert created.status_code == 302
    assert "09:00–13:00 + 18:00–22:00" in planner.get("/workforce/shift-templates/").content.decode()


def test_agent_sees_own_week_files_a_request_and_lead_approves(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    schedule = _manual_week(tenants, users)
    agent = tenants.client_for("pa", "agent")
    home = agent.get("/")
    assert "/workforce/my-schedule/" in home.content.decode()

    # my schedule shows this week and next: pin "today" to the schedule's week
    with time_machine.travel(MONDAY, tick=False):
        agent = tenants.client_for("pa", "agent")  # a session started "now"
        page = agent.get("/workforce/my-schedule/")
        text = page.content.decode()
        assert page.status_code == 200 and 'id="request-form"' in text and "09:00–18:00" in text
        sent = agent.post(
            "/workforce/my-schedule/",
            {
                "schedule": schedule.pk,
                "kind": "leave",
                "date": (MONDAY + timedelta(days=3)).isoformat(),
                "reason": "看病",
            },
        )
        assert sent.status_code == 302
    request = ScheduleRequest.objects.for_scope(tenants.scope("pa", "supervisor")).get()
    lead = tenants.client_for("pa", "supervisor")
    assert "看病" in lead.get("/workforce/requests/").content.decode()
    assert agent.get("/workforce/requests/").status_code == 403
    decided = lead.post(f"/workforce/requests/{request.pk}/decide/", {"approve": "1", "note": "好"})
    assert decided.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    assert not ScheduledShift.all_tenants.filter(
        schedule=schedule, agent_id=users[0], date=MONDAY + timedelta(days=3)
    ).exists()


def test_api_create_edit_publish_and_errors(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=3)
    planner = tenants.client_for("pa", "workforce_planner")
    auth = _bearer(tenants, "pa", "workforce_planner")

    def post(url: str, body: dict, method: str = "post", headers: dict | None = None):
        return getattr(planner, method)(
            url, data=json.dumps(body), content_type="application/json", **(headers or auth)
        )

    body = {
        "client_id": tenants.ca1.pk,
        "week_start": MONDAY.isoformat(),
        "required": {"presales": demand(1, "09:00", "18:00")},
        "time_limit_s": 60,
    }
    assert post("/api/workforce/schedules", {**body, "week_start": "2030-01-08"}).status_code == 422
    assert post("/api/workforce/schedules", {**body, "required": {"presales": [1, 2]}}).status_code == 422
    assert post("/api/workforce/schedules", {**body, "time_limit_s": 0}).status_code == 422
    assert post("/api/workforce/schedules", {**body, "client_id": tenants.cb.pk}).status_code == 404
    created = post("/api/workforce/schedules", body)
    assert created.status_code == 202, created.content
    schedule_id, status_url = created.json()["id"], created.json()["status_url"]
    assert created.json()["solve_state"] == "queued" and created.json()["solver_status"] == ""
    assert status_url == f"/api/workforce/schedules/{schedule_id}/solve"
    queued = planner.get(status_url, **auth).json()
    assert queued["state"] == "queued" and queued["queued_at"] and queued["started_at"] is None
    again = post(status_url, {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    assert run_ready_tasks(worker_id="test") == 1  # what `kefu worker` does
    done = planner.get(status_url, **auth).json()
    assert done["state"] == "done" and done["solver_status"] in {"OPTIMAL", "FEASIBLE"}
    assert done["started_at"] <= done["finished_at"] and done["stats"]["shifts"] > 0
    assert post(status_url, {"time_limit_s": 500}).status_code == 422

    detail = planner.get(f"/api/workforce/schedules/{schedule_id}", **auth).json()
    assert len(detail["coverage"]["required"]["presales"]) == SLOTS and detail["shifts"]
    assert 0 <= detail["summary"]["under_staffed_share"] <= 1

    url = f"/api/workforce/schedules/{schedule_id}/shifts"
    assert post(url, {"user_id": users[0], "date": "not-a-date", "template": "E"}, "put").status_code == 422
    assert post(url, {"user_id": users[0], "date": "2031-01-01", "template": "E"}, "put").status_code == 422
    assert (
        post(url, {"user_id": users[0], "date": MONDAY.isoformat(), "template": "NOPE"}, "put").status_code
        == 422
    )
    cleared = post(url, {"user_id": users[0], "date": MONDAY.isoformat(), "template": ""}, "put")
    assert cleared.status_code == 200
    assert not [
        s for s in cleared.json()["shifts"] if s["agent_id"] == users[0] and s["date"] == MONDAY.isoformat()
    ]

    agent_auth = _bearer(tenants, "pa", "agent")
    assert post(f"/api/workforce/schedules/{schedule_id}/publish", {}, headers=agent_auth).status_code == 403
    assert post(f"/api/workforce/schedules/{schedule_id}/publish", {}).status_code == 200
    assert post(f"/api/workforce/schedules/{schedule_id}/publish", {}).status_code == 409

    mine = planner.get("/api/workforce/my-shifts", {"since": MONDAY.isoformat(), "days": 7}, **agent_auth)
    assert mine.status_code == 200 and all(s["agent_id"] == users[0] for s in mine.json())
    req = post(
        "/api/workforce/schedule-requests",
        {"schedule_id": schedule_id, "kind": "bogus", "date": MONDAY.isoformat()},
        headers=agent_auth,
    )
    assert req.status_code == 422
    assert planner.get("/api/workforce/capacity-plan", **auth).status_code == 200
    assert (
        planner.get("/api/workforce/schedules", **_bearer(tenants, "ca1", "client_admin")).status_code == 403
    )


def test_empty_schedule_can_be_filled_by_hand(tenants: Tenants) -> None:
    users = setup_roster(tenants, agents=2)
    schedule = rostering.schedule_create(
        tenants.scope("pa", "workforce_planner"),
        client_id=tenants.ca1.pk,
        week_start=MONDAY,
        required={"presales": [0] * SLOTS},
        solve=False,
    )
    page = tenants.client_for("pa", "workforce_planner").get(f"/workforce/schedules/{schedule.pk}/")
    assert page.status_code == 200 and page.content.decode().count("edit</a>") == 7 * len(users)
