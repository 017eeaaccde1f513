"""A reply never carries a raw phrase variable, and never goes nowhere: the service refuses
(every client: API, workspace, integrations) and the workspace says where a reply will go."""

from __future__ import annotations

import pytest

from kefu.core.errors import Conflict, Invalid
from kefu.desk import selectors, services
from kefu.desk.models import Message
from kefu.desk.tests.test_api import Api
from kefu.testing.plugin import Tenants


def _chat(tenants: Tenants, **extra: object) -> int:
    agent = tenants.scope("pa", "agent")
    return services.conversation_create(
        agent, channel="chat", client_id=tenants.ca1.pk, subject="退款", message="在吗", **extra
    ).pk


def _offline(tenants: Tenants, *, phone: str = "13912345678", email: str = "") -> int:
    agent = tenants.scope("pa", "agent")
    customer = services.customer_create(
        agent, client_id=tenants.ca1.pk, name="王小明", phone=phone, email=email
    )
    return services.conversation_create(
        agent,
        channel="chat",
        client_id=tenants.ca1.pk,
        customer_id=customer.pk,
        subject="留言",
        tags=["offline_form"],
        message="请回电",
    ).pk


@pytest.mark.parametrize(
    "body", ["您好{customer_name}，请稍等", "订单{order_number|}已退款", "{agent_name}为您服务"]
)
def test_a_reply_with_an_unfilled_phrase_variable_is_refused(tenants: Tenants, body: str) -> None:
    conversation_id = _chat(tenants)
    with pytest.raises(Invalid) as raised:
        services.message_post(tenants.scope("pa", "agent"), conversation_id=conversation_id, body=body)
    assert raised.value.field == "body"
    assert Message.all_tenants.filter(conversation_id=conversation_id, direction="out").count() == 0


def test_braces_that_are_not_phrase_variables_and_notes_are_sent(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    conversation_id = _chat(tenants)
    services.message_post(agent, conversation_id=conversation_id, body="优惠码 {SPRING} 已发放")
    services.message_post(
        agent, conversation_id=conversation_id, body="待填 {order_number}", direction="note"
    )
    assert Message.all_tenants.filter(conversation_id=conversation_id).count() == 3


def test_the_api_answers_422_for_an_unfilled_variable(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)
    response = Api(tenants, "pa", "agent").post(
        f"/api/conversations/{conversation_id}/messages", {"body": "您好{customer_name}"}
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert "{customer_name}" in error["message"] and error["field"] == "body"


def test_the_workspace_reply_is_refused_with_a_form_error(tenants: Tenants) -> None:
    conversation_id = _chat(tenants)
    response = tenants.client_for("pa", "agent").post(
        f"/desk/c/{conversation_id}/reply/",
        {"body": "订单{order_number}已退款", "kind": "out"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "{order_number}" in response.content.decode()


def test_an_offline_form_message_with_only_a_phone_cannot_be_answered_here(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    conversation_id = _offline(tenants)
    route = selectors.reply_route(
        selectors.conversation_get(agent, conversation_id=conversation_id), scope=agent
    )
    assert (route.kind, route.can_send) == ("none", False)
    assert "139****5678" in route.text

    with pytest.raises(Conflict):
        services.message_post(agent, conversation_id=conversation_id, body="您好")
    services.message_post(agent, conversation_id=conversation_id, body="已回电", direction="note")

    page = tenants.client_for("pa", "agent").get(f"/desk/c/{conversation_id}/").content.decode()
    assert 'id="reply-route"' in page and "139****5678" in page
    assert 'id="kind-out" disabled' in page


def test_the_offline_form_customer_who_comes_back_to_the_chat_gets_replies(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    conversation_id = _offline(tenants)
    services.message_post(agent, conversation_id=conversation_id, body="我回来了", direction="in")
    services.message_post(agent, conversation_id=conversation_id, body="您好，请讲")
    route = selectors.reply_route(
        selectors.conversation_get(agent, conversation_id=conversation_id), scope=agent
    )
    assert route.kind == "chat"


def test_an_email_conversation_says_the_address_or_refuses_without_one(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    with_address = services.customer_create(agent, client_id=tenants.ca1.pk, email="wang@example.cn")
    mail = services.conversation_create(
        agent, channel="email", client_id=tenants.ca1.pk, customer_id=with_address.pk, message="发票"
    )
    route = selectors.reply_route(mail, scope=agent)
    assert route.kind == "email" and "@example.cn" in route.text and "wang@example.cn" not in route.text

    no_address = services.conversation_create(
        agent, channel="email", client_id=tenants.ca1.pk, message="发票"
    )
    with pytest.raises(Conflict):
        services.message_post(agent, conversation_id=no_address.pk, body="您好")
