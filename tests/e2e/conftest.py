"""Browser fixtures: Debian's Chromium driven by Playwright, never a downloaded browser."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time (as Django's own single-thread live
    server tests do). The test database on SQLite is one shared in-memory database; requests
    in parallel threads (a page, its header's bell, a form posted again on a dropped
    keep-alive connection) then collide in it ("cannot release savepoint - SQL statements in
    progress", a session deleted mid-request) and the page answers 500. A real installation's
    file database does not share a cache that way. Without threads the server closes each
    connection after its answer, and the browser's parallel requests wait their turn."""

    busy = threading.Lock()  # held while a request is answered (`page` waits for it)

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the server's own thread already uses the overrides

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.busy:
            super().process_request(request, client_address)


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_sqlite() -> Iterator[None]:
    from django.conf import settings
    from django.test.testcases import LiveServerThread

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _SerialWSGIServer
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright keeps an event loop running in this thread
    while it is open, which would break sync-to-async bridges in later, unrelated tests."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures) are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    # a request the page left in flight (a presence heartbeat) is answered before the test's
    # database is flushed: on SQLite's shared in-memory database the two collided ("couldn't be
    # flushed", and the request answered 500)
    with _SerialWSGIServer.busy:
        pass
