"""A customer chats in the widget embedded on a shop's page; an agent answers through the
API and the answer appears in the widget in real time; resolving asks for a rating.

The real ASGI application (HTTP + WebSocket) runs under uvicorn in a thread of this
process, so it shares the in-memory SQLite test database and the in-memory channel layer.
The shop's page comes from a second little HTTP server on another port (another origin);
a page fulfilled by Playwright itself would count as public and Chromium's private network
access rules would block its requests to the loopback server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from kefu.connectors import services as connector_services
from kefu.desk.models import Conversation
from kefu.quality.models import SurveyAnswer
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_request_at_a_time(app: Any) -> Any:
    """HTTP requests answered one at a time (sockets stay concurrent). On SQLite the test
    database is one shared in-memory database, whose table locks do not wait: a page and its
    header's bell, both saving the session, met "database table is locked" as a 500. A real
    installation's database file waits instead (WAL, busy timeout)."""
    lock = asyncio.Lock()

    async def serial(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        async with lock:
            await app(scope, receive, send)

    return serial


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    import uvicorn

    from kefu.config.asgi import application

    port = _free_port()
    app = _one_request_at_a_time(application) if connection.vendor == "sqlite" else application
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def shop_page() -> Iterator[tuple[str, dict[str, str]]]:
    """A client's web shop: serves `content["html"]` at /, from http://localhost:<port>."""
    content = {"html": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = content["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}", content
    server.shutdown()
    server.server_close()


def _api(base: str, token: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/api{path}",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_customer_chats_agent_answers_in_real_time_and_rating_is_stored(
    tenants: Tenants,
    asgi_server: str,
    shop_page: tuple[str, dict[str, str]],
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kefu.desk import selectors as desk_selectors

    # within service hours whatever the time of the run (the default calendar closes at midnight)
    monkeypatch.setattr(desk_selectors, "client_is_open", lambda client_id, at: True, raising=False)
    shop, content = shop_page
    widget = connector_services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[shop],
        greeting="您好，欢迎光临家居店",
    )
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="e2e")
    content["html"] = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>家居店</title></head>'
        f'<body><h1>家居店</h1><script src="{asgi_server}/widget/{widget.widget_key}.js" async></script>'
        "</body></html>"
    )

    page.goto(f"{shop}/")
    page.locator("[data-kefu=launcher]").click()
    assert page.locator("[data-kefu=launcher]").inner_text().startswith("在线客服")
    page.locator("[data-kefu=input]").fill("你好，沙发什么时候发货？")
    page.locator("[data-kefu=send]").click()
    page.locator('[data-kefu=message][data-seq="1"]').wait_for()

    conversation = Conversation.all_tenants.get()
    assert (conversation.channel, conversation.client_id) == ("chat", tenants.ca1.pk)

    _api(asgi_server, raw, f"/conversations/{conversation.pk}/messages", {"body": "您好，明天就发货"})
    reply = page.locator("[data-kefu=message][data-direction=out]")
    reply.wait_for()
    assert reply.inner_text() == "您好，明天就发货"
    assert page.locator("[data-kefu=message]").count() == 2

    _api(
        asgi_server,
        raw,
        f"/conversations/{conversation.pk}/status",
        {"status": "resolved", "category": "物流"},
    )
    page.locator("[data-kefu=survey]").wait_for()
    page.locator('[data-kefu=star][data-score="5"]').click()
    page.locator("[data-kefu=survey-comment]").fill("很满意")
    page.locator("[data-kefu=survey-submit]").click()
    page.locator("[data-kefu=survey-thanks]").wait_for()
    answer = SurveyAnswer.all_tenants.get()
    assert (answer.score, answer.comment, answer.conversation_id) == (5, "很满意", conversation.pk)

    # a reload keeps the visitor and shows the thread once, from the server's replay
    page.reload()
    page.locator("[data-kefu=launcher]").click()
    page.locator('[data-kefu=message][data-seq="2"]').wait_for()
    assert page.locator("[data-kefu=message]").count() == 2


def test_outside_service_hours_the_widget_takes_a_message_in_english(
    tenants: Tenants,
    asgi_server: str,
    shop_page: tuple[str, dict[str, str]],
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kefu.desk import selectors as desk_selectors

    monkeypatch.setattr(desk_selectors, "client_is_open", lambda client_id, at: False, raising=False)
    shop, content = shop_page
    widget = connector_services.widget_create(
        tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, allowed_origins=[shop]
    )
    content["html"] = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>'
        f'<body><script src="{asgi_server}/widget/{widget.widget_key}.js" async></script></body></html>'
    )

    page.goto(f"{shop}/")
    page.locator("[data-kefu=launcher]").click()
    assert page.locator("[data-kefu=launcher]").inner_text().startswith("Chat with us")
    page.locator("[data-kefu=offline]").wait_for()
    assert page.locator("[data-kefu=input]").is_hidden()
    page.locator("[data-kefu=offline-name]").fill("Ms Li")
    page.locator("[data-kefu=offline-phone]").fill("12")
    page.locator("[data-kefu=offline-message]").fill("Please call me tomorrow morning")
    page.locator("[data-kefu=offline-submit]").click()
    expect(page.locator("[data-kefu=error]")).to_have_text("Enter a valid phone number.")  # 422, in English
    assert not Conversation.all_tenants.exists()

    page.locator("[data-kefu=offline-phone]").fill("13800138000")
    page.locator("[data-kefu=offline-submit]").click()
    page.locator("[data-kefu=offline-thanks]").wait_for()
    conversation = Conversation.all_tenants.get()
    assert (conversation.tags, conversation.messages.get().body) == (
        ["offline_form"],
        "Please call me tomorrow morning",
    )


def test_a_waiting_customer_sees_their_place_move_up_live(
    tenants: Tenants,
    asgi_server: str,
    shop_page: tuple[str, dict[str, str]],
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    from kefu.desk import selectors as desk_selectors
    from kefu.desk import services as desk_services
    from kefu.routing import services as routing_services

    monkeypatch.setattr(desk_selectors, "client_is_open", lambda client_id, at: True, raising=False)
    settings.KEFU_WIDGET_QUEUE_EVERY_S = 1  # the socket looks again every second while waiting
    shop, content = shop_page
    lead = tenants.scope("pa", "supervisor")
    routing_services.queue_create(lead, client_id=tenants.ca1.pk, name="家居-在线")
    widget = connector_services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[shop],
        queue="家居-在线",
    )
    # another customer already waits in the queue
    earlier = desk_services.conversation_create(
        lead, channel="chat", client_id=tenants.ca1.pk, message="在吗", queue="家居-在线"
    )
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "supervisor"), name="e2e")
    content["html"] = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>家居店</title></head>'
        f'<body><script src="{asgi_server}/widget/{widget.widget_key}.js" async></script></body></html>'
    )

    page.goto(f"{shop}/")
    page.locator("[data-kefu=launcher]").click()
    page.locator("[data-kefu=input]").fill("沙发有现货吗？")
    page.locator("[data-kefu=send]").click()
    place = page.locator("[data-kefu=queue]")
    expect(place).to_have_attribute("data-position", "2")
    expect(place).to_contain_text("当前第 2 位")
    expect(place).to_contain_text("暂时无法预计等待时间")

    # an agent takes the earlier customer: this customer moves up without doing anything
    _api(
        asgi_server, raw, f"/conversations/{earlier.pk}/assign", {"agent_id": tenants.user("pa", "agent").pk}
    )
    expect(place).to_have_attribute("data-position", "1")
    expect(place).to_contain_text("预计等待")
    assert "在吗" not in place.inner_text()  # nothing of the other customer
