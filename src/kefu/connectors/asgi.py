"""Widget sockets bypass the host-origin check that guards the staff sockets.

`config/asgi.py` wraps WebSocket routes in `AllowedHostsOriginValidator`, which only lets
pages served by Kefu's own hosts connect. A chat widget runs on the client's shop, another
origin by design; its consumer checks the `Origin` against the widget's own allowed sites
(closing with 4403) and uses no cookies, so it is routed around that check.
"""

from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from django.urls import path

from kefu.connectors.consumers import WidgetConsumer

WIDGET_PREFIX = "/ws/widget/"

widget_application = URLRouter([path("ws/widget/<str:widget_key>/", WidgetConsumer.as_asgi())])


def widget_sockets_first(application: Any) -> Any:
    """The ASGI websocket app: widget sockets to their consumer, everything else to `application`."""

    async def route(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "websocket" and scope.get("path", "").startswith(WIDGET_PREFIX):
            return await widget_application(scope, receive, send)
        return await application(scope, receive, send)

    return route
