"""The floor's pages: who gets which page, forms that keep their input, and the API's shape."""

from __future__ import annotations

import pytest

from kefu.desk import services as desk_services
from kefu.floor import selectors, services
from kefu.floor.tests.conftest import Floor

pytestmark = pytest.mark.django_db


def test_pages_answer_each_role(floor: Floor) -> None:
    lead = floor.t.client_for("pa", "supervisor")
    manager = floor.t.client_for("ca1", "client_manager")
    agent = floor.t.client_for("pa", "agent")

    assert [lead.get(u).status_code for u in ("/floor/wallboard/", "/floor/alarms/", "/floor/plans/")] == [
        200
    ] * 3
    board = manager.get("/floor/wallboard/").content.decode()
    assert "家居-在线" in board and "美妆-在线" not in board and 'id="wallboard-agents"' not in board
    assert manager.get("/floor/plans/").status_code == 403
    assert manager.post("/floor/alarms/", {"queue": floor.home_chat.pk}).status_code == 403
    assert agent.get("/floor/wallboard/").status_code == 403
    assert agent.get("/floor/bell/").status_code == 200


def test_a_lead_adds_a_threshold_and_a_plan_step_from_the_pages(floor: Floor) -> None:
    lead = floor.t.client_for("pa", "supervisor")

    bad = lead.post(
        "/floor/alarms/", {"queue": floor.home_chat.pk, "metric": "service_level", "threshold": "150"}
    )
    made = lead.post("/floor/plans/", {"client": floor.t.ca1.pk, "name": "应急"})
    plan = selectors.plan_list(floor.lead).get()
    step = lead.post(
        f"/floor/plans/{plan.pk}/", {"kind": "raise_concurrency", "queue": floor.home_chat.pk, "chats": "6"}
    )
    ok = lead.post(
        "/floor/alarms/",
        {"queue": floor.home_chat.pk, "metric": "waiting", "threshold": "2", "plan": plan.pk},
    )

    assert bad.status_code == 422 and 'value="150"' in bad.content.decode()  # input kept
    assert (made.status_code, step.status_code, ok.status_code) == (302, 302, 302)
    assert [
        (s.kind, s.params["chats"]) for s in selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)
    ] == [("raise_concurrency", 6)]
    assert selectors.alarm_rule_list(floor.lead).get().plan_id == plan.pk


def test_the_alarm_page_proposes_the_plan_and_runs_a_step(floor: Floor) -> None:
    plan = services.plan_create(
        floor.lead,
        client_id=floor.t.ca1.pk,
        name="应急",
        steps=[{"kind": "raise_concurrency", "params": {"queue_id": floor.home_chat.pk, "chats": 7}}],
    )
    services.alarm_rule_create(
        floor.lead, queue_id=floor.home_chat.pk, metric="waiting", threshold=0, emergency_plan_id=plan.pk
    )
    desk_services.conversation_create(
        floor.lead, channel="chat", client_id=floor.t.ca1.pk, queue="家居-在线", message="在吗"
    )
    services.alarms_job()
    alarm = selectors.alarm_list(floor.lead).get()
    step = selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)[0]
    lead = floor.t.client_for("pa", "supervisor")

    page = lead.get(f"/floor/alarms/{alarm.pk}/").content.decode()
    ran = lead.post(f"/floor/steps/{step.pk}/run/", {"alarm": alarm.pk})
    acked = lead.post(f"/floor/alarms/{alarm.pk}/acknowledge/")

    assert "应急" in page and 'id="plan-steps"' in page
    assert (ran.status_code, acked.status_code) == (302, 302)
    assert selectors.step_run_list(floor.lead, alarm_id=alarm.pk).get().after == {
        "default_chat_concurrency": 7
    }
    assert selectors.alarm_get(floor.lead, alarm_id=alarm.pk).status == "acknowledged"


