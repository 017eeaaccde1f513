"""Publishing small events to WebSocket groups, only after the transaction commits."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from kefu.core.fanout import GROUP_KEY

Message = tuple[str, dict[str, Any]]


def _message(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "kefu.event", "event": {"type": event_type, **payload}}


# bench/routing_e2e.py's tracing: events carry `trace` {published, loop} (epoch seconds) when
# KEFU_REALTIME_TRACE is set, which splits the time between a commit and a socket's frame
TRACE = os.environ.get("KEFU_REALTIME_TRACE") == "1"


def _stamp(messages: list[Message], step: str) -> None:
    at = round(time.time(), 4)
    for _group, message in messages:
        message["event"].setdefault("trace", {})[step] = at


async def _send_all(layer: Any, messages: list[Message]) -> None:
    if TRACE:
        _stamp(messages, "loop")
    if any(MERGE in message for _group, message in messages):
        on_server = _server_loop is not None and asyncio.get_running_loop() is _server_loop
        plain = []
        for group, message in messages:
            key = message.pop(MERGE, None)
            if key is not None and on_server:
                _merger.add(layer, group, message, key)
            else:  # no server loop to hold a window (a worker process): as it is, a list of one
                plain.append((group, message))
        messages = plain
    if messages and _pipelines(layer):  # even one: two round trips to Redis instead of four
        await _group_send_many(layer, messages)
        return
    for group, message in messages:
        await layer.group_send(group, message)


# The script channels_redis's `group_send` runs (each message onto its channel key unless that
# channel is full), with a score per message: keys repeat here (several groups reaching one server
# process) and the scores keep their order, as separate sends would.
_GROUP_SEND_LUA = """
local over_capacity = 0
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], ARGV[i + 2 * #KEYS], ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


def _pipelines(layer: Any) -> bool:
    """A channels_redis layer, whose parts `_group_send_many` uses (else: one send at a time)."""
    return all(
        hasattr(layer, name)
        for name in ("connection", "consistent_hash", "_group_key", "_map_channel_keys_to_connection")
    ) and hasattr(layer, "group_expiry")


async def _group_send_many(layer: Any, messages: list[Message]) -> None:
    """Many `group_send`s in two round trips per Redis connection instead of four per message:
    one pipeline reads every group's members, one runs channels_redis's script over all the
    (channel key, message) pairs. The same effect as sending them one by one, in order: a
    batch of 200 assignments tells 200 agents and 200 conversation pages (docs/routing.md,
    "Batched sends")."""
    now = int(time.time())
    by_connection: dict[int, list[tuple[int, str]]] = {}
    for index, (group, _message) in enumerate(messages):
        by_connection.setdefault(layer.consistent_hash(group), []).append((index, group))
    members: list[list[str]] = [[] for _ in messages]
    for connection_index, items in by_connection.items():
        pipe = layer.connection(connection_index).pipeline(transaction=False)
        for _index, group in items:
            key = layer._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=now - layer.group_expiry)
            pipe.zrange(key, 0, -1)
        answers = await pipe.execute()
        for (index, _group), names in zip(items, answers[1::2], strict=True):
            members[index] = [name.decode("utf8") for name in names]
    keys: dict[int, list[str]] = {}
    payloads: dict[int, list[bytes]] = {}
    capacities: dict[int, list[int]] = {}
    for (_group, message), names in zip(messages, members, strict=True):
        if not names:
            continue
        to_connection, to_message, to_capacity = layer._map_channel_keys_to_connection(names, message)
        for connection_index, channel_keys in to_connection.items():
            keys.setdefault(connection_index, []).extend(channel_keys)
            payloads.setdefault(connection_index, []).extend(to_message[k] for k in channel_keys)
            capacities.setdefault(connection_index, []).extend(to_capacity[k] for k in channel_keys)
    for connection_index, channel_keys in keys.items():
        pipe = layer.connection(connection_index).pipeline(transaction=False)
        for key in dict.fromkeys(channel_keys):
            pipe.zremrangebyscore(key, min=0, max=int(time.time()) - int(layer.expiry))
        start = time.time()
        pipe.eval(
            _GROUP_SEND_LUA,
            len(channel_keys),
            *channel_keys,
            *payloads[connection_index],
            *capacities[connection_index],
            *(f"{start + i * 1e-6:.6f}" for i in range(len(channel_keys))),
            layer.expiry,
        )
        over = (await pipe.execute())[-1]
        if over:
            log.info("%s of %s channel messages dropped: channels over capacity", over, len(channel_keys))


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


