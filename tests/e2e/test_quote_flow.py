"""An account manager fills an intake with a client, prices it and sends the quote; the client's
admin accepts one option (issue 14: intake → quote → accept)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.engagements.quoting import demo as quoting_demo
from kefu.engagements.quoting import services
from kefu.engagements.quoting.models import Quote
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e


@pytest.fixture
def sellers(transactional_db: None) -> None:
    demo.load(today=timezone.localdate())
    helin = tenancy_selectors.membership_list_for_role(
        tenancy_selectors.organization_by_slug("dingmao"), role="account_manager"
    )[0]
    scope = tenancy_selectors.scope_for_membership(helin)
    services.cost_model_save(scope, name="杭州基地标准坐席", data=quoting_demo.DINGMAO_COSTS)


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{url}/")


def test_intake_quote_accept(live_server: Any, sellers: None, browser: Any) -> None:
    url = live_server.url
    seller = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = seller.new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    _sign_in(page, url, "helin")
    page.click("nav.side >> text=报价")
    page.click("#new-intake")
    page.select_option("#id_client", label="轻语美妆官方店")
    page.fill("#id_client_name", "轻语美妆官方店")
    page.check("input[name=business_types][value=after_sales]")
    page.fill("#id_daily_inquiries", "700")
    page.fill("#id_chat_share", "85")
    page.fill("#id_phone_share", "15")
    page.fill("#id_email_share", "0")
    page.click("#intake-form button[type=submit]")
    page.wait_for_url("**/engagements/quotes/intakes/*/")
    page.fill("#id_options", "8,10")
    page.click("#make-quote button[type=submit]")
    page.wait_for_selector("#staffing-chart canvas")
    assert page.locator("#options tr[data-seats]").count() == 2
    page.click("#send-quote")
    page.wait_for_selector("#quote-status >> text=已发送")
    seller.close()

    buyer = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 900})
    page = buyer.new_page()
    page.set_default_timeout(60_000)
    _sign_in(page, url, "songqian")
    page.goto(f"{url}/engagements/quotes/")
    page.locator("#intakes a").first.click()
    page.locator("#quotes a").first.click()
    page.select_option("#id_seats", "10")
    page.fill("#id_reason", "夜间覆盖更稳")
    page.click("#accept-quote")
    page.wait_for_selector("#quote-status >> text=已接受")
    buyer.close()
    quote = Quote.all_tenants.get()
    assert (quote.status, quote.accepted_seats, quote.decision_reason) == (
        Quote.Status.ACCEPTED,
        10,
        "夜间覆盖更稳",
    )
