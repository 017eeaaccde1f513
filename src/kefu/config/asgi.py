"""ASGI entry: HTTP to Django, WebSocket to Channels consumers (added by the apps)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.base")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from kefu.config.websocket import websocket_urlpatterns  # noqa: E402
from kefu.connectors.asgi import widget_sockets_first  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Widget sockets come from the shops' own sites and check their origin themselves;
        # staff sockets accept only Kefu's own hosts.
        "websocket": widget_sockets_first(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
