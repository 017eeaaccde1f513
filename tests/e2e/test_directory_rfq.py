"""A provider lists itself in the directory; a client that does not work with it invites it to
quote beside its own provider, compares, and chooses it (issue 14: RFQ to a new provider)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.engagements.quoting import demo as quoting_demo
from kefu.engagements.quoting import services
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Engagement

pytestmark = pytest.mark.e2e


def _scope(slug: str, role: str) -> Any:
    member = tenancy_selectors.membership_list_for_role(
        tenancy_selectors.organization_by_slug(slug), role=role
    )[0]
    return tenancy_selectors.scope_for_membership(member)


@pytest.fixture
def market(transactional_db: None) -> None:
    demo.load(today=timezone.localdate())
    services.cost_model_save(_scope("yunfan", "provider_admin"), name="扬州", data=quoting_demo.YUNFAN_COSTS)
    services.cost_model_save(_scope("xinghe", "provider_admin"), name="合肥", data=quoting_demo.XINGHE_COSTS)


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{url}/")


def _as(browser: Any, url: str, username: str, width: int = 1280) -> tuple[Any, Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    _sign_in(page, url, username)
    return context, page


def _quote(browser: Any, url: str, username: str, intake_path: str) -> None:
    context, page = _as(browser, url, username)
    page.goto(f"{url}{intake_path}")
    page.fill("#id_options", "20")
    page.click("#make-quote button[type=submit]")
    page.wait_for_selector("#staffing-chart canvas")
    page.click("#send-quote")
    page.wait_for_selector("#quote-status >> text=已发送")
    context.close()


def test_list_invite_quote_choose(live_server: Any, market: None, browser: Any) -> None:
    url = live_server.url
    context, page = _as(browser, url, "zhouhang")
    page.goto(f"{url}/engagements/quotes/")
    page.click("#directory-link")
    page.fill("#id_summary", "扬州基地 260 席")
    page.check("input[name=services][value=pre_sales]")
    page.check("#id_listed")
    page.click("#save-listing")
    page.wait_for_selector("#listed.badge:not(.off)")
    context.close()

    context, page = _as(browser, url, "jk_jingli", width=420)
    page.goto(f"{url}/engagements/directory/")
    page.click("#directory >> text=云帆客服")
    page.wait_for_selector("#profile >> text=扬州基地 260 席")
    page.goto(f"{url}/engagements/quotes/intakes/new/")
    page.fill("#id_client_name", "极客数码专营店")
    page.check("input[name=business_types][value=pre_sales]")
    page.fill("#id_daily_inquiries", "1200")
    page.fill("#id_chat_share", "85")
    page.fill("#id_phone_share", "15")
    page.fill("#id_email_share", "0")
    page.click("#intake-form button[type=submit]")
    page.wait_for_url("**/engagements/quotes/intakes/*/")
    intake_path = page.url.removeprefix(url)
    page.check("#rfqs label:has-text('云帆客服') input")
    page.check("#rfqs label:has-text('星河呼叫中心') input")
    page.click("#invite")
    page.wait_for_url("**/engagements/quotes/rfq/*/")
    rfq_path = page.url.removeprefix(url)
    context.close()

    _quote(browser, url, "zhouhang", intake_path)
    _quote(browser, url, "gaofeng", intake_path)

    context, page = _as(browser, url, "jk_jingli")
    page.goto(f"{url}{rfq_path}")
    row = page.locator("#comparison tr", has_text="云帆客服")
    assert row.locator(".badge").count() == 1  # the outside bidder is marked
    assert page.locator("#comparison tr[data-provider]").count() == 2
    choice = page.locator("#id_choice option", has_text="云帆客服").first.get_attribute("value")
    page.select_option("#id_choice", choice)
    page.fill("#id_reason", "安全资质更好")
    page.click("#decide-rfq")
    page.wait_for_selector("#decision >> text=云帆客服")
    context.close()

    engagement = Engagement.objects.get(provider__slug="yunfan", client__slug="jike")
    assert engagement.status == Engagement.Status.ACTIVE
