"""Escalation to the client's L2 and back: shared not moved, access, clocks, events, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import selectors, services
from kefu.desk.models import Conversation
from kefu.tenancy import selectors as tenancy_selectors
from kefu.testing.plugin import Tenants

OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Asia/Shanghai


def test_escalate_shares_with_the_clients_l2_only(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    services.conversation_escalate(agent, conversation_id=conversation.pk, reason="退款超过 500 元")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.tier, conversation.provider_access) == (
        "pending_client",
        "l2",
        "view",
    )

    l2 = tenants.scope("ca1", "client_l2")
    assert selectors.conversation_get(l2, conversation_id=conversation.pk).pk == conversation.pk
    for other in ("ca2", "cb"):
        with pytest.raises(NotFound):
            selectors.conversation_get(tenants.scope(other, "client_l2"), conversation_id=conversation.pk)
        with pytest.raises(NotFound):
            services.conversation_deescalate(
                tenants.scope(other, "client_l2"), conversation_id=conversation.pk, reason="x"
            )
    assert (
        tenants.client_for("cb", "client_l2").get(f"/api/conversations/{conversation.pk}").status_code == 404
    )

    # both sides see one thread: the note explains it; the provider still reads it
    messages = selectors.message_list(agent, conversation_id=conversation.pk)
    assert messages[-1].direction == "note" and "退款超过 500 元" in messages[-1].body
    services.message_post(l2, conversation_id=conversation.pk, body="已同意退款")
    services.conversation_deescalate(l2, conversation_id=conversation.pk, reason="已处理，交回")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.tier, conversation.provider_access) == ("open", "l1", "")

    events = list(analytics_selectors.contact_event_list(agent, conversation_id=conversation.pk))
    escalated = next(e for e in events if e.type == "escalated")
    assert escalated.data == {
        "from": "new", "tier": "l2", "reason": "退款超过 500 元", "provider_access": "view",
    }  # fmt: skip
    assert escalated.actor_id == agent.user_id
    deescalated = next(e for e in events if e.type == "deescalated")
    assert deescalated.data == {
        "from": "pending_client",
        "to": "open",
        "tier": "l2",
        "reason": "已处理，交回",
    }
    assert deescalated.actor_id == l2.user_id
    actions = [e.action for e in tenancy_selectors.audit_event_list(tenants.scope("ca1", "client_admin"))]
    assert "desk.conversation_escalate" in actions and "desk.conversation_deescalate" in actions


def test_provider_view_only_while_escalated(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    services.conversation_escalate(agent, conversation_id=conversation.pk, reason="投诉")
    for write in (
        lambda: services.message_post(agent, conversation_id=conversation.pk, body="hi"),
        lambda: services.message_post(agent, conversation_id=conversation.pk, body="n", direction="note"),
        lambda: services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="pending_customer"
        ),
        lambda: services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id),
        lambda: services.conversation_deescalate(agent, conversation_id=conversation.pk, reason="拿回"),
        lambda: services.case_create(agent, conversation_id=conversation.pk, type="refund"),
    ):
        with pytest.raises(PermissionDenied):
            write()
    # the customer's words are always taken in, and land with the client's staff
    services.message_post(agent, conversation_id=conversation.pk, body="怎么样了", direction="in")
    response = tenants.client_for("pa", "agent").post(
        f"/api/conversations/{conversation.pk}/messages", {"body": "hi"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_provider_edit_access_when_the_client_allows(tenants: Tenants, conversation: Conversation) -> None:
    services.desk_settings_set(tenants.scope("ca1", "client_admin"), provider_access_when_escalated="edit")
    with pytest.raises(PermissionDenied):
        services.desk_settings_set(
            tenants.scope("pa", "provider_admin"),
            client_id=tenants.ca1.pk,
            provider_access_when_escalated="edit",
        )
    agent = tenants.scope("pa", "agent")
    services.conversation_escalate(agent, conversation_id=conversation.pk, reason="大额")
    services.message_post(agent, conversation_id=conversation.pk, body="客户补充了照片", direction="note")
    with pytest.raises(Conflict):
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="open")
    services.conversation_deescalate(agent, conversation_id=conversation.pk, reason="客户撤回")
    assert selectors.conversation_get(agent, conversation_id=conversation.pk).tier == "l1"


def test_bad_escalations(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid):
        services.conversation_escalate(agent, conversation_id=conversation.pk, reason="  ")
    with pytest.raises(Invalid):
        services.conversation_escalate(agent, conversation_id=conversation.pk, reason="x", tier="L9")
    with pytest.raises(Conflict):
        services.conversation_deescalate(agent, conversation_id=conversation.pk, reason="x")
    services.conversation_escalate(agent, conversation_id=conversation.pk, reason="x", tier="L3")
    with pytest.raises(Conflict):
        services.conversation_escalate(agent, conversation_id=conversation.pk, reason="again")
    api = tenants.client_for("ca1", "client_l2")
    assert (
        api.post(
            f"/api/conversations/{conversation.pk}/deescalate", {}, content_type="application/json"
        ).status_code
        == 422
    )
    ok = api.post(
        f"/api/conversations/{conversation.pk}/deescalate",
        {"reason": "交回"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["tier"] == "l1"


def test_the_provider_clock_stops_while_the_clients_runs(tenants: Tenants) -> None:
    services.sla_policy_create(
        tenants.scope("ca1", "client_admin"), first_response_s=600, resolution_s=3600, l2_resolution_s=1800
    )
    agent = tenants.scope("pa", "agent")
    l2 = tenants.scope("ca1", "client_l2")
    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation = services.conversation_create(
            agent, channel="email", client_id=tenants.ca1.pk, message="退货"
        )
        traveller.shift(timedelta(seconds=100))
        services.conversation_escalate(agent, conversation_id=conversation.pk, reason="质量问题")
        traveller.shift(timedelta(seconds=1000))
        timers = {t.kind: t for t in selectors.conversation_timers(l2, conversation_id=conversation.pk)}
        assert (timers["first_response"].status, timers["first_response"].elapsed_s) == ("paused", 100)
        assert (timers["resolution"].status, timers["resolution"].elapsed_s) == ("paused", 100)
        l2_timer = timers["l2_resolution"]
        assert (l2_timer.party, l2_timer.status, l2_timer.elapsed_s) == ("client", "running", 1000)
        services.conversation_deescalate(l2, conversation_id=conversation.pk, reason="交回")
        traveller.shift(timedelta(seconds=50))
        timers = {t.kind: t for t in selectors.conversation_timers(agent, conversation_id=conversation.pk)}
    assert (timers["first_response"].status, timers["first_response"].elapsed_s) == ("running", 150)
    assert (timers["l2_resolution"].status, timers["l2_resolution"].elapsed_s) == ("paused", 1000)
