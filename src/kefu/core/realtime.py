"""Publishing small events to WebSocket groups, only after the transaction commits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def publish(group: str, event_type: str, **payload: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "kefu.event", "event": {"type": event_type, **payload}})


def publish_on_commit(group: str, event_type: str, **payload: Any) -> None:
    """Pages re-fetch their partial when told; a rolled-back change tells nobody."""
    transaction.on_commit(lambda: publish(group, event_type, **payload))
