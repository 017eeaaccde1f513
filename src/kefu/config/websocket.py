"""WebSocket routes; each app that talks realtime appends its consumers here."""

from django.urls import URLPattern, path

from kefu.connectors.consumers import WidgetConsumer
from kefu.desk.consumers import AgentConsumer
from kefu.floor.consumers import FloorConsumer

websocket_urlpatterns: list[URLPattern] = []
websocket_urlpatterns += [
    path("ws/widget/<str:widget_key>/", WidgetConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
]
websocket_urlpatterns += [path("ws/floor/", FloorConsumer.as_asgi())]
