"""Publishing small events to WebSocket groups, only after the transaction commits."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

Message = tuple[str, dict[str, Any]]


def _message(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "kefu.event", "event": {"type": event_type, **payload}}


async def _send_all(layer: Any, messages: list[Message]) -> None:
    for group, message in messages:
        await layer.group_send(group, message)


def _send(messages: list[Message]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        async_to_sync(_send_all)(layer, messages)
    else:  # sync code on a thread that runs an event loop (e.g. a browser driver): don't block it
        task = loop.create_task(_send_all(layer, messages))
        _background.add(task)
        task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()


def publish(group: str, event_type: str, **payload: Any) -> None:
    _send([(group, _message(event_type, payload))])


class _Batch:
    """Events of one transaction, sent together after it commits (one hop to the event loop).

    Registered once per transaction as an on-commit callback, so a rollback drops it with
    everything in it. Events are hints (pages re-fetch the truth), so one published for work
    undone by an inner savepoint only costs a re-fetch.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self) -> None:
        _send(self.messages)


def publish_on_commit(group: str, event_type: str, **payload: Any) -> None:
    """Pages re-fetch their partial when told; a rolled-back change tells nobody."""
    connection = transaction.get_connection()
    message = (group, _message(event_type, payload))
    if not connection.in_atomic_block:
        _send([message])
        return
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Batch):
            callback.messages.append(message)
            return
    batch = _Batch()
    batch.messages.append(message)
    transaction.on_commit(batch)
