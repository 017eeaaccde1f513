"""The HTTP SMS backend: one JSON POST per message with the bearer token; a 2xx answer is a
delivered invitation ("sent"), anything else stays pending with the gateway's error."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from kefu.quality.models import InvitationStatus
from kefu.quality.surveys import delivery, services, sms
from kefu.quality.tests.test_surveys import DEFINITION, _resolved
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


class Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append(
            {"auth": self.headers["Authorization"], "type": self.headers["Content-Type"], **json.loads(body)}
        )
        self.send_response(Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-7"}' if Gateway.status == 200 else b"quota exceeded")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[type[Gateway]]:
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.status = [], 200
    settings.KEFU_SMS_BACKEND = "kefu.quality.surveys.sms.HttpBackend"
    settings.KEFU_SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.KEFU_SMS_HTTP_TOKEN = "t0ken"
    yield Gateway
    server.shutdown()
    server.server_close()


def _invitation(tenants: Tenants) -> Any:
    services.survey_definition_create(
        tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **DEFINITION
    )
    return services.survey_invitation_create(
        tenants.scope("pa", "agent"),
        conversation_id=_resolved(tenants, channel="phone", phone="13812345678"),
        medium="sms",
    )


def test_a_message_the_gateway_takes_is_sent_with_the_token_and_the_link(
    tenants: Tenants, gateway: type[Gateway]
) -> None:
    invitation = _invitation(tenants)
    assert delivery.deliver_due() == "survey links queued 0, sent 1, reminders 0"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT  # this backend delivers: not "logged"
    [message] = gateway.received
    assert (message["auth"], message["to"]) == ("Bearer t0ken", "13812345678")
    assert message["type"].startswith("application/json")
    token = message["text"].split("/s/")[1].split("/")[0]
    assert services.survey_link_open(token).pk == invitation.pk


def test_a_refusal_keeps_the_invitation_pending_with_the_gateways_answer(
    tenants: Tenants, gateway: type[Gateway]
) -> None:
    gateway.status = 503
    invitation = _invitation(tenants)
    assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.last_error == "HTTP 503: quota exceeded"


def test_no_url_is_an_error_not_a_send(settings: Any) -> None:
    settings.KEFU_SMS_BACKEND = "kefu.quality.surveys.sms.HttpBackend"
    settings.KEFU_SMS_HTTP_URL = ""
    result = sms.send("13812345678", "hi")
    assert (result.accepted, result.error) == (False, "KEFU_SMS_HTTP_URL is not set")
