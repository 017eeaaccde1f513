"""Staff sockets hear the channel layer through one channel per server process.

With a channel per socket, a message to a group many sockets share (a provider's inbox, heard by
every workspace of a thousand agents) became one channel-layer message per socket: with Redis,
one entry per socket in the process's key, each popped in its own round trip, and all of a
process's sockets sharing that key's capacity, so a burst was partly dropped. Measured at 1,000
agents and 100 chats a second, offers waited 24 s in that queue and most were lost
(bench/routing_e2e.py; docs/routing.md, "One channel per process").

Here a process joins each group once, on one channel, and hands every message to the sockets
of that process that listen to its group, in memory. A message must say which group it was
sent to (`GROUP_KEY`; `core.realtime` and the typing senders add it). Each socket keeps its
own queue, handled in turn with what its browser sends, as channels does with a socket's own
channel; a socket that falls too far behind is closed (`CLOSE_FELL_BEHIND`), and the pages
reconnect and re-fetch.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

log = logging.getLogger(__name__)

GROUP_KEY = "group"  # a channel-layer message's group, for the process to hand it on
CLOSE_FELL_BEHIND = 4408  # the page reconnects and re-fetches what it shows
MAX_BACKLOG = 2000  # messages waiting for one socket before it is closed
MAX_BATCH = 500  # messages taken off Redis in one round trip
REFRESH_EVERY_S = 3600.0  # re-join every group: the layer forgets members after `group_expiry`


def addressed(group: str, message: dict[str, Any]) -> dict[str, Any]:
    """The message as sent to `group`, carrying the group's name for `ProcessFanout`."""
    return {**message, GROUP_KEY: group}


class Listener(Protocol):
    def hear(self, message: dict[str, Any]) -> None: ...


def hand_over(listeners: set[Listener] | tuple[Listener, ...], message: dict[str, Any]) -> None:
    """One message to every listener of its group: through their class's `hear_all` where it
    has one (sockets of a kind that judge a hint once for all who share a view), else each
    listener's `hear`."""
    by_kind: dict[type, list[Listener]] = {}
    for listener in tuple(listeners):
        by_kind.setdefault(type(listener), []).append(listener)
    for kind, same in by_kind.items():
        hear_all = getattr(kind, "hear_all", None)
        if hear_all is not None:
            hear_all(same, message)
        else:
            for listener in same:
                listener.hear(message)


class ProcessFanout:
    """One channel-layer channel of a server process (of an event loop) for all its listeners.

    Groups are joined when their first listener arrives and left when their last one goes; the
    channel is read while anyone listens. Joins and leaves are serialized so the layer sees them
    in order."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.listeners: dict[str, set[Listener]] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []

    async def join(self, group: str, listener: Listener) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = (
                    f"kefu-fanout.{uuid.uuid4().hex}"
                    if _reads_redis(self.layer)
                    else await self.layer.new_channel()
                )
                self.tasks = [asyncio.ensure_future(self._pump()), asyncio.ensure_future(self._refresh())]
            members = self.listeners.setdefault(group, set())
            if not members:
                await self.layer.group_add(group, self.channel)
            members.add(listener)

    async def leave(self, group: str, listener: Listener) -> None:
        async with self.lock:
            members = self.listeners.get(group)
            if members is None or listener not in members:
                return
            members.discard(listener)
            if not members:
                del self.listeners[group]
                await self.layer.group_discard(group, self.channel)
            if not self.listeners:
                await self._stop()

    async def _stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks, self.channel = [], None

    async def _pump(self) -> None:
        from kefu.core.realtime import TRACE  # realtime imports this module

        channel = self.channel
        receive = self._receive_redis if _reads_redis(self.layer) else self._receive_one
        while True:
            try:
                messages = await receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away for a moment: try again, do not lose the process's sockets
                log.exception("fan-out receive failed")
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                if TRACE and isinstance(message.get("event", {}).get("trace"), dict):
                    message["event"]["trace"]["heard"] = round(time.time(), 4)
                hand_over(self.listeners.get(message.get(GROUP_KEY), ()), message)

    async def _receive_one(self, channel: str) -> list[dict[str, Any]]:
        return [await self.layer.receive(channel)]

    async def _receive_redis(self, channel: str) -> list[dict[str, Any]]:
        """Everything waiting on the channel, in two round trips: channels_redis's `receive` takes
        one message per four (its backup queue, kept so no message is lost when a receiver is
        cancelled; these are hints, and a lost process loses its sockets with them), and a batch
        of 200 offers then waited a second. The channel is a plain one with its own key, so no
        other socket's message is in it."""
        key = self.layer.prefix + channel
        connection = self.layer.connection(self.layer.consistent_hash(channel))
        first = await connection.bzpopmin(key, timeout=self.layer.brpop_timeout)
        if first is None:
            return []
        members = [first[1]] + [member for member, _score in await connection.zpopmin(key, MAX_BATCH)]
        messages = []
        for member in members:
            message = self.layer.deserialize(member)
            message.pop("__asgi_channel__", None)
            messages.append(message)
        return messages

    async def _refresh(self) -> None:
        every = min(REFRESH_EVERY_S, float(getattr(self.layer, "group_expiry", 86400)) / 4)
        while True:
            await asyncio.sleep(every)
            async with self.lock:
                for group in tuple(self.listeners):
                    await self.layer.group_add(group, self.channel)


