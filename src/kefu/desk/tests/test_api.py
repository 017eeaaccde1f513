"""The desk API: conversations, messages, masked customers, audited unmask, idempotency, 4xx."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.desk import selectors as desk_selectors
from kefu.desk.models import Conversation, IdempotencyKey, Message
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants


class Api:
    """A bearer-token client acting as one person of one organisation."""

    def __init__(self, tenants: Tenants, org: str, role: str) -> None:
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, **self.auth)

    def post(self, url: str, body: dict[str, Any], **headers: str) -> Any:
        return self.client.post(url, body, content_type="application/json", **self.auth, **headers)


def test_agent_works_a_conversation_end_to_end(tenants: Tenants) -> None:
    api = Api(tenants, "pa", "agent")
    created = api.post(
        "/api/conversations",
        {"channel": "chat", "client_id": tenants.ca1.pk, "subject": "物流", "message": "在吗"},
    )
    assert created.status_code == 201, created.content
    conversation_id = created.json()["id"]
    assert created.json()["last_message_seq"] == 1 and created.json()["status"] == "new"

    reply = api.post(f"/api/conversations/{conversation_id}/messages", {"body": "您好，请讲"})
    assert reply.status_code == 201 and reply.json()["seq"] == 2 and reply.json()["direction"] == "out"

    messages = api.get(f"/api/conversations/{conversation_id}/messages", after_seq=1).json()
    assert [m["seq"] for m in messages] == [2]

    me = tenants.user("pa", "agent").pk
    assigned = api.post(f"/api/conversations/{conversation_id}/assign", {"agent_id": me})
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == me

    resolved = api.post(
        f"/api/conversations/{conversation_id}/status", {"status": "resolved", "category": "物流"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"

    listed = api.get("/api/conversations", status="resolved").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == conversation_id
    assert api.get(f"/api/conversations/{conversation_id}").json()["first_response_at"] is not None


def test_a_chat_opened_with_its_first_message_answers_as_stored_in_five_statements(tenants: Tenants) -> None:
    """The customer's first message goes into the row the request just created: not read again,
    locked again or re-read for the answer (it was 11 statements), and the answer is the row as
    stored. A message the rules refuse leaves no conversation behind."""
    api = Api(tenants, "pa", "agent")
    body = {"channel": "chat", "client_id": tenants.ca1.pk, "queue": "售前", "message": "这个沙发有现货吗"}
    api.post("/api/conversations", body)  # the token and the scope cached

    with CaptureQueriesContext(connection) as statements:
        created = api.post("/api/conversations", body)
    written = [q["sql"] for q in statements.captured_queries if "SAVEPOINT" not in q["sql"]]

    assert created.status_code == 201, created.content
    answer = created.json()
    read_back = api.get(f"/api/conversations/{answer['id']}").json()
    assert answer == {key: read_back[key] for key in answer}
    assert answer["last_message_seq"] == 1 and answer["status"] == "new"
    stored = Conversation.all_tenants.get(pk=answer["id"])
    assert (stored.last_message_seq, stored.status) == (1, "new")
    assert [m.body for m in stored.messages.all()] == ["这个沙发有现货吗"]
    assert len(written) == 5, written  # the conversation, its event, the message, its event, the row
    before = Conversation.all_tenants.count()
    refused = api.post("/api/conversations", {**body, "message": "有\x00空字符"})
    assert refused.status_code == 422, refused.content
    assert refused.json()["error"]["field"] == "message"
    assert Conversation.all_tenants.count() == before


def test_customer_is_masked_and_unmask_is_audited(tenants: Tenants) -> None:
    agent = Api(tenants, "pa", "agent")
    created = agent.post(
        "/api/customers", {"client_id": tenants.ca1.pk, "name": "欧阳娜娜", "phone": "13912345678"}
    )
    assert created.status_code == 201 and created.json()["phone"] == "139****5678"
    customer_id = created.json()["id"]
    assert agent.get(f"/api/customers/{customer_id}").json()["name"] == "欧阳**"
    denied = agent.post(f"/api/customers/{customer_id}/unmask", {})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"

    supervisor = Api(tenants, "pa", "supervisor")
    clear = supervisor.post(f"/api/customers/{customer_id}/unmask", {"reason": "回访"})
    assert clear.status_code == 200 and clear.json()["phone"] == "13912345678" and not clear.json()["masked"]

    log = Api(tenants, "ca1", "client_admin").get("/api/access-log").json()
    assert log["count"] == 1 and log["items"][0]["resource_id"] == str(customer_id)


def test_idempotent_writes_replay_or_conflict(tenants: Tenants) -> None:
    api = Api(tenants, "ca1", "client_admin")
    body = {"channel": "api", "subject": "退货", "message": "我要退货", "external_id": "tb-1"}
    first = api.post("/api/conversations", body, HTTP_IDEMPOTENCY_KEY="order-77-create")
    again = api.post("/api/conversations", body, HTTP_IDEMPOTENCY_KEY="order-77-create")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    scope = tenants.scope("ca1", "client_admin")
    assert desk_selectors.conversation_list(scope).count() == 1

    other = api.post(
        "/api/conversations", {**body, "subject": "换货"}, HTTP_IDEMPOTENCY_KEY="order-77-create"
    )
    assert other.status_code == 409 and other.json()["error"]["field"] == "Idempotency-Key"

    conversation_id = first.json()["id"]
    url = f"/api/conversations/{conversation_id}/messages"
    for _ in range(2):
        posted = api.post(url, {"body": "补充图片", "direction": "in"}, HTTP_IDEMPOTENCY_KEY="msg-1")
        assert posted.status_code == 201 and posted.json()["seq"] == 2
    assert Message.objects.for_scope(scope).filter(conversation_id=conversation_id).count() == 2
    assert IdempotencyKey.objects.for_scope(scope).count() == 2


def test_a_failed_idempotent_write_can_be_retried(tenants: Tenants) -> None:
    api = Api(tenants, "pa", "agent")
    bad = api.post(
        "/api/conversations", {"channel": "fax", "client_id": tenants.ca1.pk}, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "channel"
    good = api.post(
        "/api/conversations", {"channel": "chat", "client_id": tenants.ca1.pk}, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert good.status_code == 201


def test_bad_input_gets_clear_4xx(tenants: Tenants, conversation: Conversation) -> None:
    api = Api(tenants, "pa", "agent")
    url = f"/api/conversations/{conversation.pk}/messages"

    too_long = api.post(url, {"body": "字" * 20_001})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["field"] == "body" and "20,000" in too_long.json()["error"]["message"]

    unknown_client = api.post("/api/conversations", {"channel": "chat", "client_id": tenants.cb.pk})
    assert unknown_client.status_code == 404 and unknown_client.json()["error"]["field"] == "client_id"

    missing = api.post(url, {})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid"

    for direction in ("in", "out"):  # PostgreSQL cannot store NUL: refused before it gets there
        nul = api.post(url, {"body": "a\u0000b", "direction": direction})
        assert nul.status_code == 422 and nul.json()["error"]["field"] == "body"
        nul = api.post(url, {"body": "hi", "direction": direction, "channel_data": {"k": "a\u0000"}})
        assert nul.status_code == 422 and nul.json()["error"]["field"] == "channel_data"
        nul = api.post(url, {"body": "hi", "direction": direction, "external_id": "a\u0000"})
        assert nul.status_code == 422 and nul.json()["error"]["field"] == "external_id"

    status = api.post(f"/api/conversations/{conversation.pk}/status", {"status": "resolved"})
    assert status.status_code == 422 and status.json()["error"]["field"] == "category"

    bad_key = api.post(url, {"body": "hi"}, HTTP_IDEMPOTENCY_KEY="x" * 201)
    assert bad_key.status_code == 422

    assert api.get("/api/conversations/999999").status_code == 404


def test_card_numbers_posted_through_the_api_are_redacted(
    tenants: Tenants, conversation: Conversation
) -> None:
    api = Api(tenants, "pa", "agent")
    posted = api.post(
        f"/api/conversations/{conversation.pk}/messages", {"body": "卡号4111111111111111", "direction": "in"}
    )
    assert posted.status_code == 201
    assert "4111111111111111" not in posted.json()["body"] and posted.json()["redactions"] == ["card"]