def test_the_floor_conversation_page_moves_and_whispers(floor: Floor) -> None:
    conversation = desk_services.conversation_create(
        floor.lead, channel="chat", client_id=floor.t.ca1.pk, queue="家居-在线", message="在吗"
    )
    lead = floor.t.client_for("pa", "supervisor")

    moved = lead.post(
        f"/floor/conversations/{conversation.pk}/", {"action": "move", "queue": floor.home_after.pk}
    )
    empty = lead.post(f"/floor/conversations/{conversation.pk}/", {"action": "whisper", "body": ""})
    whispered = lead.post(
        f"/floor/conversations/{conversation.pk}/", {"action": "whisper", "body": "注意语气"}
    )

    conversation.refresh_from_db()
    assert (moved.status_code, empty.status_code, whispered.status_code) == (302, 422, 302)
    assert conversation.queue == "家居-售后"
    assert "注意语气" in lead.get(f"/floor/conversations/{conversation.pk}/").content.decode()


def test_the_api_wallboard_for_a_client_manager_has_counts_only(floor: Floor) -> None:
    manager = floor.t.client_for("ca1", "client_manager")

    answer = manager.get("/api/floor/wallboard").json()

    assert [q["name"] for q in answer["queues"]] == ["家居-售后", "家居-在线"]
    assert (answer["agents"], answer["adherence"]) == ([], [])
    assert floor.t.client_for("pa", "agent").get("/api/floor/wallboard").status_code == 403


def test_a_lead_sets_an_agents_state_from_the_wallboard(floor: Floor) -> None:
    from kefu.routing import selectors as routing_selectors

    agent = floor.t.user("pa", "agent")
    lead = floor.t.client_for("pa", "supervisor")

    answer = lead.post(f"/floor/agents/{agent.pk}/state/", {"state": "break", "reason": "coaching"})

    current = routing_selectors.presence_get(floor.lead, user_id=agent.pk)
    assert answer.status_code == 302
    assert (current.state, current.reason) == ("break", "coaching")
    assert (
        floor.t.client_for("pa", "agent")
        .post(f"/floor/agents/{agent.pk}/state/", {"state": "online"})
        .status_code
        == 403
    )


def test_a_lead_picks_the_break_reason_on_the_wallboard(floor: Floor) -> None:
    from kefu.routing import selectors as routing_selectors

    agent = floor.t.user("pa", "agent")
    lead = floor.t.client_for("pa", "supervisor")

    page = lead.get("/floor/wallboard/").content.decode()
    answer = lead.post(f"/floor/agents/{agent.pk}/state/", {"state": "break", "reason": "meal"})

    current = routing_selectors.presence_get(floor.lead, user_id=agent.pk)
    assert answer.status_code == 302
    assert (current.state, current.reason) == ("break", "meal")
    for reason in ("meal", "training", "coaching", "wellbeing"):
        assert f'<option value="{reason}"' in page
    assert 'name="reason" value="coaching"' not in page  # no fixed hidden reason any more


def test_the_reason_counts_only_for_a_break(floor: Floor) -> None:
    from kefu.routing import selectors as routing_selectors

    agent = floor.t.user("pa", "agent")
    lead = floor.t.client_for("pa", "supervisor")

    answer = lead.post(f"/floor/agents/{agent.pk}/state/", {"state": "online", "reason": "meal"})

    current = routing_selectors.presence_get(floor.lead, user_id=agent.pk)
    assert answer.status_code == 302
    assert (current.state, current.reason) == ("online", "")


@pytest.mark.parametrize(
    "body",
    [{"state": "break", "reason": "nap"}, {"state": "break"}, {"state": "dancing"}, {}],
)
def test_a_bad_state_or_reason_is_a_form_error_and_changes_nothing(floor: Floor, body: dict) -> None:
    from kefu.routing import selectors as routing_selectors

    agent = floor.t.user("pa", "agent")
    lead = floor.t.client_for("pa", "supervisor")
    lead.post(f"/floor/agents/{agent.pk}/state/", {"state": "online"})

    answer = lead.post(f"/floor/agents/{agent.pk}/state/", body)

    current = routing_selectors.presence_get(floor.lead, user_id=agent.pk)
    assert answer.status_code == 422
    assert 'class="errorlist" role="alert"' in answer.content.decode()
    assert (current.state, current.reason) == ("online", "")


def test_another_tenants_agent_is_not_found_whatever_the_body(floor: Floor) -> None:
    stranger = floor.t.user("pb", "agent")
    lead = floor.t.client_for("pa", "supervisor")

    answer = lead.post(f"/floor/agents/{stranger.pk}/state/", {"state": "break", "reason": "nap"})

    assert answer.status_code == 404
