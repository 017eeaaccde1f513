"""Publishing small events to WebSocket groups, only after the transaction commits."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
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


log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("realtime publish failed", exc_info=future.exception())


def set_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The ASGI server's event loop, where sockets live: sync code hands it events without waiting."""
    global _server_loop
    if _server_loop is not loop:  # once per server (tests start servers on new loops)
        _server_loop = loop


def server_loop() -> asyncio.AbstractEventLoop | None:
    return _server_loop


def _send(messages: list[Message]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    server = _server_loop
    if loop is None and server is not None and server.is_running():
        # A request's worker thread: schedule the send on the server's loop and return at
        # once; waiting for it (async_to_sync) held the request up for a loop round trip.
        asyncio.run_coroutine_threadsafe(_send_all(layer, messages), server).add_done_callback(_log_failure)
    elif loop is None:
        async_to_sync(_send_all)(layer, messages)
    else:  # sync code on a thread that runs an event loop (e.g. a browser driver): don't block it
        task = loop.create_task(_send_all(layer, messages))
        _background.add(task)
        task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()


def publish(group: str, event_type: str, **payload: Any) -> None:
    _send([(group, _message(event_type, payload))])


def publish_many(events: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Several (group, event type, payload) at once, for work already committed."""
    _send([(group, _message(event_type, payload)) for group, event_type, payload in events])


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
