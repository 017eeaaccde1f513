"""After-sales case pages: the list and its filters, opening a case from a conversation, the
workflow buttons (only the moves the services allow), resolving with an amount, linking, bad
input as form errors, read-only roles and other tenants."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.desk import services
from kefu.desk.models import Case, Conversation
from kefu.testing.plugin import Tenants


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-case-id="(\d+)"', html)]


@pytest.fixture
def conv(tenants: Tenants) -> Conversation:
    return services.conversation_create(
        tenants.scope("pa", "agent"),
        channel="chat",
        client_id=tenants.ca1.pk,
        subject="鞋子开胶",
        message="刚买一周就开胶了",
        order_numbers=["TB2001"],
    )


def test_agent_opens_a_case_from_the_conversation(tenants: Tenants, conv: Conversation) -> None:
    client = tenants.client_for("pa", "agent")
    side = client.get(reverse("desk_conversation", args=[conv.pk])).content.decode()
    create_url = reverse("desk_case_create", args=[conv.pk])
    assert f'href="{create_url}"' in side  # the side panel links to it

    page = client.get(create_url)
    assert page.status_code == 200
    assert 'value="鞋子开胶"' in page.content.decode() and 'value="TB2001"' in page.content.decode()

    due = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(create_url, {"type": "repair", "subject": "", "order_number": "", "due_at": due})
    case = Case.all_tenants.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk_case", args=[case.pk])
    assert (case.type, case.subject, case.order_number, case.status) == (
        "repair",
        "鞋子开胶",
        "TB2001",
        "new",
    )
    assert list(case.conversations.all()) == [conv]

    detail = client.get(response["Location"]).content.decode()
    assert "开胶" in detail and "TB2001" in detail
    assert f"#{conv.pk}" in detail.split('id="case-history"')[1]  # the history, in words
    assert "case_opened" not in detail  # no raw codes


def test_bad_input_is_a_form_error(tenants: Tenants, conv: Conversation) -> None:
    client = tenants.client_for("pa", "agent")
    url = reverse("desk_case_create", args=[conv.pk])
    assert client.post(url, {"type": "teleport"}).status_code == 422
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"type": "refund", "due_at": past})
    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode()
    assert client.post(url, {"type": "refund", "due_at": "yesterday"}).status_code == 422
    assert not Case.all_tenants.exists()


def test_workflow_offers_only_allowed_moves_and_resolves(tenants: Tenants, conv: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    case = services.case_create(agent, conversation_id=conv.pk, type="refund")
    client = tenants.client_for("pa", "agent")
    url = reverse("desk_case", args=[case.pk])
    html = client.get(url).content.decode()
    offered = set(re.findall(r'data-status="(\w+)"', html))
    assert offered == {"in_progress", "waiting_customer", "waiting_client", "closed"}
    assert 'id="case-resolve"' not in html  # a new case cannot be resolved straight away

    assert client.post(url, {"action": "status", "status": "in_progress"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress"
    # a move the workflow refuses: a form error, nothing changes
    assert client.post(url, {"action": "status", "status": "new"}).status_code == 422
    assert client.post(url, {"action": "resolve", "code": "refunded", "amount": "-5"}).status_code == 422
    response = client.post(url, {"action": "resolve", "code": "refunded", "amount": "59.90"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolution_code, str(case.amount)) == ("resolved", "refunded", "59.90")
    html = client.get(url).content.decode()
    assert "¥59.90" in html and ("Refunded" in html or "已退款" in html)
    assert set(re.findall(r'data-status="(\w+)"', html)) == {"in_progress", "closed"}  # reopen or close


def test_link_owner_and_other_tenants(tenants: Tenants, conv: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    case = services.case_create(agent, conversation_id=conv.pk, type="return")
    other = services.conversation_create(agent, channel="email", client_id=tenants.ca1.pk, subject="再问")
    theirs = services.conversation_create(
        tenants.scope("pb", "agent"), channel="chat", client_id=tenants.cb.pk, message="别家"
    )
    client = tenants.client_for("pa", "agent")
    url = reverse("desk_case", args=[case.pk])
    assert client.post(url, {"action": "link", "conversation_id": theirs.pk}).status_code == 422
    assert client.post(url, {"action": "link", "conversation_id": "x"}).status_code == 422
    assert client.post(url, {"action": "link", "conversation_id": other.pk}).status_code == 302
    assert set(case.conversations.values_list("pk", flat=True)) == {conv.pk, other.pk}
    me = tenants.user("pa", "agent")
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"action": "edit", "subject": "退货", "owner": me.pk, "due_at": due})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.owner_id) == ("退货", me.pk)

    mine = client.get(reverse("desk_cases"), {"owner": "me"}).content.decode()
    assert _ids(mine) == [case.pk]
    assert _ids(client.get(reverse("desk_cases"), {"owner": "none"}).content.decode()) == []
    assert _ids(client.get(reverse("desk_cases"), {"due": "week", "type": "return"}).content.decode()) == [
        case.pk
    ]
    assert _ids(client.get(reverse("desk_cases"), {"due": "overdue"}).content.decode()) == []
    assert client.get(reverse("desk_cases"), {"owner": "bogus", "due": "x"}).status_code == 200

    stranger = tenants.client_for("pb", "agent")
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"action": "status", "status": "closed"}).status_code == 404
    assert case.pk not in _ids(stranger.get(reverse("desk_cases")).content.decode())


def test_client_l2_works_cases_and_viewers_read(tenants: Tenants, conv: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    services.conversation_escalate(agent, conversation_id=conv.pk, reason="需要品牌方审批")
    case = services.case_create(tenants.scope("ca1", "client_l2"), conversation_id=conv.pk, type="warranty")
    l2 = tenants.client_for("ca1", "client_l2")
    url = reverse("desk_case", args=[case.pk])
    assert case.pk in _ids(l2.get(reverse("desk_cases")).content.decode())
    assert l2.post(url, {"action": "status", "status": "in_progress"}).status_code == 302

    viewer = tenants.client_for("ca1", "client_viewer")
    html = viewer.get(url).content.decode()
    assert 'id="case-moves"' not in html and 'id="case-edit"' not in html
    assert viewer.post(url, {"action": "status", "status": "closed"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_edit_form_clears_the_due_date_and_history_shows_the_changes(
    tenants: Tenants, conv: Conversation
) -> None:
    # given a case due on a known day, without an owner
    agent = tenants.scope("pa", "agent")
    me = tenants.user("pa", "agent")
    due = timezone.make_aware(timezone.datetime(2030, 3, 2, 9, 0))
    case = services.case_create(agent, conversation_id=conv.pk, type="return", due_at=due)
    client = tenants.client_for("pa", "agent")
    url = reverse("desk_case", args=[case.pk])

    # when the agent takes it and empties the due date field
    response = client.post(url, {"action": "edit", "subject": case.subject, "owner": me.pk, "due_at": ""})

    # then the due date is gone and the history says who changed what
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.due_at, case.owner_id) == (None, me.pk)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = html[html.index('id="case-history"') :]
    assert f"Owner: — → {me}" in history
    assert "Due: 2030-03-02 09:00 → —" in history