def _reads_redis(layer: Any) -> bool:
    """A channels_redis layer, whose channel keys the fan-out reads itself (`_receive_redis`)."""
    return all(hasattr(layer, name) for name in ("prefix", "connection", "consistent_hash", "deserialize"))


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProcessFanout] = weakref.WeakKeyDictionary()


def process_fanout() -> ProcessFanout | None:
    """This event loop's fan-out over the current channel layer (None without a layer)."""
    layer = get_channel_layer()
    if layer is None:
        return None
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None or fanout.layer is not layer:  # tests swap layers between runs
        fanout = _fanouts[loop] = ProcessFanout(layer)
    return fanout


class FannedOutConsumer(AsyncJsonWebsocketConsumer):
    """A JSON socket that hears its groups through `ProcessFanout` instead of its own channel.

    `__call__` is channels' own with the socket's channel replaced by its queue: the queue's
    messages are dispatched in turn with the browser's, so handlers never interleave.
    `channel_name` stays a unique name, which senders use to recognise their own echo."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = f"fanout!{uuid.uuid4().hex}"
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.hearing: set[str] = set()
        self.fell_behind = False
        self.base_send = send
        try:
            await await_many_dispatch([receive, self.heard.get], self.dispatch)
        except StopConsumer:
            pass
        finally:
            await self.stop_hearing_all()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels' dispatch without its database hop per message: channels (4.3) closes stale
        connections before every handler through the one thread that runs sync code, so a hint
        heard by 500 sockets queued 500 hops there, behind the requests' own work (offers waited
        seconds). These consumers reach the database only through `database_sync_to_async`,
        which closes stale connections around each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def hear(self, message: dict[str, Any]) -> None:
        if self.fell_behind:
            return
        if self.heard.qsize() >= MAX_BACKLOG:  # the browser is not reading: start it afresh
            self.fell_behind = True
            while not self.heard.empty():
                self.heard.get_nowait()
            self.heard.put_nowait({"type": "kefu.fell_behind"})
            log.warning("socket %s fell %s messages behind: closed", self.channel_name, MAX_BACKLOG)
            return
        self.heard.put_nowait(message)

    async def kefu_fell_behind(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_FELL_BEHIND)

    async def start_hearing(self, group: str) -> None:
        fanout = process_fanout()
        if fanout is None or group in self.hearing:
            return
        self.hearing.add(group)
        await fanout.join(group, self)

    async def stop_hearing(self, group: str) -> None:
        fanout = process_fanout()
        if fanout is None or group not in self.hearing:
            return
        self.hearing.discard(group)
        await fanout.leave(group, self)

    async def stop_hearing_all(self) -> None:
        for group in tuple(getattr(self, "hearing", ())):
            await self.stop_hearing(group)
