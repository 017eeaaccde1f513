"""WebSocket routes; each app that talks realtime appends its consumers here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