class Publisher:
    """A loop of its own on a thread, for a process without a server loop (a long-running
    worker) whose threads publish: without it each publish ran `async_to_sync`, which made a
    new event loop and new Redis connections every time, and held the publishing thread (the
    router's, in `leader` mode) until Redis answered. Messages leave in the order given, one
    batch after the other (a queue with one reader)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue[tuple[Any, list[Message]] | None] | None = None
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), name="kefu-publisher", daemon=True)
        self.thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        started.set()
        try:
            self.loop.run_until_complete(self._drain())
        finally:
            self.loop.close()

    async def _drain(self) -> None:
        assert self.queue is not None
        layers: dict[int, Any] = {}
        while (item := await self.queue.get()) is not None:
            layers[id(item[0])] = item[0]
            try:
                await _send_all(*item)
            except Exception:  # Redis away for a moment: these hints are lost, the next ones go
                log.exception("realtime publish failed")
        for layer in layers.values():  # this loop's Redis connections
            close = getattr(layer, "close_pools", None)
            if close is not None:
                await close()

    def put(self, layer: Any, messages: list[Message]) -> None:
        assert self.queue is not None
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (layer, messages))

    def stop(self, timeout_s: float = 5.0) -> None:
        """Send what is queued (within `timeout_s`), then end the thread."""
        assert self.queue is not None
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)
        self.thread.join(timeout_s)


_publisher: Publisher | None = None


def start_publisher() -> Publisher:
    """This process publishes through a loop of its own from now on (`Publisher`)."""
    global _publisher
    if _publisher is None:
        _publisher = Publisher()
    return _publisher


def stop_publisher() -> None:
    global _publisher
    publisher, _publisher = _publisher, None
    if publisher is not None:
        publisher.stop()


def _send(messages: list[Message]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    for group, message in messages:  # a server process hands it to its sockets by group
        message[GROUP_KEY] = group
    if TRACE:
        _stamp(messages, "published")
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    server = _server_loop
    if loop is None and server is not None and server.is_running():
        # A request's worker thread: schedule the send on the server's loop and return at
        # once; waiting for it (async_to_sync) held the request up for a loop round trip.
        asyncio.run_coroutine_threadsafe(_send_all(layer, messages), server).add_done_callback(_log_failure)
    elif loop is None and _publisher is not None:  # a worker's thread (the router's, say)
        _publisher.put(layer, messages)
    elif loop is None:
        async_to_sync(_send_all)(layer, messages)
    else:  # sync code on a thread that runs an event loop (e.g. a browser driver): don't block it
        task = loop.create_task(_send_all(layer, messages))
        _background.add(task)
        task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()

MERGE = "_merge"  # a message's marker: its event's list under this key may merge with others


class _Merger:
    """Merges listing hints per (group, event type) on the server's loop: the first goes out at
    once and opens a window of `KEFU_HINT_MERGE_S`; the same hints within it go out as one at
    its end, their lists joined (docs/routing.md, "Hint storms"). A thousand agents' inboxes
    hear a provider's hundred new chats a second as a few hints a second, not a hundred."""

    def __init__(self) -> None:
        self.open: set[tuple[str, str]] = set()
        self.pending: dict[tuple[str, str], tuple[Any, str, dict[str, Any], str]] = {}

    def add(self, layer: Any, group: str, message: dict[str, Any], key: str) -> None:
        slot = (group, message["event"]["type"])
        if slot not in self.open:
            self.open.add(slot)
            self._send(layer, [(group, message)])
            asyncio.get_running_loop().call_later(self.window(), self._close, slot)
        elif slot in self.pending:
            self.pending[slot][2]["event"][key].extend(message["event"][key])
        else:
            self.pending[slot] = (layer, group, message, key)

    @staticmethod
    def window() -> float:
        return float(settings.KEFU_HINT_MERGE_S)

    def _close(self, slot: tuple[str, str]) -> None:
        held = self.pending.pop(slot, None)
        if held is None:
            self.open.discard(slot)
            return
        layer, group, message, _key = held
        self._send(layer, [(group, message)])
        asyncio.get_running_loop().call_later(self.window(), self._close, slot)  # still busy

    @staticmethod
    def _send(layer: Any, messages: list[Message]) -> None:
        task = asyncio.ensure_future(_send_all(layer, messages))
        _background.add(task)
        task.add_done_callback(_background.discard)


_merger = _Merger()


def publish_merged_on_commit(group: str, event_type: str, key: str, items: list[Any]) -> None:
    """A hint that lists what changed (`key`: the list), after commit; on a server it may merge
    with the same group's hints of the same type in the next fraction of a second (`_Merger`).
    For groups many sockets hear (a provider's inbox), whose pages only re-fetch."""
    message = _message(event_type, {key: list(items)})
    message[MERGE] = key
    _queue_on_commit((group, message))


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
    _queue_on_commit((group, _message(event_type, payload)))


def _queue_on_commit(message: Message) -> None:
    connection = transaction.get_connection()
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
