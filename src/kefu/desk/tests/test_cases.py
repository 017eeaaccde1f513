"""After-sales cases: the workflow, links, resolution and their events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.desk import selectors, services
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants

OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Asia/Shanghai


def test_case_workflow_and_events(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    with time_machine.travel(OPENING - timedelta(hours=1), tick=False) as traveller:  # 08:00 local
        conversation = services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="要退货", order_numbers=["TB123"]
        )
        case = services.case_create(
            agent, conversation_id=conversation.pk, type="return", owner_id=agent.user_id
        )
        assert (case.status, case.order_number, case.client_id) == ("new", "TB123", tenants.ca1.pk)
        services.case_update_status(agent, case_id=case.pk, status="in_progress")
        services.case_update_status(agent, case_id=case.pk, status="waiting_customer")
        with pytest.raises(Conflict):
            services.case_update_status(agent, case_id=case.pk, status="new")
        with pytest.raises(Invalid):
            services.case_resolve(agent, case_id=case.pk, code="  ")
        traveller.shift(timedelta(hours=2))  # 10:00 local: one business hour
        case = services.case_resolve(agent, case_id=case.pk, code="refunded", amount=Decimal("199.5"))
        assert (case.status, case.amount) == ("resolved", Decimal("199.50"))
        services.case_update_status(agent, case_id=case.pk, status="closed")
        services.case_update_status(agent, case_id=case.pk, status="in_progress")  # reopen
        assert selectors.case_get(agent, case_id=case.pk).resolved_at is None

    events = [
        e for e in analytics_selectors.contact_event_list(agent, conversation_id=conversation.pk) if e.case_id
    ]
    assert [(e.type, e.data) for e in events] == [
        ("case_opened", {"type": "return"}),
        ("case_status", {"from": "new", "to": "in_progress"}),
        ("case_status", {"from": "in_progress", "to": "waiting_customer"}),
        ("case_resolved", {"from": "waiting_customer", "code": "refunded", "amount": "199.50"}),
        ("case_status", {"from": "resolved", "to": "closed"}),
        ("case_status", {"from": "closed", "to": "in_progress"}),
    ]
    resolved = events[3]
    assert (resolved.value_s, resolved.value_business_s, resolved.case_id) == (7200, 3600, case.pk)


def test_link_conversations_and_other_tenants(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    case = services.case_create(agent, conversation_id=conversation.pk, type="repair")
    second = services.conversation_create(
        agent, channel="phone", client_id=tenants.ca1.pk, customer_id=conversation.customer_id
    )
    services.case_link_conversation(agent, case_id=case.pk, conversation_id=second.pk)
    assert set(case.conversations.values_list("pk", flat=True)) == {conversation.pk, second.pk}
    foreign = services.conversation_create(agent, channel="chat", client_id=tenants.ca2.pk)
    with pytest.raises(Invalid):
        services.case_link_conversation(agent, case_id=case.pk, conversation_id=foreign.pk)
    with pytest.raises(NotFound):
        selectors.case_get(tenants.scope("pb", "supervisor"), case_id=case.pk)
    with pytest.raises(NotFound):
        selectors.case_get(tenants.scope("ca2", "client_admin"), case_id=case.pk)
    assert selectors.case_get(tenants.scope("ca1", "client_l2"), case_id=case.pk).pk == case.pk


def test_case_api(tenants: Tenants, conversation: Conversation) -> None:
    api = tenants.client_for("pa", "agent")
    bad = api.post(
        "/api/cases", {"conversation_id": conversation.pk, "type": "gift"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "type"
    created = api.post(
        "/api/cases", {"conversation_id": conversation.pk, "type": "refund"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["conversation_ids"] == [conversation.pk]
    case_id = created.json()["id"]
    wrong = api.post(f"/api/cases/{case_id}/resolve", {"code": "ok"}, content_type="application/json")
    assert wrong.status_code == 409  # new → resolved skips the work
    api.post(f"/api/cases/{case_id}/status", {"status": "in_progress"}, content_type="application/json")
    no_code = api.post(
        f"/api/cases/{case_id}/status", {"status": "resolved"}, content_type="application/json"
    )
    assert no_code.status_code == 422  # resolving takes a code: use /resolve
    done = api.post(
        f"/api/cases/{case_id}/resolve", {"code": "ok", "amount": "10"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["amount"] == "10.00"
    assert api.get(f"/api/cases?conversation_id={conversation.pk}").json()["count"] == 1
    assert tenants.client_for("cb", "client_admin").get(f"/api/cases/{case_id}").status_code == 404


def test_case_owner_and_due_changes_are_audited_and_due_can_be_cleared(
    tenants: Tenants, conversation: Conversation
) -> None:
    # given a case with a due date and no owner
    agent = tenants.scope("pa", "agent")
    me, lead = tenants.user("pa", "agent"), tenants.user("pa", "supervisor")
    due = datetime(2030, 3, 2, 1, 0, tzinfo=UTC)
    case = services.case_create(agent, conversation_id=conversation.pk, type="refund", due_at=due)

    # when the owner is set, changed, the due date cleared, and an edit changes neither
    services.case_update(agent, case_id=case.pk, owner_id=me.pk)
    services.case_update(agent, case_id=case.pk, owner_id=lead.pk)
    services.case_update(agent, case_id=case.pk, clear_due=True)
    services.case_update(agent, case_id=case.pk, subject="只改主题")

    # then the due date is gone and each change is one audit record about the case
    assert selectors.case_get(agent, case_id=case.pk).due_at is None
    changes = list(selectors.case_changes(agent, case_id=case.pk))
    assert [(c.action, c.data, c.actor_id) for c in changes] == [
        ("desk.case_owner", {"from": "", "to": str(me)}, me.pk),
        ("desk.case_owner", {"from": str(me), "to": str(lead)}, me.pk),
        ("desk.case_due", {"from": "2030-03-02T01:00:00+00:00", "to": None}, me.pk),
    ]
    # and the client's staff see them too, another provider gets a 404
    assert len(selectors.case_changes(tenants.scope("ca1", "client_admin"), case_id=case.pk)) == 3
    with pytest.raises(NotFound):
        selectors.case_changes(tenants.scope("pb", "supervisor"), case_id=case.pk)


def test_case_api_clears_the_due_date(tenants: Tenants, conversation: Conversation) -> None:
    # given a case with a due date
    api = tenants.client_for("pa", "agent")
    created = api.post(
        "/api/cases",
        {"conversation_id": conversation.pk, "type": "refund", "due_at": "2030-03-02T09:00:00+08:00"},
        content_type="application/json",
    )
    case_id = created.json()["id"]
    assert created.json()["due_at"] == "2030-03-02T09:00:00+08:00"

    # when a PATCH leaves due_at out, then it stays; when it asks to clear it, it is gone
    kept = api.patch(f"/api/cases/{case_id}", {"subject": "改"}, content_type="application/json")
    assert kept.json()["due_at"] == "2030-03-02T01:00:00Z"
    cleared = api.patch(f"/api/cases/{case_id}", {"clear_due": True}, content_type="application/json")
    assert (cleared.status_code, cleared.json()["due_at"]) == (200, None)
    assert [c.action for c in selectors.case_changes(tenants.scope("pa", "agent"), case_id=case_id)] == [
        "desk.case_due"
    ]
