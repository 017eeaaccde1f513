"""An agent opens a conversation in the workspace, expands a quick phrase with `/tk`,
sends it with Ctrl+Enter, and the reply appears in the thread."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.core import realtime
from kefu.desk import services as desk_services
from kefu.knowledge import services as knowledge_services
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e


def _scope(username: str, org_slug: str) -> Any:
    user = tenancy_selectors.user_get_by_username(username)
    organization = tenancy_selectors.organization_by_slug(org_slug)
    return tenancy_selectors.scope_for_user(user, organization_id=organization.pk)


@pytest.fixture
def conversation_id(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> int:
    # Playwright's event loop runs in this thread, where publishing to the channel layer
    # (async_to_sync) is not allowed; nobody listens during the setup anyway.
    with monkeypatch.context() as patch:
        patch.setattr(realtime, "publish", lambda *args, **kwargs: None)
        return _setup()


def _setup() -> int:
    demo.load(today=timezone.localdate())
    yuejia = tenancy_selectors.organization_by_slug("yuejia")
    agent = _scope("zhangwei", "dingmao")
    knowledge_services.quick_phrase_create(
        _scope("lijing", "dingmao"),
        client_id=yuejia.pk,
        title="退款已提交",
        body="{customer_name}您好，我是{agent_name}，订单{order_number}的退款已提交。",
        shortcut="tk",
        category="售后",
    )
    customer = desk_services.customer_create(agent, client_id=yuejia.pk, name="王小明", phone="13912345678")
    conversation = desk_services.conversation_create(
        agent,
        channel="chat",
        client_id=yuejia.pk,
        customer_id=customer.pk,
        subject="申请退款",
        order_numbers=["YJ20260101"],
        message="你好，我的退款怎么样了？",
    )
    desk_services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id)
    return conversation.pk


def test_agent_expands_a_quick_phrase_and_sends_it(live_server: Any, conversation_id: int, page: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.side a[href='/desk/']")
    page.wait_for_selector(f"#inbox-table [data-conversation-id='{conversation_id}']")
    page.click(f"#inbox-table [data-conversation-id='{conversation_id}'] a >> nth=0")
    page.wait_for_url(f"**/desk/c/{conversation_id}/")
    assert "你好，我的退款怎么样了？" in page.locator("#thread").inner_text()
    assert "139****5678" in page.locator("#customer-panel").inner_text()

    box = page.locator("#reply-body")
    box.click()
    box.type("/tk")
    page.wait_for_selector("#phrase-suggest:not([hidden])")
    box.press("Tab")
    expected = "王您好，我是张伟，订单YJ20260101的退款已提交。"
    assert box.input_value() == expected

    box.press("Control+Enter")
    page.wait_for_selector(f"#thread .msg-out:has-text('{expected}')")
    assert box.input_value() == ""
    assert page.locator("#thread .msg").count() == 2
