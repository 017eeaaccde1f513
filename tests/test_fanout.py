"""A server process hears each group once and hands messages to its own sockets (`core.fanout`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from kefu.connectors.tests.conftest import redis_layer, run, staff_socket
from kefu.core import fanout, realtime
from kefu.core.fanout import FannedOutConsumer, ProcessFanout, addressed
from kefu.testing.plugin import Tenants


class Ear:
    def __init__(self) -> None:
        self.heard: list[Any] = []

    def hear(self, message: dict[str, Any]) -> None:
        self.heard.append(message["event"]["n"])


async def _settle(condition: Any, patience: float = 10.0) -> None:
    """Wait until `condition()` holds (a loaded machine), else fail."""
    deadline = asyncio.get_running_loop().time() + patience
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not delivered in time"
        await asyncio.sleep(0.01)


def _event(n: int) -> dict[str, Any]:
    return {"type": "kefu.event", "event": {"n": n}}


def test_sockets_of_one_process_share_one_membership_per_group() -> None:
    layer = InMemoryChannelLayer()

    async def scenario() -> tuple[dict[str, Any], ...]:
        hub = ProcessFanout(layer)
        a, b, c = Ear(), Ear(), Ear()
        await hub.join("inbox", a)
        await hub.join("inbox", b)
        await hub.join("offers.7", c)
        members = {group: len(channels) for group, channels in layer.groups.items()}
        await layer.group_send("inbox", addressed("inbox", _event(1)))
        await layer.group_send("offers.7", addressed("offers.7", _event(2)))
        await layer.group_send("elsewhere", addressed("elsewhere", _event(3)))
        await _settle(lambda: len(a.heard) == 1 and len(c.heard) == 1)
        await hub.leave("inbox", a)
        await layer.group_send("inbox", addressed("inbox", _event(4)))
        await _settle(lambda: len(b.heard) == 2)
        for group, ear in (("inbox", b), ("offers.7", c)):
            await hub.leave(group, ear)
        left = {group: len(channels) for group, channels in layer.groups.items() if channels}
        return members, {"a": a.heard, "b": b.heard, "c": c.heard}, left, (hub.channel, hub.tasks)

    members, heard, left, stopped = asyncio.run(scenario())

    assert members == {"inbox": 1, "offers.7": 1}  # one channel however many sockets
    assert heard == {"a": [1], "b": [1, 4], "c": [2]}
    assert left == {}  # the last socket out leaves the group
    assert stopped == (None, [])  # and nobody reads a channel for nobody


def test_a_socket_that_falls_behind_is_closed_once_and_hears_nothing_more(monkeypatch: Any) -> None:
    monkeypatch.setattr(fanout, "MAX_BACKLOG", 3)
    consumer = FannedOutConsumer()

    async def scenario() -> list[dict[str, Any]]:
        consumer.heard = asyncio.Queue()
        consumer.fell_behind = False
        consumer.channel_name = "fanout!test"
        for n in range(10):
            consumer.hear(_event(n))
        return [consumer.heard.get_nowait() for _ in range(consumer.heard.qsize())]

    assert asyncio.run(scenario()) == [{"type": "kefu.fell_behind"}]


def test_on_redis_a_burst_to_many_sockets_arrives_whole() -> None:
    # given one server process with 500 workspace sockets in one inbox group, each also in its
    # own offers group, and another process that publishes
    prefix = f"kefu-fanout-{id(object())}"
    server = redis_layer(prefix, capacity=settings.CHANNEL_CAPACITY)
    publisher = redis_layer(prefix, capacity=settings.CHANNEL_CAPACITY)
    agents = 500

    async def scenario() -> tuple[int, list[list[int]], list[int]]:
        hub = ProcessFanout(server)
        ears = [Ear() for _ in range(agents)]
        for n, ear in enumerate(ears):
            await hub.join("desk.inbox.1", ear)
            await hub.join(f"routing.offers.{n}", ear)
        members = await server.connection(server.consistent_hash("desk.inbox.1")).zcard(
            server._group_key("desk.inbox.1")
        )
        # when a batch of 300 offers and one inbox hint go out in one commit
        batch = [(f"routing.offers.{n}", addressed(f"routing.offers.{n}", _event(n))) for n in range(300)]
        batch.append(("desk.inbox.1", addressed("desk.inbox.1", _event(-1))))
        await realtime._group_send_many(publisher, batch)
        await _settle(lambda: sum(len(ear.heard) for ear in ears) == 300 + agents)
        await asyncio.sleep(0.2)  # nothing more trickles in
        for n, ear in enumerate(ears):
            await hub.leave("desk.inbox.1", ear)
            await hub.leave(f"routing.offers.{n}", ear)
        await server.flush()
        return members, [ear.heard for ear in ears], [len(hub.listeners), hub.channel is None]

    members, heard, after = asyncio.run(scenario())

    # then the group had one member (the process), and every socket heard exactly its own
    assert members == 1
    for n, got in enumerate(heard):
        assert got == ([n, -1] if n < 300 else [-1]), n
    assert after == [0, True]


pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
def test_two_workspace_tabs_are_one_member_of_the_inbox_and_both_hear_it(tenants: Tenants) -> None:
    from channels.layers import get_channel_layer

    from kefu.desk.consumers import inbox_group

    user = tenants.user("pa", "agent")
    group = inbox_group(tenants.pa.pk)

    async def scenario() -> tuple[int, list[dict[str, Any]], int]:
        layer = get_channel_layer()
        first, second = staff_socket(user), staff_socket(user)
        for socket in (first, second):
            assert (await socket.connect(timeout=5))[0]
            assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        members = len(layer.groups.get(group, {}))
        realtime.publish(
            group, "conversation.updated", id=42, provider_id=tenants.pa.pk, client_id=tenants.ca1.pk
        )
        got = [await first.receive_json_from(timeout=5), await second.receive_json_from(timeout=5)]
        await first.disconnect()
        await second.disconnect()
        return members, got, len(layer.groups.get(group, {}))

    members, got, after = run(scenario)

    assert members == 1
    assert got == [{"type": "conversation.updated", "id": 42}] * 2
    assert after == 0


def test_the_configured_redis_layer_waits_idle_longer_than_its_blocking_read(monkeypatch: Any) -> None:
    # given the channel layer as `REDIS_URL` configures it (redis-py 8 reads time out after 5 s by
    # default, exactly channels_redis's blocking wait: every idle wait failed)
    redis_layer("probe")  # skips without Redis
    import runpy
    from pathlib import Path

    from channels_redis.core import RedisChannelLayer

    import kefu.config.settings.base as base

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/14")
    config = runpy.run_path(str(Path(base.__file__)))["CHANNEL_LAYERS"]["default"]
    layer = RedisChannelLayer(**config["CONFIG"])

    async def idle() -> str:
        channel = await layer.new_channel()
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=layer.brpop_timeout + 1.5)
        except TimeoutError as waited:  # ours: nothing came, and nothing failed
            return type(waited).__module__
        finally:
            await layer.flush()
        return "received"

    # then a process with nothing to hear keeps waiting, without errors
    assert asyncio.run(idle()) == "builtins"
