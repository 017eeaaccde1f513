"""Outbound webhooks: events become signed POSTs to organisations' own URLs, retried with backoff."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.analytics import events
from kefu.analytics.events import ContactEvent, EventType
from kefu.connectors import email, signatures, webhooks
from kefu.connectors.models import WebhookDelivery, WebhookEndpoint
from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it gets and answers `status`."""

    url: str = ""
    status: int = 204
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.KEFU_WEBHOOKS_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kefu"
    yield state
    server.shutdown()
    server.server_close()


def chat_with_reply(tenants: Tenants, client: str = "ca1", provider: str = "pa") -> int:
    """A customer message and an agent's reply, committed (events reach the outbox)."""
    agent = tenants.scope(provider, "agent")
    conversation = desk_services.conversation_create(
        agent, channel="api", client_id=getattr(tenants, client).pk, message="我的快递到哪了？"
    )
    desk_services.message_post(agent, conversation_id=conversation.pk, body="您好，已帮您查询。")
    return conversation.pk


def test_a_delivery_reaches_a_real_server_signed(
    tenants: Tenants, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, secret = webhooks.webhook_create(
        tenants.scope("pa", "provider_admin"), url=receiver.url, event_types=["message_out", "first_response"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        conversation_id = chat_with_reply(tenants)

    report = webhooks.deliver_due()

    assert report == webhooks.SendReport(delivered=2, retrying=0, failed=0)
    kinds = sorted(headers["x-kefu-event"] for headers, _body in receiver.received)
    assert kinds == ["first_response", "message_out"]
    for headers, body in receiver.received:
        signatures.verify(secret, headers["x-kefu-signature"], body, now=time.time())
        payload = json.loads(body)
        assert payload["id"] == headers["x-kefu-delivery"]
        assert payload["data"]["conversation_id"] == conversation_id
        assert headers["content-type"].startswith("application/json")
    out = next(json.loads(b) for h, b in receiver.received if h["x-kefu-event"] == "message_out")
    assert out["data"]["message"]["body"] == "您好，已帮您查询。"
    assert out["data"]["agent_id"] == tenants.user("pa", "agent").pk
    rows = WebhookDelivery.all_tenants.filter(endpoint=endpoint)
    assert {(r.status, r.attempts, r.response_code) for r in rows} == {("delivered", 1, 204)}


def test_failures_are_retried_with_backoff_then_given_up(
    tenants: Tenants, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status = 500
    webhooks.webhook_create(tenants.scope("ca1", "client_admin"), url=receiver.url, event_types=["offered"])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            chat_with_reply(tenants)
        delivery = WebhookDelivery.all_tenants.get()
        waits = []
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
            webhooks.deliver_due()
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            assert webhooks.deliver_due() == webhooks.SendReport(0, 0, 0)  # not due again yet
            if delivery.next_attempt_at is not None:
                waits.append((delivery.next_attempt_at - timezone.now()).total_seconds())
                traveller.move_to(delivery.next_attempt_at)

    assert waits == [30 * 2**n for n in range(webhooks.MAX_ATTEMPTS - 1)]
    assert (delivery.status, delivery.response_code, delivery.last_error) == ("failed", 500, "HTTP 500")
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert len({h["x-kefu-delivery"] for h, _b in receiver.received}) == 1  # one id across retries

    receiver.status = 200
    admin = tenancy_services.api_token_create(user=tenants.user("ca1", "client_admin"), name="t")[1]
    response = Client().post(
        f"/api/webhook-deliveries/{delivery.pk}/redeliver", HTTP_AUTHORIZATION=f"Bearer {admin}"
    )
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert webhooks.deliver_due().delivered == 1


def test_each_organisation_hears_only_about_its_own_conversations(
    tenants: Tenants, django_capture_on_commit_callbacks: Any
) -> None:
    owners = {
        org: webhooks.webhook_create(tenants.scope(org, role), url=f"https://{org}.example.cn/hook")[0]
        for org, role in [
            ("pa", "provider_admin"),
            ("ca1", "client_admin"),
            ("ca2", "client_admin"),
            ("pb", "provider_admin"),
            ("cb", "client_admin"),
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        a_conversation = chat_with_reply(tenants, "ca1", "pa")
        chat_with_reply(tenants, "cb", "pb")

    received: dict[str, set[int]] = {}
    for delivery in WebhookDelivery.all_tenants.select_related("endpoint"):
        org = next(o for o, e in owners.items() if e.pk == delivery.endpoint_id)
        received.setdefault(org, set()).add(delivery.payload["data"]["client_id"])
        if org in ("cb", "pb"):
            assert delivery.payload["data"]["conversation_id"] != a_conversation
    assert received == {
        "pa": {tenants.ca1.pk},
        "ca1": {tenants.ca1.pk},
        "pb": {tenants.cb.pk},
        "cb": {tenants.cb.pk},
    }


def test_events_of_a_rolled_back_transaction_send_nothing(
    tenants: Tenants, django_capture_on_commit_callbacks: Any
) -> None:
    webhooks.webhook_create(tenants.scope("pa", "provider_admin"), url="https://pa.example.cn/hook")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            from django.db import transaction

            with transaction.atomic():
                chat_with_reply(tenants)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert not callbacks
    assert not WebhookDelivery.all_tenants.exists()


def test_the_sink_filters_let_a_batch_skip_the_sinks_only_when_nobody_listens(
    tenants: Tenants, django_capture_on_commit_callbacks: Any
) -> None:
    """The ingest path on the event loop asks `events.wanted` before handing events to a thread."""
    webhooks.endpoints_cache_clear()
    with django_capture_on_commit_callbacks(execute=True):  # the sinks ran: pa/ca1 has no endpoint
        conversation_id = chat_with_reply(tenants)
    batch = list(ContactEvent.all_tenants.filter(conversation_id=conversation_id).order_by("id"))
    inbound = [event for event in batch if event.type == EventType.MESSAGE_IN]
    assert inbound and not webhooks.may_want(inbound) and not email.may_want(inbound)
    assert not events.wanted(inbound) and not events.wanted([])

    as_email = [ContactEvent(type=EventType.MESSAGE_OUT, channel="email", client_id=tenants.ca1.pk)]
    assert email.may_want(as_email) and events.wanted(as_email)  # an agent's email reply goes out
    other_client = [ContactEvent(type=EventType.MESSAGE_IN, channel="api", client_id=tenants.cb.pk)]
    assert webhooks.may_want(other_client)  # not asked yet: the sink must look

    webhooks.webhook_create(tenants.scope("ca1", "client_admin"), url="https://ca1.example.cn/hook")
    assert webhooks.may_want(inbound) and events.wanted(inbound)  # a new endpoint is heard at once


def test_private_addresses_are_refused_by_default(tenants: Tenants, settings: Any) -> None:
    settings.KEFU_WEBHOOKS_ALLOW_PRIVATE = False
    endpoint, _secret = webhooks.webhook_create(
        tenants.scope("pa", "provider_admin"), url="http://127.0.0.1:9/x"
    )
    delivery = webhooks.webhook_ping(tenants.scope("pa", "provider_admin"), webhook_id=endpoint.pk)
    assert delivery.status == "pending" and "private" in delivery.last_error


# --- the API ---------------------------------------------------------------------------------
def bearer(tenants: Tenants, org: str, role: str) -> dict[str, str]:
    raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_admins_manage_their_endpoints_through_the_api(tenants: Tenants, receiver: Receiver) -> None:
    admin = bearer(tenants, "pa", "provider_admin")
    created = Client().post(
        "/api/webhooks",
        data={"url": receiver.url, "event_types": ["resolved"]},
        content_type="application/json",
        **admin,
    )
    assert created.status_code == 201, created.content
    webhook = created.json()
    assert webhook["secret"].startswith("whsec_")

    ping = Client().post(f"/api/webhooks/{webhook['id']}/ping", **admin)
    assert ping.status_code == 200 and ping.json()["status"] == "delivered"
    headers, body = receiver.received[0]
    assert headers["x-kefu-event"] == "ping"
    signatures.verify(webhook["secret"], headers["x-kefu-signature"], body, now=time.time())

    listed = Client().get(f"/api/webhooks/{webhook['id']}/deliveries", **admin).json()
    assert [d["event_type"] for d in listed["items"]] == ["ping"] and listed["items"][0][
        "webhook_id"
    ] == webhook["id"]
    updated = Client().patch(
        f"/api/webhooks/{webhook['id']}", data={"enabled": False}, content_type="application/json", **admin
    )
    assert updated.json()["enabled"] is False
    assert "secret" not in Client().get(f"/api/webhooks/{webhook['id']}", **admin).json()
    # the client admin of a served client does not see the provider's endpoints, and vice versa
    client_admin = bearer(tenants, "ca1", "client_admin")
    assert Client().get("/api/webhooks", **client_admin).json() == []
    assert Client().get(f"/api/webhooks/{webhook['id']}", **client_admin).status_code == 404
    assert Client().get("/api/webhooks", **bearer(tenants, "pa", "agent")).status_code == 403
    assert Client().delete(f"/api/webhooks/{webhook['id']}", **admin).status_code == 204
    assert not WebhookEndpoint.all_tenants.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.cn/hook"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://example.cn/hook", "event_types": ["everything"]}, "event_types"),
    ],
)
def test_bad_endpoints_are_422(tenants: Tenants, body: dict[str, Any], field: str) -> None:
    response = Client().post(
        "/api/webhooks", data=body, content_type="application/json", **bearer(tenants, "ca1", "client_admin")
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_backoff_doubles_from_thirty_seconds() -> None:
    assert [webhooks.backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]
