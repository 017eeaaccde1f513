"""A demo agent signs in, sees the shell in Chinese, switches to English and signs out."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.tenancy import demo

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    demo.load(today=timezone.localdate())


def test_agent_signs_in_switches_language_and_signs_out(live_server: Any, demo_data: None, page: Any) -> None:
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "登录客服云"

    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "客服工作台"
    assert page.locator("#current-role").inner_text() == "客服代表"
    assert "悦家家居旗舰店" in page.content()
    assert page.locator("nav.side a").first.inner_text() == "首页"

    page.select_option("#language-switcher select", "en")
    page.wait_for_selector("text=Agent workspace")
    assert page.locator("#current-role").inner_text() == "Agent"
    assert page.locator("#logout").inner_text() == "Sign out"

    page.click("#logout")
    page.wait_for_url("**/login/")
    assert page.locator("h1").inner_text() == "Sign in to Kefu"
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
