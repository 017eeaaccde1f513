"""Phone calls from a PBX: signed call events become phone conversations and contact events."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kefu.analytics import selectors as analytics_selectors
from kefu.connectors import cti, signatures
from kefu.connectors.models import CtiEndpoint
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(tenants: Tenants) -> tuple[CtiEndpoint, str]:
    return cti.cti_endpoint_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        name="PBX",
        agent_map={"8001": "pa_agent"},
    )


def send(
    endpoint: tuple[CtiEndpoint, str],
    event: dict[str, Any] | bytes,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    header: str | None = "sign",
) -> Any:
    row, real_secret = endpoint
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {}
    if header == "sign":
        stamp = timestamp if timestamp is not None else int(time.time())
        headers["HTTP_X_KEFU_SIGNATURE"] = signatures.sign(secret or real_secret, body, timestamp=stamp)
    elif header is not None:
        headers["HTTP_X_KEFU_SIGNATURE"] = header
    return Client().post(
        f"/connectors/cti/{row.endpoint_key}/events", data=body, content_type="application/json", **headers
    )


def at(seconds_ago: float) -> str:
    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()


OFFER = {"call_id": "c-1", "type": "offered", "caller": "+86 138-0013-8000", "queue": "售后"}


@pytest.mark.parametrize(
    ("kwargs", "message_part"),
    [
        ({"header": None}, "missing"),
        ({"header": "t=abc,v1=00"}, "missing"),
        ({"secret": "whsec_wrong"}, "missing"),
        ({"timestamp": int(time.time()) - 600}, "expired"),
    ],
    ids=["missing", "malformed", "wrong-secret", "stale"],
)
def test_unsigned_or_badly_signed_events_are_refused(
    endpoint: tuple[CtiEndpoint, str], kwargs: dict[str, Any], message_part: str, in_english: None
) -> None:
    response = send(endpoint, OFFER, **kwargs)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert message_part in response.json()["error"]["message"]
    assert not CtiEndpoint.all_tenants.get(pk=endpoint[0].pk).calls.exists()


def test_a_body_changed_after_signing_is_refused(endpoint: tuple[CtiEndpoint, str]) -> None:
    body = json.dumps(OFFER).encode()
    header = signatures.sign(endpoint[1], body, timestamp=int(time.time()))
    response = send(endpoint, body.replace(b"c-1", b"c-2"), header=header)
    assert response.status_code == 401


def test_unknown_or_disabled_key_is_404(endpoint: tuple[CtiEndpoint, str]) -> None:
    response = Client().post("/connectors/cti/nope-nope/events", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    CtiEndpoint.all_tenants.filter(pk=endpoint[0].pk).update(enabled=False)
    assert send(endpoint, OFFER).status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b"{not json", "bad_json", None),
        (json.dumps({"call_id": "c", "type": "ringing"}).encode(), "invalid", "type"),
        (json.dumps({"type": "offered"}).encode(), "invalid", "call_id"),
        (json.dumps({"call_id": "c", "type": "offered", "at": "yesterday"}).encode(), "invalid", "at"),
        (
            json.dumps({"call_id": "c", "type": "recording", "recording_url": "ftp://x"}).encode(),
            "invalid",
            "recording_url",
        ),
    ],
)
def test_bad_events_are_422(
    endpoint: tuple[CtiEndpoint, str], body: bytes, code: str, field: str | None
) -> None:
    response = send(endpoint, body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert response.json()["error"].get("field") == field


def test_a_full_call_is_a_phone_conversation_with_its_events(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    agent = tenants.user("pa", "agent")
    created = send(endpoint, {**OFFER, "at": at(300)})
    assert created.status_code == 201
    conversation_id = created.json()["conversation_id"]
    assert (
        send(endpoint, {"call_id": "c-1", "type": "answered", "at": at(280), "agent": "8001"}).status_code
        == 201
    )
    send(
        endpoint, {"call_id": "c-1", "type": "recording", "recording_url": "https://pbx.example.cn/r/c-1.mp3"}
    )
    assert send(endpoint, {"call_id": "c-1", "type": "ended", "at": at(100)}).status_code == 201

    scope = tenants.scope("pa", "supervisor")
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    assert (conversation.channel, conversation.status, conversation.assignee_id) == (
        "phone",
        "open",
        agent.pk,
    )
    assert conversation.client_id == tenants.ca1.pk and conversation.queue == "售后"
    assert "138****8000" in conversation.subject
    customer = desk_selectors.customer_row(scope, customer_id=conversation.customer_id)
    assert customer.phone == "+86 138-0013-8000"
    kinds = [e.type for e in analytics_selectors.contact_event_list(scope, conversation_id=conversation_id)]
    assert kinds == ["offered", "message_in", "assigned", "message_out", "first_response"]
    first = analytics_selectors.contact_event_list(
        scope, conversation_id=conversation_id, type="first_response"
    )
    assert first[0].agent_id == agent.pk and first[0].value_s == pytest.approx(20, abs=1)
    thread = desk_selectors.message_list(scope, conversation_id=conversation_id)
    assert [m.direction for m in thread] == ["in", "out", "note", "note"]
    assert "https://pbx.example.cn/r/c-1.mp3" in thread[2].body
    assert thread[2].channel_data["cti"]["recording_url"].endswith("c-1.mp3")


def test_a_known_caller_gets_their_customer_record(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    first = send(endpoint, OFFER).json()["conversation_id"]
    second = send(endpoint, {**OFFER, "call_id": "c-2", "caller": "13800138000"}).json()["conversation_id"]
    scope = tenants.scope("pa", "supervisor")
    one = desk_selectors.conversation_get(scope, conversation_id=first)
    two = desk_selectors.conversation_get(scope, conversation_id=second)
    assert one.customer_id == two.customer_id is not None


def test_an_abandoned_call_emits_abandoned_with_the_wait(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    conversation_id = send(endpoint, {**OFFER, "at": at(100)}).json()["conversation_id"]
    assert send(endpoint, {"call_id": "c-1", "type": "abandoned", "at": at(55)}).status_code == 201
    send(endpoint, {"call_id": "c-1", "type": "ended", "at": at(54)})

    scope = tenants.scope("pa", "supervisor")
    abandoned = list(
        analytics_selectors.contact_event_list(scope, conversation_id=conversation_id, type="abandoned")
    )
    assert len(abandoned) == 1
    assert abandoned[0].value_s == pytest.approx(45, abs=1) and abandoned[0].channel == "phone"
    assert abandoned[0].data == {"call_id": "c-1", "by": "abandoned"}
    assert desk_selectors.conversation_get(scope, conversation_id=conversation_id).status == "closed"
    assert not analytics_selectors.contact_event_list(
        scope, conversation_id=conversation_id, type="first_response"
    )


def test_a_hang_up_goes_through_the_desks_abandon(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the desk's abandon service, watched
    calls: list[dict[str, Any]] = []
    real = desk_services.conversation_abandon

    def watched(scope: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(scope, **kwargs)

    monkeypatch.setattr(desk_services, "conversation_abandon", watched)

    # when a call is offered and the caller hangs up before an answer
    conversation_id = send(endpoint, OFFER).json()["conversation_id"]
    send(endpoint, {"call_id": "c-1", "type": "ended"})

    # then the connector asked the desk to abandon it, once, with the call id
    assert calls == [{"conversation_id": conversation_id, "reason": "ended", "details": {"call_id": "c-1"}}]


def test_a_hang_up_after_the_desk_closed_the_call_is_not_an_abandon(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    # given a call whose conversation a supervisor already closed
    conversation_id = send(endpoint, OFFER).json()["conversation_id"]
    scope = tenants.scope("pa", "supervisor")
    desk_services.conversation_set_status(scope, conversation_id=conversation_id, status="closed")

    # when the PBX reports the hang-up
    response = send(endpoint, {"call_id": "c-1", "type": "abandoned"})

    # then it is taken (no retry loop) and, as the desk's rule says, no abandon is counted
    assert response.status_code == 201
    assert not analytics_selectors.contact_event_list(
        scope, conversation_id=conversation_id, type="abandoned"
    )


def test_a_pbx_retry_changes_nothing(tenants: Tenants, endpoint: tuple[CtiEndpoint, str]) -> None:
    first = send(endpoint, OFFER)
    again = send(endpoint, OFFER)
    answered = {"call_id": "c-1", "type": "answered", "agent": "pa_agent"}
    send(endpoint, answered)
    answered_again = send(endpoint, answered)

    assert (first.status_code, again.status_code, answered_again.status_code) == (201, 200, 200)
    assert again.json() == {"ok": True, "duplicate": True, "conversation_id": first.json()["conversation_id"]}
    scope = tenants.scope("pa", "supervisor")
    assert desk_selectors.conversation_list(scope).filter(channel="phone").count() == 1
    kinds = [
        e.type
        for e in analytics_selectors.contact_event_list(
            scope, conversation_id=first.json()["conversation_id"]
        )
    ]
    assert kinds.count("offered") == 1 and kinds.count("first_response") == 1


def test_a_transfer_reassigns_and_an_unknown_agent_is_422(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    conversation_id = send(endpoint, OFFER).json()["conversation_id"]
    send(endpoint, {"call_id": "c-1", "type": "answered", "agent": "pa_agent"})
    assert send(endpoint, {"call_id": "c-1", "type": "transferred", "agent": "nobody"}).status_code == 422
    assert (
        send(endpoint, {"call_id": "c-1", "type": "transferred", "agent": "pa_supervisor"}).status_code == 201
    )

    scope = tenants.scope("pa", "supervisor")
    assert desk_selectors.conversation_get(scope, conversation_id=conversation_id).assignee_id == (
        tenants.user("pa", "supervisor").pk
    )
    transferred = analytics_selectors.contact_event_list(
        scope, conversation_id=conversation_id, type="transferred"
    )
    assert transferred.count() == 1
    # the refused event left no receipt: the PBX may send it again once the agent exists
    assert send(endpoint, {"call_id": "c-1", "type": "transferred", "agent": "nobody"}).status_code == 422


def test_another_tenant_agent_cannot_take_the_call(
    tenants: Tenants, endpoint: tuple[CtiEndpoint, str]
) -> None:
    send(endpoint, OFFER)
    response = send(endpoint, {"call_id": "c-1", "type": "answered", "agent": "pb_agent"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "agent_id"


def test_the_command_prints_key_and_secret_once(tenants: Tenants, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("cti", "create", "--client", "ca1", "--provider", "pa", "--agent", "8001=pa_agent", "--json")
    printed = json.loads(capsys.readouterr().out)
    row = CtiEndpoint.all_tenants.get(endpoint_key=printed["endpoint_key"])
    assert row.secret == printed["secret"] and row.provider_id == tenants.pa.pk
    assert printed["url"].endswith(f"/connectors/cti/{row.endpoint_key}/events")
    call_command("cti", "list")
    assert printed["secret"] not in capsys.readouterr().out
