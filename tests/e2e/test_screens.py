"""The screens that used to exist only as API or CLI, driven in a browser as each role would:
an agent opens an after-sales case from a conversation and works it to resolution; the client
admin sets service hours and an SLA target which the provider's team lead then reads; the
provider admin creates and configures a chat widget, copies its tag and meets its pre-chat
form on the sample shop page.

With KEFU_SHOTS_DIR set, each screen is also saved as a screenshot (wide and ~400px narrow);
KEFU_E2E_LANG=en runs the same steps in English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kefu.connectors.models import WidgetConfig
from kefu.core import realtime
from kefu.desk import services as desk_services
from kefu.desk.models import Case, ServiceCalendar, SlaPolicy
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e
LANG = os.environ.get("KEFU_E2E_LANG", "zh-CN")
EN = LANG.startswith("en")
SHOTS = os.environ.get("KEFU_SHOTS_DIR", "")


def _t(zh: str, en: str) -> str:
    return en if EN else zh


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale=LANG, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded CI machine is slow, not wrong
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    lang = "en" if EN else "zh"
    page.screenshot(path=str(folder / f"{name}-{lang}.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 400, "height": 800})
    page.screenshot(path=str(folder / f"{name}-{lang}-narrow.png"), full_page=True)
    page.set_viewport_size(size)


def _scope(username: str, org_slug: str) -> Any:
    user = tenancy_selectors.user_get_by_username(username)
    organization = tenancy_selectors.organization_by_slug(org_slug)
    return tenancy_selectors.scope_for_user(user, organization_id=organization.pk)


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{url}/")


@pytest.fixture
def demo_people(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Playwright's loop runs in this thread, where publishing (async_to_sync) is not allowed;
    # nobody listens during these tests anyway.
    monkeypatch.setattr(realtime, "publish", lambda *args, **kwargs: None)
    demo.load(today=timezone.localdate())
    yield


def test_agent_opens_a_case_from_a_conversation_and_resolves_it(
    live_server: Any, demo_people: None, page: Any
) -> None:
    agent = _scope("zhangwei", "dingmao")
    yuejia = tenancy_selectors.organization_by_slug("yuejia")
    conversation = desk_services.conversation_create(
        agent, channel="chat", client_id=yuejia.pk, subject="沙发少发一个靠垫", message="少了一个靠垫",
        order_numbers=["YJ20261201"],
    )  # fmt: skip
    _sign_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/desk/c/{conversation.pk}/")
    page.click("#open-case")
    page.wait_for_url(f"**/desk/c/{conversation.pk}/case/")
    assert page.locator("#id_subject").input_value() == "沙发少发一个靠垫"
    assert page.locator("#id_order_number").input_value() == "YJ20261201"
    page.select_option("#id_type", "exchange")
    _shot(page, "case-create")
    page.click("#case-create button[type=submit]")
    page.wait_for_selector("#case-facts")
    case = Case.all_tenants.get()
    assert page.url.endswith(f"/desk/cases/{case.pk}/")

    # only the moves the workflow allows; no "resolve" before the work starts
    assert {b.get_attribute("data-status") for b in page.locator("#case-moves button").all()} == {
        "in_progress", "waiting_customer", "waiting_client", "closed",
    }  # fmt: skip
    page.click("#case-moves button[data-status=in_progress]")
    page.wait_for_selector("#case-resolve")
    assert page.locator("#case-status").inner_text() == _t("处理中", "In progress")

    page.fill("#id_code", "exchanged")
    page.fill("#id_amount", "99999999999")  # the browser lets it through; 13 digits is too many
    page.click("#case-resolve button[type=submit]")
    page.wait_for_selector("#case-resolve .errorlist")  # a form error, not a crash
    page.fill("#id_amount", "0")
    page.click("#case-resolve button[type=submit]")
    page.wait_for_selector("#case-resolution")
    assert page.locator("#case-resolution").inner_text() == _t("已换货", "Exchanged")
    history = page.locator("#case-history").inner_text()
    assert f"#{conversation.pk}" in history and "case_" not in history
    _shot(page, "case-detail")

    page.click("nav.side a[href='/desk/cases/']")
    page.select_option("#id_status", "resolved")
    page.click("#case-filters button[type=submit]")
    page.wait_for_selector(f"#cases [data-case-id='{case.pk}']")
    _shot(page, "case-list")


def test_client_admin_sets_hours_and_targets_the_provider_reads_them(
    live_server: Any, demo_people: None, page: Any, browser: Any
) -> None:
    _sign_in(page, live_server.url, "linxiao")
    page.click("nav.side a[href='/desk/sla/']")
    page.wait_for_selector("#add-policy")
    page.select_option("#add-policy #id_channel", "chat")
    page.fill("#add-policy #id_first_response_s", "30s")
    page.fill("#add-policy #id_resolution_s", "4h")
    page.click("#add-policy button[type=submit]")
    page.wait_for_selector("#sla-policies td:has-text('30s')")

    page.click("#edit-hours summary")
    page.fill("#calendar-form #id_sat", "10:00-16:00")
    page.fill("#calendar-form #id_sun", "bad")
    page.click("#calendar-form button[type=submit]")
    page.wait_for_selector("#calendar-form .errorlist")  # bad hours: a form error, typed text kept
    assert page.locator("#calendar-form #id_sat").input_value() == "10:00-16:00"
    page.fill("#calendar-form #id_sun", "")
    page.fill("#calendar-form #id_overrides", "2026-10-11 09:00-18:00\n2026-12-24 closed")
    page.click("#calendar-form button[type=submit]")
    page.wait_for_selector("#calendar-overrides")
    calendar = ServiceCalendar.all_tenants.get()
    assert calendar.weekly["sat"] == ["10:00-16:00"] and "sun" not in calendar.weekly
    assert SlaPolicy.all_tenants.get().first_response_s == 30
    _shot(page, "sla-client-admin")

    lead = browser.new_context(locale=LANG, viewport={"width": 1280, "height": 900}).new_page()
    lead.set_default_timeout(60_000)
    _sign_in(lead, live_server.url, "lijing")
    lead.click("nav.side a[href='/desk/sla/']")
    lead.select_option("#client-select", str(calendar.client_id))
    lead.wait_for_selector("#calendar-overrides")
    assert lead.locator("#sla-read-only").is_visible()
    assert lead.locator("#add-policy").count() == 0 and lead.locator("#calendar-form").count() == 0
    assert "30s" in lead.locator("#sla-policies").inner_text()
    _shot(lead, "sla-provider")
    lead.context.close()


def test_provider_admin_creates_a_widget_and_copies_its_tag(
    live_server: Any, demo_people: None, page: Any
) -> None:
    _sign_in(page, live_server.url, "wanghaitao")
    page.click("nav.side a[href='/widget/']")
    page.click("#new-widget")
    page.select_option("#id_client", str(tenancy_selectors.organization_by_slug("yuejia").pk))
    page.fill("#id_name", "悦家官网")
    page.fill("#id_allowed_origins", "shop.example")  # not an origin: the form says so
    page.click("#widget-form button[type=submit]")
    page.wait_for_selector("#widget-form .errorlist")
    page.fill("#id_allowed_origins", "*")
    page.fill("#id_queue", "售前")
    page.fill("#id_greeting", "您好，欢迎光临悦家！")
    page.eval_on_selector("#id_color", "(el) => { el.value = '#d4380d'; }")
    page.select_option("#id_pre_name", "required")
    page.select_option("#id_pre_order_number", "optional")
    _shot(page, "widget-new")
    page.click("#widget-form button[type=submit]")
    page.wait_for_selector("#snippet")
    widget = WidgetConfig.all_tenants.get()
    assert (widget.queue, widget.color, widget.pre_chat_fields) == (
        "售前", "#d4380d", {"name": "required", "order_number": "optional"},
    )  # fmt: skip

    tag = page.locator("#snippet").inner_text()
    assert tag == f'<script src="{live_server.url}/widget/{widget.widget_key}.js" async></script>'
    page.click("#copy-snippet")
    page.wait_for_selector(f"#copy-snippet:has-text('{_t('已复制', 'Copied')}')")
    assert page.evaluate("navigator.clipboard.readText()") == tag
    _shot(page, "widget-edit")

    page.goto(f"{live_server.url}/widget/{widget.pk}/try/")
    launcher = page.locator("#kefu-widget >> [data-kefu=launcher]")
    launcher.click()
    assert launcher.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(212, 56, 13)"
    prechat = page.locator("#kefu-widget >> [data-kefu=prechat]")
    assert prechat.is_visible()
    assert page.locator("#kefu-widget >> [data-kefu=prechat-name]").get_attribute("required") == ""
    assert page.locator("#kefu-widget >> [data-kefu=input]").is_hidden()  # asked before typing
    page.click("#kefu-widget >> [data-kefu=prechat-submit]")  # the name is required: still asked
    assert prechat.is_visible() and page.locator("#kefu-widget >> [data-kefu=input]").is_hidden()
    page.fill("#kefu-widget >> [data-kefu=prechat-name]", "王女士")
    page.click("#kefu-widget >> [data-kefu=prechat-submit]")
    page.wait_for_selector("#kefu-widget >> [data-kefu=input]")
    assert prechat.is_hidden()
    _shot(page, "widget-try")
