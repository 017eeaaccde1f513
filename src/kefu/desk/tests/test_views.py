"""The agent workspace pages: inbox views and filters, long threads, replies with quick
phrases, actions, masked customers and audited unmasking, read-only roles, other tenants."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.utils import timezone

from kefu.desk import services
from kefu.desk.models import Conversation, Message
from kefu.knowledge import services as knowledge_services
from kefu.knowledge.models import QuickPhrase
from kefu.tenancy.models import AccessLogEntry
from kefu.testing.plugin import Tenants

HTMX = {"HTTP_HX_REQUEST": "true"}


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="[^"]*" data-conversation-id="(\d+)"', html)]


def _msgs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'class="msg msg-\w+" id="msg-\d+" data-seq="(\d+)"', html)]


# --- inbox -----------------------------------------------------------------------------------
@pytest.fixture
def inbox_data(tenants: Tenants) -> dict[str, Conversation]:
    agent = tenants.scope("pa", "agent")
    me = tenants.user("pa", "agent").pk
    mine = services.conversation_create(
        agent,
        channel="chat",
        client_id=tenants.ca1.pk,
        subject="物流太慢",
        message="在吗",
        order_numbers=["TB1001"],
    )
    services.conversation_assign(agent, conversation_id=mine.pk, agent_id=me)
    waiting = services.conversation_create(
        agent, channel="email", client_id=tenants.ca2.pk, subject="发票", priority="high", message="要发票"
    )
    l2 = services.conversation_create(
        agent, channel="chat", client_id=tenants.ca1.pk, subject="退货审批", message="退货"
    )
    services.conversation_set_status(agent, conversation_id=l2.pk, status="pending_client")
    services.conversation_create(
        tenants.scope("pb", "agent"), channel="chat", client_id=tenants.cb.pk, subject="别家"
    )
    return {"mine": mine, "waiting": waiting, "l2": l2}


def test_inbox_views_and_filters(tenants: Tenants, inbox_data: dict[str, Conversation]) -> None:
    client = tenants.client_for("pa", "agent")
    mine, waiting, l2 = inbox_data["mine"], inbox_data["waiting"], inbox_data["l2"]

    page = client.get("/desk/")
    assert page.status_code == 200
    assert _rows(page.content.decode()) == [mine.pk]  # "mine" is the agent's default view
    assert set(_rows(client.get("/desk/", {"view": "unassigned"}).content.decode())) == {waiting.pk}
    assert _rows(client.get("/desk/", {"view": "pending_l2"}).content.decode()) == [l2.pk]
    assert _rows(client.get("/desk/", {"view": "all"}).content.decode()) == [l2.pk, waiting.pk, mine.pk]
    assert _rows(client.get("/desk/", {"view": "all", "client": tenants.ca2.pk}).content.decode()) == [
        waiting.pk
    ]
    assert _rows(client.get("/desk/", {"view": "all", "channel": "email"}).content.decode()) == [waiting.pk]
    assert _rows(client.get("/desk/", {"view": "all", "priority": "high"}).content.decode()) == [waiting.pk]
    assert _rows(client.get("/desk/", {"view": "all", "status": "pending_client"}).content.decode()) == [
        l2.pk
    ]
    assert _rows(client.get("/desk/", {"view": "all", "q": "物流"}).content.decode()) == [mine.pk]
    assert _rows(client.get("/desk/", {"view": "all", "q": "TB1001"}).content.decode()) == [mine.pk]
    assert _rows(client.get("/desk/", {"view": "all", "q": f"#{waiting.pk}"}).content.decode()) == [
        waiting.pk
    ]
    assert "别家" not in client.get("/desk/", {"view": "all"}).content.decode()

    partial = client.get("/desk/", {"view": "all"}, **HTMX).content.decode()
    assert "<html" not in partial and len(_rows(partial)) == 3


def test_my_queues_shows_what_is_open_in_the_agents_skilled_queues(
    tenants: Tenants, in_english: None
) -> None:
    """Given an agent whose work profile serves 悦家-在线, "My queues" lists that queue's open
    conversations, whoever holds them, and nothing of other queues, closed ones or other tenants."""
    from kefu.workforce.rostering import services as rostering

    agent, me = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    client = tenants.client_for("pa", "agent")
    assert "My queues" not in client.get("/desk/").content.decode()  # no profile yet: no view

    planner = tenants.scope("pa", "workforce_planner")
    rostering.agent_profile_set(planner, user_id=me.pk, skills=["悦家-在线", "悦家-邮件"])

    def conversation(queue: str, **extra: object) -> Conversation:
        return services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, queue=queue, message="在吗", **extra
        )

    waiting, by_colleague, email = (
        conversation("悦家-在线"),
        conversation("悦家-在线"),
        conversation("悦家-邮件"),
    )
    services.conversation_assign(
        tenants.scope("pa", "supervisor"),
        conversation_id=by_colleague.pk,
        agent_id=tenants.user("pa", "supervisor").pk,
    )
    resolved = conversation("悦家-在线")
    services.conversation_set_status(agent, conversation_id=resolved.pk, status="resolved", category="物流")
    conversation("轻语-在线")
    conversation("")
    services.conversation_create(
        tenants.scope("pb", "agent"), channel="chat", client_id=tenants.cb.pk, queue="悦家-在线"
    )

    page = client.get("/desk/", {"view": "my_queues"}).content.decode()
    assert "My queues" in page
    assert set(_rows(page)) == {waiting.pk, by_colleague.pk, email.pk}
    assert "悦家-邮件" in page  # the queue is shown on the row
    assert _rows(client.get("/desk/", {"view": "my_queues", "status": "resolved"}).content.decode()) == [
        resolved.pk
    ]

    api = tenants.client_for("pa", "agent")
    listed = api.get("/api/conversations", {"queue": "悦家-邮件,轻语-在线"}).json()
    assert listed["count"] == 2 and email.pk in {item["id"] for item in listed["items"]}


def test_unread_badges_are_per_person_and_clear_when_read(
    tenants: Tenants, inbox_data: dict[str, Conversation]
) -> None:
    agent = tenants.scope("pa", "agent")
    mine = inbox_data["mine"]
    services.message_post(agent, conversation_id=mine.pk, body="您好", direction="out")
    services.message_post(agent, conversation_id=mine.pk, body="还没到", direction="in")
    services.message_post(agent, conversation_id=mine.pk, body="快点", direction="in")
    services.message_post(agent, conversation_id=mine.pk, body="内部备注", direction="note")
    client = tenants.client_for("pa", "agent")
    assert re.search(
        rf'data-conversation-id="{mine.pk}">.*?class="unread"[^>]*>3<',
        client.get("/desk/?view=all").content.decode(),
        re.S,
    )
    mine_list = client.get("/desk/mine/").content.decode()
    assert f"#{mine.pk}" in mine_list and re.search(r'class="unread"[^>]*>3<', mine_list)

    client.get(f"/desk/c/{mine.pk}/")  # opening it reads it

    assert 'class="unread"' not in client.get("/desk/mine/").content.decode()
    supervisor = tenants.client_for("pa", "supervisor")  # who has not opened it still sees 3
    assert re.search(
        rf'data-conversation-id="{mine.pk}">.*?class="unread"[^>]*>3<',
        supervisor.get("/desk/?view=all").content.decode(),
        re.S,
    )
    services.message_post(agent, conversation_id=mine.pk, body="人呢", direction="in")
    assert re.search(r'class="unread"[^>]*>1<', client.get("/desk/mine/").content.decode())


def test_client_l2_starts_with_what_was_escalated_to_them(
    tenants: Tenants, inbox_data: dict[str, Conversation]
) -> None:
    client = tenants.client_for("ca1", "client_l2")
    l2 = inbox_data["l2"]
    assert _rows(client.get("/desk/").content.decode()) == [l2.pk]
    handed_back = client.post(f"/desk/c/{l2.pk}/status/", {"status": "open"})
    assert handed_back.status_code == 302
    l2.refresh_from_db()
    assert l2.status == "open"
    # client staff never see the other client's conversations
    assert inbox_data["waiting"].pk not in _rows(client.get("/desk/", {"view": "all"}).content.decode())


# --- long threads ----------------------------------------------------------------------------
def test_a_thread_of_5000_messages_opens_with_the_last_50(
    tenants: Tenants, conversation: Conversation, django_assert_max_num_queries: object
) -> None:
    now = timezone.now()
    start = conversation.last_message_seq
    Message.all_tenants.bulk_create(
        Message(
            provider_id=conversation.provider_id,
            client_id=conversation.client_id,
            conversation=conversation,
            seq=start + i,
            direction="in" if i % 2 else "out",
            body=f"消息 {start + i}",
            delivery="received",
            created_at=now,
        )
        for i in range(1, 5001)
    )
    last = start + 5000
    Conversation.all_tenants.filter(pk=conversation.pk).update(last_message_seq=last)
    client = tenants.client_for("pa", "agent")

    began = time.monotonic()
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        page = client.get(f"/desk/c/{conversation.pk}/")
    elapsed = time.monotonic() - began
    html = page.content.decode()
    assert page.status_code == 200 and elapsed < 2.0
    assert _msgs(html) == list(range(last - 49, last + 1))
    assert f"before_seq={last - 49}" in html

    earlier = client.get(
        f"/desk/c/{conversation.pk}/messages/", {"before_seq": last - 49}, **HTMX
    ).content.decode()
    assert _msgs(earlier) == list(range(last - 99, last - 49)) and f"before_seq={last - 99}" in earlier
    first_page = client.get(f"/desk/c/{conversation.pk}/messages/", {"before_seq": 30}).content.decode()
    assert _msgs(first_page) == list(range(1, 30)) and "load-earlier" not in first_page

    services.message_post(tenants.scope("pa", "agent"), conversation_id=conversation.pk, body="新消息")
    newer = client.get(f"/desk/c/{conversation.pk}/messages/", {"after_seq": last}).content.decode()
    assert _msgs(newer) == [last + 1] and "load-earlier" not in newer


# --- replies and phrases ---------------------------------------------------------------------
def test_reply_note_and_phrase_use(tenants: Tenants, conversation: Conversation) -> None:
    phrase = knowledge_services.quick_phrase_create(
        tenants.scope("pa", "supervisor"),
        client_id=tenants.ca1.pk,
        title="退款",
        body="{customer_name}您好，我是{agent_name}，{order_number}已退款",
        shortcut="tk",
    )
    client = tenants.client_for("pa", "agent")
    page = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    data = json.loads(
        re.search(r'<script id="desk-phrases" type="application/json">(.*?)</script>', page).group(1)
    )
    agent_name = str(tenants.user("pa", "agent"))
    assert data == [
        {
            "id": phrase.pk,
            "title": "退款",
            "shortcut": "tk",
            "category": "",
            "text": f"张您好，我是{agent_name}，{{order_number}}已退款",  # masked name: surname only
        }
    ]
    assert "张三" not in page and 'id="reply-form"' in page

    sent = client.post(
        f"/desk/c/{conversation.pk}/reply/",
        {"body": "您好，已退款", "kind": "out", "phrase_ids": str(phrase.pk)},
        **HTMX,
    )
    assert sent.status_code == 204 and "desk-changed" in sent["HX-Trigger"]
    note = client.post(f"/desk/c/{conversation.pk}/reply/", {"body": "客户很急", "kind": "note"})
    assert note.status_code == 302
    messages = list(conversation.messages.order_by("seq").values_list("direction", "body"))
    assert messages[-2:] == [("out", "您好，已退款"), ("note", "客户很急")]
    assert QuickPhrase.all_tenants.get().usage_count == 1
    html = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert 'class="msg msg-note"' in html

    empty = client.post(f"/desk/c/{conversation.pk}/reply/", {"body": "  ", "kind": "out"}, **HTMX)
    assert empty.status_code == 422 and 'id="reply-error"' in empty.content.decode()


# --- actions ---------------------------------------------------------------------------------
def test_assign_transfer_and_resolve_with_category(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.client_for("pa", "agent")
    claimed = agent.post(f"/desk/c/{conversation.pk}/assign/", {"agent_id": "me"}, **HTMX)
    assert claimed.status_code == 200 and "desk-changed" in claimed["HX-Trigger"]
    conversation.refresh_from_db()
    assert conversation.assignee_id == tenants.user("pa", "agent").pk
    # agents may not give it to someone else
    assert 'id="transfer"' not in agent.get(f"/desk/c/{conversation.pk}/side/").content.decode()
    other = tenants.user("pa", "supervisor").pk
    assert (
        agent.post(f"/desk/c/{conversation.pk}/assign/", {"agent_id": str(other)}, **HTMX).status_code == 403
    )

    supervisor = tenants.client_for("pa", "supervisor")
    side = supervisor.get(f"/desk/c/{conversation.pk}/side/").content.decode()
    assert 'id="transfer"' in side and str(tenants.user("pa", "agent")) in side
    transferred = supervisor.post(f"/desk/c/{conversation.pk}/assign/", {"agent_id": str(other)})
    assert transferred.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee_id == other

    refused = agent.post(f"/desk/c/{conversation.pk}/status/", {"status": "resolved"}, **HTMX)
    assert refused.status_code == 422 and 'id="side-error"' in refused.content.decode()
    resolved = agent.post(
        f"/desk/c/{conversation.pk}/status/", {"status": "resolved", "category": "物流"}, **HTMX
    )
    assert resolved.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.status, conversation.category) == ("resolved", "物流")


def test_unmask_is_for_supervisors_shown_once_and_audited(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.client_for("pa", "agent")
    side = agent.get(f"/desk/c/{conversation.pk}/side/").content.decode()
    assert "138****8000" in side and "13800138000" not in side and 'id="unmask"' not in side
    assert agent.post(f"/desk/c/{conversation.pk}/unmask/", {"reason": "x"}).status_code == 403

    supervisor = tenants.client_for("pa", "supervisor")
    assert 'id="unmask"' in supervisor.get(f"/desk/c/{conversation.pk}/side/").content.decode()
    clear = supervisor.post(f"/desk/c/{conversation.pk}/unmask/", {"reason": "回访"}, **HTMX).content.decode()
    assert "13800138000" in clear and "张三" in clear and 'id="unmasked-note"' in clear
    entry = AccessLogEntry.all_tenants.get()
    assert (entry.reason, entry.client_id) == ("回访", tenants.ca1.pk)
    assert "13800138000" not in supervisor.get(f"/desk/c/{conversation.pk}/side/").content.decode()


def test_client_viewer_reads_only(tenants: Tenants, conversation: Conversation) -> None:
    viewer = tenants.client_for("ca1", "client_viewer")
    page = viewer.get(f"/desk/c/{conversation.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="read-only"' in html and 'id="reply-form"' not in html
    assert 'id="set-status"' not in html
    before = conversation.messages.count()
    assert viewer.post(f"/desk/c/{conversation.pk}/reply/", {"body": "x", "kind": "out"}).status_code == 403
    assert viewer.post(f"/desk/c/{conversation.pk}/status/", {"status": "closed"}).status_code == 403
    assert conversation.messages.count() == before


def test_other_tenants_conversations_are_404(tenants: Tenants, conversation: Conversation) -> None:
    for org, role in [("pb", "supervisor"), ("cb", "client_admin"), ("ca2", "client_admin")]:
        client = tenants.client_for(org, role)
        assert client.get(f"/desk/c/{conversation.pk}/").status_code == 404
        assert client.get(f"/desk/c/{conversation.pk}/messages/", {"before_seq": 5}).status_code == 404
        assert client.post(f"/desk/c/{conversation.pk}/reply/", {"body": "x", "kind": "out"}).status_code in (
            403,
            404,
        )
    assert conversation.messages.count() == 1


def test_escalate_to_the_client_and_hand_back(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.client_for("pa", "agent")
    assert 'id="escalate"' in agent.get(f"/desk/c/{conversation.pk}/side/").content.decode()
    refused = agent.post(f"/desk/c/{conversation.pk}/escalate/", {"reason": ""}, **HTMX)
    assert refused.status_code == 422 and 'id="side-error"' in refused.content.decode()
    escalated = agent.post(f"/desk/c/{conversation.pk}/escalate/", {"reason": "退款超过500元"}, **HTMX)
    assert escalated.status_code == 200, escalated.content.decode()
    conversation.refresh_from_db()
    assert (conversation.status, conversation.tier) == ("pending_client", "l2")
    page = agent.get(f"/desk/c/{conversation.pk}/").content.decode()
    if conversation.provider_access != "edit":  # the client's default: view only
        assert 'id="view-only"' in page and 'id="reply-form"' not in page

    l2 = tenants.client_for("ca1", "client_l2")
    assert conversation.pk in _rows(l2.get("/desk/").content.decode())
    l2_page = l2.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert 'id="deescalate"' in l2_page and 'id="reply-form"' in l2_page and 'id="escalate"' not in l2_page
    assert l2.post(f"/desk/c/{conversation.pk}/deescalate/", {"reason": "已同意退款"}).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.status, conversation.tier) == ("open", "l1")
