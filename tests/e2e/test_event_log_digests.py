"""A client admin opens the event-log digests, copies a day's head, and reads how to verify it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.analytics import sealing
from kefu.desk import demo as desk_demo
from kefu.tenancy import demo

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("KEFU_SHOTS_DIR", "/tmp/shots-chain"))


@pytest.fixture
def sealed_demo(transactional_db: None) -> None:
    today = timezone.localdate()
    demo.load(today=today)
    desk_demo.load(today=today, history_days=3)
    sealing.seal_pending(lag=0)
    sealing.digests_close()


def test_client_admin_copies_a_digest(live_server: Any, sealed_demo: None, browser: Any) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "linxiao")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.side >> text=事件日志摘要")
    page.wait_for_url("**/analytics/event-log/")
    assert page.locator("h1").inner_text() == "事件日志摘要"
    rows = page.locator("ul.digest-list li")
    assert rows.count() == 3  # the three days before today, newest first
    first_head = rows.first.locator("code.digest").inner_text()
    assert len(first_head) == 64

    button = rows.first.locator("button[data-copy]")
    button.click()
    # a locator's wait, not `wait_for_function`: its later polls evaluate a string, which the
    # page's Content-Security-Policy (no 'unsafe-eval') refuses in current Chromium
    expect(button).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == first_head
    assert page.locator("#verify-yourself").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "digests-zh-narrow.png"), full_page=True)

    page.select_option("#language-switcher select", "en")
    page.wait_for_selector("text=Event log digests")
    page.screenshot(path=str(SHOTS / "digests-en-narrow.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "digests-en-wide.png"), full_page=True)
    context.close()
