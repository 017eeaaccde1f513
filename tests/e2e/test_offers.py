"""A chat arrives in a queue; the online agent's workspace shows the offer at once over the
socket, with a countdown; the agent accepts and lands in the conversation, now theirs.

The real ASGI application (HTTP + WebSocket) runs under uvicorn in a thread of this process
(as in test_web_chat_widget), so the routing wake-up after the API call that opens the chat
publishes on the server's loop, where the agent's socket lives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.desk.models import Conversation
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants
from tests.e2e.test_web_chat_widget import _api, asgi_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("KEFU_SHOTS", "")
QUEUE = "家居-售前-在线"


@pytest.fixture
def floor(tenants: Tenants) -> Iterator[Any]:
    admin = tenants.scope("pa", "provider_admin")
    agent = tenants.user("pa", "agent")
    routing_services.queue_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name=QUEUE, offer_timeout_s=90
    )
    skill = routing_selectors.skill_list(admin, kind="queue").get(name=QUEUE)
    routing_services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
    routing_services.certification_create(
        admin, user_id=agent.pk, client_id=tenants.ca1.pk, valid_from=timezone.now() - timedelta(days=1)
    )
    routing_services.presence_set(admin, agent_id=agent.pk, state="online")
    yield agent


def test_an_offer_appears_in_the_workspace_and_the_agent_accepts_it(
    tenants: Tenants,
    asgi_server: str,  # noqa: F811 (the fixture imported above)
    floor: Any,
    password: str,
    page: Any,
) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{asgi_server}/login/")
    page.fill("#id_username", floor.username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{asgi_server}/")
    page.goto(f"{asgi_server}/desk/")
    page.wait_for_selector("#offers", state="attached")  # not a string to evaluate (the page's CSP)
    page.wait_for_timeout(1500)  # the socket connects after the page loads
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "supervisor"), name="e2e")

    chat = _api(
        asgi_server,
        raw,
        "/conversations",
        {"channel": "chat", "client_id": tenants.ca1.pk, "queue": QUEUE, "message": "请问什么时候发货？"},
    )

    offer = page.locator("#offers .offer")
    offer.wait_for()
    assert QUEUE in offer.inner_text()
    assert "秒" in page.locator("#offers .offer-left").inner_text()  # the countdown
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/offer-zh.png")
        page.set_viewport_size({"width": 400, "height": 800})
        page.screenshot(path=f"{SHOTS}/offer-zh-400.png")
        page.set_viewport_size({"width": 1280, "height": 720})

    # a reload (here: switching the language) shows the pending offer again, from GET /api/offers
    page.select_option("#language-switcher select", "en")
    page.wait_for_selector("#offers .offer-accept:text('Accept')")
    assert "s left" in page.locator("#offers .offer-left").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/offer-en.png")
    page.click("#offers .offer-accept")
    page.wait_for_url(f"{asgi_server}/desk/c/{chat['id']}/")
    assert Conversation.all_tenants.get(pk=chat["id"]).assignee_id == floor.pk
