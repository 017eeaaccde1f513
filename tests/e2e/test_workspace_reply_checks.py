"""What the workspace shows before a reply leaves: an unfilled phrase variable stops the send
with a warning, a phrase's fallback fills in, an offline-form message says where (not) a
reply can go; the customer's rating on the conversation; audit records as sentences with
the raw record a click away; unread badges that stay round on a narrow screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.connectors.services import CHANNEL_PERMISSIONS
from kefu.core import realtime
from kefu.core.scope import Scope
from kefu.desk import services as desk_services
from kefu.knowledge import services as knowledge_services
from kefu.quality import services as quality_services
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e


def _scope(username: str, org_slug: str) -> Any:
    user = tenancy_selectors.user_get_by_username(username)
    organization = tenancy_selectors.organization_by_slug(org_slug)
    return tenancy_selectors.scope_for_user(user, organization_id=organization.pk)


@pytest.fixture
def ids(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    with monkeypatch.context() as patch:  # nobody listens during the setup (see test_workspace)
        patch.setattr(realtime, "publish", lambda *args, **kwargs: None)
        return _setup()


def _setup() -> dict[str, int]:
    demo.load(today=timezone.localdate())
    yuejia = tenancy_selectors.organization_by_slug("yuejia")
    lead = _scope("lijing", "dingmao")
    agent = _scope("zhangwei", "dingmao")
    for title, body, shortcut in (
        ("问候", "您好{customer_name}，订单{order_number}我来查一下。", "hi"),
        ("问候（带替代）", "{customer_name|亲}您好，我是{agent_name}。", "hi2"),
    ):
        knowledge_services.quick_phrase_create(
            lead, client_id=yuejia.pk, title=title, body=body, shortcut=shortcut, category="通用"
        )
    visitor = desk_services.conversation_create(  # a web visitor: no name, no order
        agent, channel="chat", client_id=yuejia.pk, subject="网页咨询", message="在吗？"
    )
    desk_services.conversation_assign(agent, conversation_id=visitor.pk, agent_id=agent.user_id)
    customer = desk_services.customer_create(agent, client_id=yuejia.pk, name="王小明", phone="13912345678")
    offline = desk_services.conversation_create(
        agent,
        channel="chat",
        client_id=yuejia.pk,
        customer_id=customer.pk,
        subject="离线留言",
        tags=["offline_form"],
        message="沙发有划痕，请回电",
    )
    provider = tenancy_selectors.organization_by_slug("dingmao")
    channel = Scope.of_tenant(provider_id=provider.pk, client_id=yuejia.pk, permissions=CHANNEL_PERMISSIONS)
    rated = desk_services.conversation_create(
        agent, channel="chat", client_id=yuejia.pk, subject="已解决的咨询", message="发货了吗？"
    )
    desk_services.message_post(agent, conversation_id=rated.pk, body="已发货")
    desk_services.conversation_set_status(agent, conversation_id=rated.pk, status="resolved", category="物流")
    quality_services.survey_answer_record(
        channel, conversation_id=rated.pk, score=4, comment="回复很快", channel="chat"
    )
    escalated = desk_services.conversation_create(
        agent, channel="chat", client_id=yuejia.pk, subject="退货", message="柜门有划痕"
    )
    desk_services.conversation_escalate(agent, conversation_id=escalated.pk, reason="质量问题")
    return {"visitor": visitor.pk, "offline": offline.pk, "rated": rated.pk, "escalated": escalated.pk}


def _sign_in(page: Any, base: str, username: str) -> None:
    page.set_default_timeout(40_000)  # a loaded CI machine; nothing here waits on time
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")


def test_an_unfilled_variable_stops_the_send_and_a_fallback_fills_in(
    live_server: Any, ids: dict[str, int], page: Any
) -> None:
    _sign_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/desk/c/{ids['visitor']}/")
    assert "网页聊天窗口" in page.locator("#reply-route").inner_text()
    box = page.locator("#reply-body")
    box.click()
    box.type("/hi")
    box.press("Tab")
    assert box.input_value() == "您好{customer_name}，订单{order_number}我来查一下。"
    warning = page.locator("#reply-unfilled")
    assert warning.is_visible()
    assert "{customer_name}、{order_number}" in warning.inner_text()
    assert page.locator("#reply-send").is_disabled()
    box.press("Control+Enter")  # held back too
    page.wait_for_timeout(300)
    assert page.locator("#thread .msg-out").count() == 0

    box.fill("")
    box.type("/hi2")
    box.press("Tab")
    assert box.input_value() == "亲您好，我是张伟。"
    assert not warning.is_visible()
    page.click("#reply-send")
    page.wait_for_selector("#thread .msg-out:has-text('亲您好，我是张伟。')")


def test_an_offline_form_message_says_the_reply_cannot_reach_the_customer(
    live_server: Any, ids: dict[str, int], page: Any
) -> None:
    _sign_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/desk/c/{ids['offline']}/")
    route = page.locator("#reply-route").inner_text()
    assert "无法在此联系到顾客" in route and "139****5678" in route
    assert page.locator("#kind-out").is_disabled()
    assert page.locator("#kind-note").is_checked()
    assert "留言表单" in page.locator("#conversation-tags").inner_text()  # the tag in words
    assert "offline_form" not in page.locator("#conversation-tags").inner_text()


def test_the_lead_sees_the_customers_rating(live_server: Any, ids: dict[str, int], page: Any) -> None:
    _sign_in(page, live_server.url, "lijing")
    page.goto(f"{live_server.url}/desk/c/{ids['rated']}/")
    assert "★★★★☆" in page.locator("#rating-panel").inner_text()
    assert page.locator("#rating-comment").inner_text() == "回复很快"


def test_the_audit_log_reads_as_sentences_with_the_raw_record_a_click_away(
    live_server: Any, ids: dict[str, int], page: Any
) -> None:
    _sign_in(page, live_server.url, "wanghaitao")
    page.goto(f"{live_server.url}/audit/")
    row = page.locator("#audit-table tr[data-action='desk.conversation_escalate']")
    assert row.locator(".audit-sentence").inner_text().startswith(f"张伟 将 #{ids['escalated']} 升级给")
    raw = row.locator("details.audit-raw")
    assert not raw.locator("pre").is_visible()
    raw.locator("summary").click()
    assert '"action": "desk.conversation_escalate"' in raw.locator("pre").inner_text()


def test_unread_badges_stay_round_on_a_narrow_screen(
    live_server: Any, ids: dict[str, int], page: Any
) -> None:
    page.set_viewport_size({"width": 400, "height": 800})
    _sign_in(page, live_server.url, "lijing")
    page.goto(f"{live_server.url}/desk/?view=all")
    badge = page.locator(f"#inbox-table tr[data-conversation-id='{ids['offline']}'] .unread")
    shape = badge.evaluate(
        "b => { const r = b.getBoundingClientRect(); return [b.getClientRects().length, r.width, r.height]; }"
    )
    rects, width, height = shape
    assert rects == 1 and height == 18 and width >= height
    status = page.locator(f"#inbox-table tr[data-conversation-id='{ids['offline']}'] .status")
    assert status.evaluate("s => s.getClientRects().length") == 1  # "待甲方处理" on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # the table scrolls, not the page
