"""Conversations, messages and customers: rules, redaction, masking, audit, the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.models import ContactEvent
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import selectors, services
from kefu.desk.models import Conversation, Message
from kefu.tenancy import selectors as tenancy_selectors
from kefu.testing.plugin import Tenants

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CARD = "4111 1111 1111 1111"
ID_CARD = "11010519491231002X"


def _events(tenants: Tenants, conversation_id: int) -> list[ContactEvent]:
    return list(
        analytics_selectors.contact_event_list(
            tenants.scope("pa", "supervisor"), conversation_id=conversation_id
        )
    )


# --- lifecycle and the event log -------------------------------------------------------------
def test_lifecycle_writes_exact_events(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    supervisor = tenants.scope("pa", "supervisor")
    with time_machine.travel(T0, tick=False) as traveller:
        conversation = services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="你好，我的快递到哪了？", queue="售后"
        )
        traveller.shift(timedelta(seconds=30))
        services.conversation_assign(supervisor, conversation_id=conversation.pk, agent_id=agent.user_id)
        traveller.shift(timedelta(seconds=45))
        services.message_post(agent, conversation_id=conversation.pk, body="您好，我帮您查一下")
        traveller.shift(timedelta(seconds=10))
        services.message_post(agent, conversation_id=conversation.pk, body="已经在派送了")
        traveller.shift(timedelta(minutes=2))
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="pending_customer")
        traveller.shift(timedelta(minutes=1))
        services.message_post(agent, conversation_id=conversation.pk, body="好的谢谢", direction="in")
        traveller.shift(timedelta(minutes=1))
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category="物流"
        )

    events = _events(tenants, conversation.pk)
    assert [e.type for e in events] == [
        "offered", "message_in", "assigned", "message_out", "first_response", "message_out",
        "held", "message_in", "resumed", "resolved",
    ]  # fmt: skip
    offered, _in, assigned, _out, first, *_rest, resolved = events
    assert offered.at == T0 and offered.queue == "售后" and offered.channel == "chat"
    assert assigned.agent_id == agent.user_id and assigned.actor_id == supervisor.user_id
    assert first.value_s == 75.0 and first.agent_id == agent.user_id
    assert resolved.value_s == 75 + 10 + 120 + 60 + 60 and resolved.data["category"] == "物流"
    assert all((e.provider_id, e.client_id) == (tenants.pa.pk, tenants.ca1.pk) for e in events)

    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.last_message_seq == 4
    assert conversation.first_response_at == T0 + timedelta(seconds=75)
    assert conversation.resolved_at == T0 + timedelta(seconds=325)


def test_events_roll_back_with_the_change(tenants: Tenants, conversation: Conversation) -> None:
    before = len(_events(tenants, conversation.pk))
    with pytest.raises(Invalid):
        services.message_post(
            tenants.scope("pa", "agent"), conversation_id=conversation.pk, body="x" * 20_001
        )
    assert len(_events(tenants, conversation.pk)) == before
    conversation.refresh_from_db()
    assert conversation.last_message_seq == 1


def test_reassigning_is_a_transfer_and_unassigning_queues(
    tenants: Tenants, conversation: Conversation
) -> None:
    supervisor = tenants.scope("pa", "supervisor")
    agent_id = tenants.user("pa", "agent").pk
    other_id = tenants.user("pa", "supervisor").pk
    services.conversation_assign(supervisor, conversation_id=conversation.pk, agent_id=agent_id)
    services.conversation_assign(supervisor, conversation_id=conversation.pk, agent_id=agent_id)  # no-op
    services.conversation_assign(supervisor, conversation_id=conversation.pk, agent_id=other_id)
    services.conversation_assign(supervisor, conversation_id=conversation.pk, agent_id=None)
    kinds = [(e.type, e.agent_id, e.data.get("previous")) for e in _events(tenants, conversation.pk)][2:]
    assert kinds == [
        ("assigned", agent_id, None),
        ("transferred", other_id, agent_id),
        ("queued", None, other_id),
    ]


def test_agents_claim_but_do_not_assign_others(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(PermissionDenied):
        services.conversation_assign(
            agent, conversation_id=conversation.pk, agent_id=tenants.user("pa", "supervisor").pk
        )
    claimed = services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id)
    assert claimed.assignee_id == agent.user_id


def test_only_members_of_the_conversation_tenants_can_take_it(
    tenants: Tenants, conversation: Conversation
) -> None:
    with pytest.raises(Invalid) as info:
        services.conversation_assign(
            tenants.scope("pa", "supervisor"),
            conversation_id=conversation.pk,
            agent_id=tenants.user("pb", "agent").pk,
        )
    assert info.value.field == "agent_id"


def test_resolving_needs_a_category_and_closed_is_final(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid) as info:
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="resolved")
    assert info.value.field == "category"
    with pytest.raises(Invalid):
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="solved")
    services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="物流"
    )
    services.conversation_set_status(agent, conversation_id=conversation.pk, status="open")
    services.conversation_set_status(agent, conversation_id=conversation.pk, status="closed")
    with pytest.raises(Conflict):
        services.conversation_set_status(agent, conversation_id=conversation.pk, status="open")
    with pytest.raises(Conflict):
        services.message_post(agent, conversation_id=conversation.pk, body="还在吗")
    note = services.message_post(agent, conversation_id=conversation.pk, body="客户已满意", direction="note")
    assert note.delivery == "internal"
    types = [e.type for e in _events(tenants, conversation.pk)]
    assert types[-3:] == ["resolved", "reopened", "closed"]


def test_a_customer_reply_reopens_a_resolved_conversation(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="物流"
    )
    services.message_post(agent, conversation_id=conversation.pk, body="还是没收到", direction="in")
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.resolved_at is None
    assert [e.type for e in _events(tenants, conversation.pk)][-2:] == ["message_in", "reopened"]


def test_client_viewer_reads_but_cannot_write(tenants: Tenants, conversation: Conversation) -> None:
    viewer = tenants.scope("ca1", "client_viewer")
    assert selectors.conversation_get(viewer, conversation_id=conversation.pk).pk == conversation.pk
    with pytest.raises(PermissionDenied):
        services.message_post(viewer, conversation_id=conversation.pk, body="hi")
    l2 = tenants.scope("ca1", "client_l2")
    assert (
        services.message_post(l2, conversation_id=conversation.pk, body="已安排补发", direction="note").seq
        == 2
    )


def test_a_client_creates_conversations_for_its_only_provider(tenants: Tenants) -> None:
    scope = tenants.scope("ca1", "client_admin")
    conversation = services.conversation_create(scope, channel="api", subject="退款")
    assert (conversation.provider_id, conversation.client_id) == (tenants.pa.pk, tenants.ca1.pk)
    with pytest.raises(Invalid):
        services.conversation_create(scope, channel="api", provider_id=tenants.pb.pk)


def test_unknown_client_and_foreign_ids(tenants: Tenants, conversation: Conversation) -> None:
    agent_b = tenants.scope("pb", "agent")
    with pytest.raises(NotFound) as info:  # another tenant's client: not found, as reading it
        services.conversation_create(agent_b, channel="chat", client_id=tenants.ca1.pk)
    assert info.value.field == "client_id"
    with pytest.raises(NotFound):
        selectors.conversation_get(agent_b, conversation_id=conversation.pk)
    with pytest.raises(NotFound):
        services.message_post(agent_b, conversation_id=conversation.pk, body="hi")
    with pytest.raises(NotFound):
        services.conversation_create(
            agent_b, channel="chat", client_id=tenants.cb.pk, customer_id=conversation.customer_id
        )


# --- messages --------------------------------------------------------------------------------
def test_card_and_id_numbers_never_reach_the_database(tenants: Tenants, conversation: Conversation) -> None:
    text = f"卡号 {CARD}，身份证 {ID_CARD}，订单 202603020001"
    message = services.message_post(
        tenants.scope("pa", "agent"), conversation_id=conversation.pk, body=text, direction="in"
    )
    stored = Message.objects.for_scope(tenants.scope("ca1", "client_admin")).get(pk=message.pk)
    assert CARD not in stored.body and ID_CARD not in stored.body
    assert "[card:****1111]" in stored.body and "[id_card]" in stored.body and "202603020001" in stored.body
    assert stored.redactions == ["card", "id_card"]


def test_seq_increments_and_loads_incrementally(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    for i in range(2, 8):
        assert services.message_post(agent, conversation_id=conversation.pk, body=f"第{i}条").seq == i
    first = selectors.message_list(agent, conversation_id=conversation.pk, limit=3)
    assert [m.seq for m in first] == [1, 2, 3]
    rest = selectors.message_list(agent, conversation_id=conversation.pk, after_seq=first[-1].seq)
    assert [m.seq for m in rest] == [4, 5, 6, 7]
    assert selectors.message_list(agent, conversation_id=conversation.pk, after_seq=7) == []


def test_a_repeated_external_id_is_not_stored_twice(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    one = services.message_post(
        agent, conversation_id=conversation.pk, body="hi", direction="in", external_id="m-1"
    )
    two = services.message_post(
        agent, conversation_id=conversation.pk, body="hi", direction="in", external_id="m-1"
    )
    assert one.pk == two.pk
    assert len(_events(tenants, conversation.pk)) == 3  # offered, message_in ×2 (first message + m-1)


def test_empty_and_oversized_messages_are_refused(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    for body in ("", "   "):
        with pytest.raises(Invalid):
            services.message_post(agent, conversation_id=conversation.pk, body=body)
    with pytest.raises(Invalid) as info:
        services.message_post(agent, conversation_id=conversation.pk, body="好" * 20_001)
    assert info.value.field == "body" and "20,000" in str(info.value.message)
    assert services.message_post(agent, conversation_id=conversation.pk, body="好" * 20_000).seq == 2


# --- customers -------------------------------------------------------------------------------
def test_agents_see_masked_contact_data_and_cannot_unmask(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    view = selectors.customer_get(agent, customer_id=conversation.customer_id)
    assert (view.name, view.phone, view.email, view.masked) == ("张*", "138****8000", "z***@example.cn", True)
    with pytest.raises(PermissionDenied):
        services.customer_unmask(agent, customer_id=conversation.customer_id)


def test_unmask_is_audited_for_the_clients_admin(tenants: Tenants, conversation: Conversation) -> None:
    supervisor = tenants.scope("pa", "supervisor")
    clear = services.customer_unmask(
        supervisor, customer_id=conversation.customer_id, reason="补发需要电话", ip_address="10.0.0.8"
    )
    assert (clear.phone, clear.masked) == ("13800138000", False)
    entries = list(tenancy_selectors.access_log_list(tenants.scope("ca1", "client_admin")))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.resource_type == "customer" and entry.resource_id == str(conversation.customer_id)
    assert entry.actor_name == "pa_supervisor" and entry.reason == "补发需要电话"
    assert (entry.provider_id, entry.client_id) == (tenants.pa.pk, tenants.ca1.pk)
    assert not list(tenancy_selectors.access_log_list(tenants.scope("ca2", "client_admin")))


def test_bad_contact_data_is_refused(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid) as info:
        services.customer_create(agent, client_id=tenants.ca1.pk, email="not-an-email")
    assert info.value.field == "email"
    with pytest.raises(Invalid) as info:
        services.customer_create(agent, email="a@b.cn")
    assert info.value.field == "client_id"


def test_lists_are_scoped(tenants: Tenants, conversation: Conversation) -> None:
    services.conversation_create(tenants.scope("pa", "agent"), channel="email", client_id=tenants.ca2.pk)
    assert selectors.conversation_list(tenants.scope("pa", "agent")).count() == 2
    assert selectors.conversation_list(tenants.scope("ca1", "client_viewer")).count() == 1
    assert selectors.conversation_list(tenants.scope("pb", "supervisor")).count() == 0
    filtered = selectors.conversation_list(
        tenants.scope("pa", "agent"), filters=selectors.ConversationFilter(channel="email")
    )
    assert [c.client_id for c in filtered] == [tenants.ca2.pk]


def test_the_event_log_is_append_only(tenants: Tenants, conversation: Conversation) -> None:
    event = _events(tenants, conversation.pk)[0]
    event.data = {"tampered": True}
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
