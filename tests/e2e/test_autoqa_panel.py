"""A QA inspector finds a low auto-QA score in the list, opens the conversation, and follows a
finding to the message it points at (highlighted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.core import clock
from kefu.desk import services as desk_services
from kefu.quality import autoqa_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.e2e


def test_an_inspector_follows_a_finding_to_its_message(
    live_server: Any, transactional_db: None, tenants: Tenants, password: str, page: Any
) -> None:
    agent = tenants.scope("pa", "agent")
    now = clock.now() - dt.timedelta(hours=1)
    with clock.at(now):
        conversation = desk_services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="怎么还没发货？"
        )
        desk_services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id)
    with clock.at(now + dt.timedelta(seconds=20)):
        desk_services.message_post(agent, conversation_id=conversation.pk, body="你自己看物流")
        desk_services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category="其他"
        )
    autoqa_services.inspect_closed()

    page.set_default_timeout(60_000)  # a loaded machine: the first page compiles templates
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenants.user("pa", "qa_inspector").username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.side >> text=自动质检")
    page.wait_for_url(f"{live_server.url}/quality/autoqa/")
    page.select_option("#id_check", "forbidden_word")
    page.click("#autoqa-filters button")
    page.click(f"#autoqa-results a:text('#{conversation.pk}')")

    page.wait_for_selector("#autoqa-findings")
    assert page.locator("#autoqa-score").inner_text() == "72"
    page.click("#autoqa-findings li[data-check='forbidden_word'] a")

    assert page.url.endswith("#msg-2")
    outline = page.locator("#msg-2").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    assert "你自己看" in page.locator("#autoqa-findings li[data-check='forbidden_word']").inner_text()
