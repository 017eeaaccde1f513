"""Anyone signed in opens the metric dictionary from the navigation, in Chinese and in English."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("KEFU_SHOTS")  # a directory: also save screenshots there


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def test_the_dictionary_page_from_the_navigation(
    live_server: Any, transactional_db: None, tenants: Tenants, password: str, page: Any
) -> None:
    page.set_default_timeout(60_000)  # a loaded CI machine: the first page compiles templates
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenants.user("ca1", "client_viewer").username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.side >> text=指标字典")

    page.wait_for_url(f"{live_server.url}/analytics/metrics/")
    assert page.locator("h1").inner_text() == "指标字典"
    assert page.locator("#metric-first_response_time h2").inner_text().startswith("首次响应时长")
    assert "不含内部备注" in page.locator("#metric-first_response_time").inner_text()
    assert "不含自动质检分" in page.locator("#metric-qa_score").inner_text()  # kept apart from auto-QA
    _shot(page, "dictionary-zh")

    page.select_option("#language-switcher select", "en")
    page.wait_for_selector("h1:text('Metric dictionary')")
    assert "Top-2" not in page.locator("#metric-csat h2").inner_text()
    assert "score of 4 or 5" in page.locator("#metric-csat").inner_text()
    page.locator("#metric-csat").scroll_into_view_if_needed()
    _shot(page, "dictionary-en")

    page.set_viewport_size({"width": 400, "height": 860})
    page.locator("#metric-first_response_time").scroll_into_view_if_needed()
    _shot(page, "dictionary-narrow-en")
