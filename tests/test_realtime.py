"""Realtime events leave only after commit, together, and never for a rolled-back change."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from kefu.core import realtime


def _received(channel: str) -> list[dict]:
    """Everything waiting on the channel now (the in-memory layer delivers synchronously)."""
    layer = get_channel_layer()

    async def drain() -> list[dict]:
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


@pytest.mark.django_db(transaction=True)
def test_events_are_sent_once_committed_and_dropped_on_rollback() -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("g1", channel)

    with transaction.atomic():
        realtime.publish_on_commit("g1", "conversation.updated", id=1)
        realtime.publish_on_commit("g1", "message.created", id=1, seq=2)
        assert _received(channel) == []  # nothing before the commit
    events = [m["event"] for m in _received(channel)]
    assert events == [
        {"type": "conversation.updated", "id": 1},
        {"type": "message.created", "id": 1, "seq": 2},
    ]

    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.publish_on_commit("g1", "conversation.updated", id=2)
        raise RuntimeError("rolled back")
    assert _received(channel) == []

    realtime.publish_on_commit("g1", "conversation.updated", id=3)  # outside a transaction: at once
    assert [m["event"]["id"] for m in _received(channel)] == [3]
