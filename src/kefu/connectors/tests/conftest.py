"""Helpers of the widget tests: a widget of client ca1 answered by provider pa, and sockets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter

from kefu.config.websocket import websocket_urlpatterns
from kefu.connectors import services
from kefu.connectors.models import WidgetConfig
from kefu.connectors.tests.communicator import WebsocketCommunicator
from kefu.testing.plugin import Tenants

ORIGIN = "https://shop.example.cn"
# The consumers under test, without the host-header origin check asgi.py puts in front.
APP = URLRouter(websocket_urlpatterns)


@pytest.fixture
def widget(tenants: Tenants) -> WidgetConfig:
    return services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[ORIGIN],
        greeting="您好，有什么可以帮您？",
    )


T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run an async scenario from a sync test, in its own thread: the session's browser
    (Playwright's sync API) may keep an event loop running in the test thread. Its
    `database_sync_to_async` calls run in that thread, hence `django_db(transaction=True)`."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(scenario)).result()


def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service that publishes on commit outside the test thread, for the same reason."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.fixture(autouse=True)
def _fresh_layer() -> None:
    run(get_channel_layer().flush)


def widget_socket(key: str, *, origin: str | None = ORIGIN, visitor: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())] if origin else []
    return WebsocketCommunicator(APP, f"/ws/widget/{key}/?visitor={visitor}", headers=headers)


async def open_widget(key: str, *, visitor: str = "") -> tuple[WebsocketCommunicator, dict[str, Any]]:
    socket = widget_socket(key, visitor=visitor)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


async def frames_until(socket: WebsocketCommunicator, kind: str, timeout: float = 5) -> list[dict[str, Any]]:
    """Frames received up to and including the first of `kind`."""
    received = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        received.append(frame)
        if frame["type"] == kind:
            return received
