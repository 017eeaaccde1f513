"""Alarms (raised, acknowledged, cleared; missed offers), emergency plan steps run and undone,
and a lead's actions on a conversation, through the floor's services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.models import ContactEvent
from kefu.connectors import selectors as connector_selectors
from kefu.connectors import services as connector_services
from kefu.core.errors import NotFound, PermissionDenied
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.floor import selectors, services
from kefu.floor.tests.conftest import Floor
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.django_db
NOON = timezone.make_aware(timezone.datetime(2026, 12, 7, 12, 0))


def _chat(floor: Floor, queue: str, client: str = "ca1") -> int:
    return desk_services.conversation_create(
        floor.lead, channel="chat", client_id=getattr(floor.t, client).pk, queue=queue, message="在吗"
    ).pk


def test_a_waiting_threshold_raises_once_and_clears_when_the_queue_empties(floor: Floor) -> None:
    with time_machine.travel(NOON, tick=False):
        rule = services.alarm_rule_create(
            floor.lead, queue_id=floor.home_chat.pk, metric="waiting", threshold=1, notify_client=True
        )
        first, second = _chat(floor, "家居-在线"), _chat(floor, "家居-在线")

        raised = services.alarms_job()
        again = services.alarms_job()

        alarm = selectors.alarm_list(floor.lead).get()
        assert (raised["raised"], again["raised"]) == (1, 0)
        assert (alarm.rule_id, alarm.value, alarm.status, alarm.raised_at) == (rule.pk, 2.0, "raised", NOON)

    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        services.alarm_acknowledge(floor.lead, alarm_id=alarm.pk)
        desk_services.conversation_assign(floor.lead, conversation_id=first, agent_id=floor.lead.user_id)
        desk_services.conversation_assign(floor.lead, conversation_id=second, agent_id=floor.lead.user_id)
        cleared = services.alarms_job()

    alarm.refresh_from_db()
    assert cleared["cleared"] == 1
    assert (alarm.status, alarm.acknowledged_by_id, alarm.cleared_by_id) == (
        "cleared",
        floor.lead.user_id,
        None,
    )
    assert alarm.cleared_at == NOON + timedelta(minutes=1)
    audit = tenancy_selectors.audit_event_list(floor.t.scope("pa", "provider_admin"))
    assert set(audit.values_list("action", flat=True)) >= {
        "floor.alarm_rule_create",
        "floor.alarm_acknowledge",
    }


@pytest.mark.parametrize(
    ("metric", "threshold", "raised"),
    [("waiting", 0, 1), ("waiting", 1, 0), ("online_seats", 1, 1), ("online_seats", 0, 0)],
)
def test_each_figure_is_judged_on_its_side_of_the_threshold(
    floor: Floor, metric: str, threshold: float, raised: int
) -> None:
    services.alarm_rule_create(floor.lead, queue_id=floor.home_chat.pk, metric=metric, threshold=threshold)
    _chat(floor, "家居-在线")

    assert services.alarms_job()["raised"] == raised


def test_service_level_below_target_raises(floor: Floor) -> None:
    with time_machine.travel(NOON, tick=False):
        services.alarm_rule_create(
            floor.lead, queue_id=floor.home_chat.pk, metric="service_level", threshold=80
        )
        _chat(floor, "家居-在线")
    with time_machine.travel(NOON + timedelta(seconds=31), tick=False):  # past the 30 s target
        assert services.alarms_job()["raised"] == 1
    assert selectors.alarm_list(floor.lead).get().value == 0.0


def test_a_client_manager_sees_shared_alarms_of_their_own_queues_only(floor: Floor) -> None:
    services.alarm_rule_create(
        floor.lead, queue_id=floor.home_chat.pk, metric="waiting", threshold=0, notify_client=True
    )
    services.alarm_rule_create(floor.lead, queue_id=floor.home_after.pk, metric="waiting", threshold=0)
    services.alarm_rule_create(
        floor.lead, queue_id=floor.beauty_chat.pk, metric="waiting", threshold=0, notify_client=True
    )
    _chat(floor, "家居-在线"), _chat(floor, "家居-售后"), _chat(floor, "美妆-在线", client="ca2")

    services.alarms_job()

    assert selectors.alarm_list(floor.lead).count() == 3
    home = floor.t.scope("ca1", "client_manager")
    assert [a.queue.name for a in selectors.alarm_list(home)] == ["家居-在线"]
    assert selectors.alarm_list(floor.t.scope("pb", "supervisor")).count() == 0


def test_a_missed_offer_event_becomes_one_lead_alert_never_shown_to_the_client(floor: Floor) -> None:
    conversation_id = _chat(floor, "家居-在线")
    agent = floor.t.user("pa", "agent")
    event = ContactEvent.all_tenants.create(  # as the assignment step writes it
        type="missed",
        at=timezone.now(),
        provider_id=floor.t.pa.pk,
        client_id=floor.t.ca1.pk,
        conversation_id=conversation_id,
        channel="chat",
        queue="家居-在线",
        agent=agent,
        data={"offer_id": 7, "reason": "timeout"},
    )
    ContactEvent.all_tenants.create(  # a decline is logged as `missed` too, but alerts nobody
        type="missed",
        at=timezone.now(),
        provider_id=floor.t.pa.pk,
        client_id=floor.t.ca1.pk,
        conversation_id=conversation_id,
        channel="chat",
        queue="家居-在线",
        agent=agent,
        data={"offer_id": 8, "reason": "declined"},
    )

    made = services.alarms_job()["missed"], services.alarms_job()["missed"]

    alarm = selectors.alarm_list(floor.lead).get()
    assert made == (1, 0)
    assert (alarm.kind, alarm.agent_id, alarm.event_id, alarm.queue_id) == (
        "missed_offer",
        agent.pk,
        event.pk,
        floor.home_chat.pk,
    )
    assert selectors.alarm_list(floor.t.scope("ca1", "client_admin")).count() == 0
    assert selectors.bell(floor.lead)["count"] == 1


def test_agents_and_clients_may_not_set_thresholds(floor: Floor) -> None:
    for who in [("pa", "agent"), ("ca1", "client_manager")]:
        with pytest.raises(PermissionDenied):
            services.alarm_rule_create(
                floor.t.scope(*who), queue_id=floor.home_chat.pk, metric="waiting", threshold=1
            )
    with pytest.raises(NotFound):
        services.alarm_rule_create(floor.lead, queue_id=floor.other_chat.pk, metric="waiting", threshold=1)


# --- emergency plans -----------------------------------------------------------------------------
def test_raising_concurrency_and_overflow_are_logged_and_undone(floor: Floor) -> None:
    plan = services.plan_create(
        floor.lead,
        client_id=floor.t.ca1.pk,
        name="大促应急",
        steps=[
            {"kind": "raise_concurrency", "params": {"queue_id": floor.home_chat.pk, "chats": 6}},
            {
                "kind": "overflow_on",
                "params": {
                    "queue_id": floor.home_chat.pk,
                    "overflow_queue_id": floor.home_after.pk,
                    "overflow_after_s": 60,
                },
            },
        ],
    )
    steps = selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)
    assert [(s.position, s.kind) for s in steps] == [(1, "raise_concurrency"), (2, "overflow_on")]
    before = routing_selectors.queue_get(floor.lead, queue_id=floor.home_chat.pk)

    first = services.step_run(floor.lead, step_id=steps[0].pk)
    second = services.step_run(floor.lead, step_id=steps[1].pk)

    queue = routing_selectors.queue_get(floor.lead, queue_id=floor.home_chat.pk)
    assert (queue.default_chat_concurrency, queue.overflow_queue_id, queue.overflow_after_s) == (
        6,
        floor.home_after.pk,
        60,
    )
    assert first.before == {"default_chat_concurrency": before.default_chat_concurrency}
    assert (first.done_by_id, first.after) == (floor.lead.user_id, {"default_chat_concurrency": 6})

    services.step_undo(floor.lead, run_id=second.pk)
    services.step_undo(floor.lead, run_id=first.pk)

    queue = routing_selectors.queue_get(floor.lead, queue_id=floor.home_chat.pk)
    assert (queue.default_chat_concurrency, queue.overflow_queue_id, queue.overflow_after_s) == (
        before.default_chat_concurrency,
        before.overflow_queue_id,
        before.overflow_after_s,
    )
    first.refresh_from_db()
    assert first.undone_by_id == floor.lead.user_id
    actions = list(
        tenancy_selectors.audit_event_list(floor.t.scope("pa", "provider_admin")).values_list(
            "action", flat=True
        )
    )
    assert actions.count("floor.plan_step_run") == 2 and actions.count("floor.plan_step_undo") == 2


def test_switching_the_widget_to_the_message_form_closes_chat_until_undone(floor: Floor) -> None:
    admin = floor.t.scope("pa", "provider_admin")
    widget = connector_services.widget_create(
        admin, client_id=floor.t.ca1.pk, allowed_origins=["https://a.example.cn"]
    )
    plan = services.plan_create(
        admin,
        client_id=floor.t.ca1.pk,
        name="转留言",
        steps=[{"kind": "widget_offline", "params": {"widget_id": widget.pk}}],
    )
    step = selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)[0]

    run = services.step_run(floor.lead, step_id=step.pk)  # a lead confirms what the admin set up

    ctx = connector_services.widget_open(widget.widget_key, origin="https://a.example.cn")
    assert (ctx.offline_now, connector_selectors.visitor_state(ctx, visitor_id="v1").open) == (True, False)
    services.step_undo(floor.lead, run_id=run.pk)
    ctx = connector_services.widget_open(widget.widget_key, origin="https://a.example.cn")
    assert ctx.offline_now is False


def test_a_lead_without_widget_rights_cannot_add_a_widget_step(floor: Floor) -> None:
    admin = floor.t.scope("pa", "provider_admin")
    widget = connector_services.widget_create(
        admin, client_id=floor.t.ca1.pk, allowed_origins=["https://a.example.cn"]
    )
    plan = services.plan_create(floor.lead, client_id=floor.t.ca1.pk, name="x")
    with pytest.raises(PermissionDenied):
        services.plan_step_add(
            floor.lead, emergency_plan_id=plan.pk, kind="widget_offline", params={"widget_id": widget.pk}
        )


def test_calling_in_standby_agents_puts_a_notice_in_their_bell(floor: Floor) -> None:
    agent = floor.t.user("pa", "agent")
    plan = services.plan_create(
        floor.lead,
        client_id=floor.t.ca1.pk,
        name="召回",
        steps=[{"kind": "call_standby", "params": {"agent_ids": [agent.pk], "message": "请马上上线"}}],
    )
    step = selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)[0]

    run = services.step_run(floor.lead, step_id=step.pk)

    bell = selectors.bell(floor.t.scope("pa", "agent"))
    assert [n.text for n in bell["notices"]] == ["请马上上线"]
    assert run.after["notified"] == [agent.pk]
    services.step_undo(floor.lead, run_id=run.pk)
    assert selectors.bell(floor.t.scope("pa", "agent"))["count"] == 0


def test_a_plan_step_for_an_alarm_must_be_in_that_alarms_plan(floor: Floor) -> None:
    plan = services.plan_create(
        floor.lead,
        client_id=floor.t.ca1.pk,
        name="p",
        steps=[{"kind": "raise_concurrency", "params": {"queue_id": floor.home_chat.pk, "chats": 5}}],
    )
    other = services.plan_create(
        floor.lead,
        client_id=floor.t.ca1.pk,
        name="q",
        steps=[{"kind": "raise_concurrency", "params": {"queue_id": floor.home_chat.pk, "chats": 4}}],
    )
    services.alarm_rule_create(
        floor.lead, queue_id=floor.home_chat.pk, metric="waiting", threshold=0, emergency_plan_id=plan.pk
    )
    _chat(floor, "家居-在线")
    services.alarms_job()
    alarm = selectors.alarm_list(floor.lead).get()

    run = services.step_run(
        floor.lead,
        step_id=selectors.plan_steps(floor.lead, emergency_plan_id=plan.pk)[0].pk,
        alarm_id=alarm.pk,
    )
    assert run.alarm_id == alarm.pk
    with pytest.raises(NotFound):
        services.step_run(
            floor.lead,
            step_id=selectors.plan_steps(floor.lead, emergency_plan_id=other.pk)[0].pk,
            alarm_id=alarm.pk,
        )


# --- supervisor actions --------------------------------------------------------------------------
def test_moving_a_waiting_contact_moves_it_between_the_queues_figures(floor: Floor) -> None:
    conversation_id = _chat(floor, "家居-在线")

    services.conversation_move(floor.lead, conversation_id=conversation_id, queue_id=floor.home_after.pk)

    waiting = {q.name: q.waiting for q in selectors.queue_rows(floor.lead)}
    assert (waiting["家居-在线"], waiting["家居-售后"]) == (0, 1)
    kinds = list(
        analytics_selectors.contact_event_list(floor.lead, conversation_id=conversation_id).values_list(
            "type", "queue"
        )
    )
    assert kinds[-2:] == [("transferred", "家居-在线"), ("queued", "家居-售后")]
    with pytest.raises(NotFound):  # another client's queue
        services.conversation_move(floor.lead, conversation_id=conversation_id, queue_id=floor.beauty_chat.pk)


def test_taking_over_handing_over_and_whispering(floor: Floor) -> None:
    agent = floor.t.user("pa", "agent")
    conversation_id = _chat(floor, "家居-在线")

    services.conversation_reassign(floor.lead, conversation_id=conversation_id, agent_id=agent.pk)
    services.whisper(floor.lead, conversation_id=conversation_id, body="先安抚客户")
    services.conversation_reassign(floor.lead, conversation_id=conversation_id)

    conversation = desk_selectors.conversation_get(floor.lead, conversation_id=conversation_id)
    note = desk_selectors.message_list(floor.lead, conversation_id=conversation_id)[-1]
    assert conversation.assignee_id == floor.lead.user_id
    assert (note.direction, note.body, note.channel_data) == ("note", "先安抚客户", {"whisper": True})
    actions = set(
        tenancy_selectors.audit_event_list(floor.t.scope("pa", "provider_admin")).values_list(
            "action", flat=True
        )
    )
    assert {"floor.conversation_reassign", "floor.whisper", "floor.conversation_takeover"} <= actions
    with pytest.raises(PermissionDenied):
        services.whisper(floor.t.scope("pa", "agent"), conversation_id=conversation_id, body="x")
