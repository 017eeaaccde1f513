"""The wallboard updates live while a customer chats: a lead and the client's manager each have
the wallboard open; a customer writes in the shop's chat widget; both boards show one more
contact waiting without a reload, and the manager's board shows only the client's own queues
(no agents' names).

Runs the real ASGI application (HTTP + WebSocket) under uvicorn, as the widget's own browser test.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kefu.connectors import services as connector_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants
from tests.e2e.test_web_chat_widget import asgi_server, shop_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


def _sign_in(browser: Any, base: str, username: str, password: str) -> Any:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/floor/wallboard/")
    expect(page.locator("#wallboard-live")).to_have_attribute("data-state", "live")  # the socket said hello
    return page


def test_the_wallboard_updates_live_while_a_customer_chats(
    tenants: Tenants,
    asgi_server: str,  # noqa: F811
    shop_page: tuple[str, dict[str, str]],  # noqa: F811
    page: Any,
    browser: Any,
    password: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kefu.desk import selectors as desk_selectors

    monkeypatch.setattr(desk_selectors, "client_is_open", lambda client_id, at: True, raising=False)
    lead = tenants.scope("pa", "supervisor")
    home = routing_services.queue_create(lead, client_id=tenants.ca1.pk, name="家居-在线")
    beauty = routing_services.queue_create(lead, client_id=tenants.ca2.pk, name="美妆-在线")
    shop, content = shop_page
    widget = connector_services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[shop],
        queue="家居-在线",
    )
    content["html"] = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>家居店</title></head>'
        f'<body><h1>家居店</h1><script src="{asgi_server}/widget/{widget.widget_key}.js" async></script>'
        "</body></html>"
    )
    lead_board = _sign_in(browser, asgi_server, "pa_supervisor", password)
    manager_board = _sign_in(browser, asgi_server, "ca1_client_manager", password)
    waiting = f'#wallboard-queues tr[data-queue="{home.pk}"] td.waiting'
    expect(lead_board.locator(waiting)).to_have_text("0")
    expect(manager_board.locator(waiting)).to_have_text("0")

    # a customer writes in the shop's widget
    page.goto(f"{shop}/")
    page.locator("[data-kefu=launcher]").click()
    page.locator("[data-kefu=input]").fill("你好，沙发什么时候发货？")
    page.locator("[data-kefu=send]").click()
    page.locator('[data-kefu=message][data-seq="1"]').wait_for()

    # both boards show it without a reload
    expect(lead_board.locator(waiting)).to_have_text("1")
    expect(manager_board.locator(waiting)).to_have_text("1")
    assert lead_board.locator(f'#wallboard-queues tr[data-queue="{beauty.pk}"]').count() == 1
    assert manager_board.locator(f'#wallboard-queues tr[data-queue="{beauty.pk}"]').count() == 0
    assert manager_board.locator("#wallboard-agents").count() == 0
    assert lead_board.locator("#wallboard-conversations tr[data-conversation]").count() == 1
    lead_board.context.close()
    manager_board.context.close()
