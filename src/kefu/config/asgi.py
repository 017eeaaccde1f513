"""ASGI entry: HTTP to Django, WebSocket to Channels consumers (added by the apps).

Bearer-token API calls take a lean Django handler (see `api_asgi`); both handlers run their
requests' sync code on kept threads (`request_threads`). The server's event loop is remembered
so sync code can hand realtime events to it without waiting.
"""

import asyncio
import gc
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.base")

import django
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings

django.setup(set_prefix=False)  # as `get_asgi_application` does, before the apps' imports

from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from kefu.config.api_asgi import ApiASGIHandler, is_bearer_api_call  # noqa: E402
from kefu.config.request_threads import KeptThreadsMixin  # noqa: E402
from kefu.config.websocket import websocket_urlpatterns  # noqa: E402
from kefu.connectors.asgi import widget_sockets_first  # noqa: E402
from kefu.core import realtime  # noqa: E402
from kefu.routing import wakeups  # noqa: E402


class PageASGIHandler(KeptThreadsMixin, ASGIHandler):
    """Django's handler for pages and session-authenticated calls, on kept threads."""


django_asgi_app = PageASGIHandler()
api_asgi_app = ApiASGIHandler()


async def http(scope: dict[str, Any], receive: Any, send: Any) -> None:
    realtime.set_server_loop(asyncio.get_running_loop())
    if is_bearer_api_call(scope):
        return await api_asgi_app(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        # Widget sockets come from the shops' own sites and check their origin themselves;
        # staff sockets accept only Kefu's own hosts.
        "websocket": widget_sockets_first(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# A served process competes for the lead of routing's wake-ups after a while, so that a worker
# leads when one runs (`leader` mode only; docs/routing.md, "Wake-ups").
wakeups.lead(defer_s=settings.KEFU_ROUTING_LEADER_DEFER_S)

# Everything loaded so far lives as long as the process: keep it out of the collector's
# full passes, which otherwise walk every module, model and URL pattern and stall requests.
gc.freeze()
