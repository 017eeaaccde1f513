"""Realtime events leave only after commit, together, and never for a rolled-back change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from kefu.connectors.tests.conftest import redis_layer
from kefu.core import realtime


@pytest.fixture(autouse=True)
def _no_server_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live server left running by an earlier test in this process would take the sends onto
    its own loop, later than these tests look; they are about commits, not the hand-over."""
    monkeypatch.setattr(realtime, "_server_loop", None)


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


EXPECTED = {"a1": 3, "a2": 1, "b1": 2, "plain": 1}  # how many messages each channel is due


def test_many_group_sends_on_redis_arrive_as_separate_sends_would() -> None:
    # given two processes' channels in three groups, and a plain channel in one of them
    prefix = f"kefu-test-{id(object())}"
    layer, other = redis_layer(prefix), redis_layer(prefix)  # two server processes

    async def run() -> tuple[dict[str, list], bool]:
        a1, a2 = await layer.new_channel(), await layer.new_channel()
        b1 = await other.new_channel()
        plain = f"plain.{prefix}"
        for group, channel in (("g1", a1), ("g1", b1), ("g2", a2), ("g2", plain), ("g3", a1)):
            await layer.group_add(group, channel)
        messages = [
            ("g1", {"type": "kefu.event", "event": {"n": 1}}),
            ("g2", {"type": "kefu.event", "event": {"n": 2}}),
            ("g3", {"type": "kefu.event", "event": {"n": 3}}),
            ("nobody", {"type": "kefu.event", "event": {"n": 4}}),
            ("g1", {"type": "kefu.event", "event": {"n": 5}}),
        ]
        # when they go in one batch
        assert realtime._pipelines(layer)
        await realtime._group_send_many(layer, messages)
        got: dict[str, list] = {}
        for name, channel, by in (
            ("a1", a1, layer),
            ("a2", a2, layer),
            ("b1", b1, other),
            ("plain", plain, layer),
        ):
            got[name] = []
            while True:  # patient for what is due (a loaded machine), brief for anything extra
                patience = 10.0 if len(got[name]) < EXPECTED[name] else 0.3
                try:
                    message = await asyncio.wait_for(by.receive(channel), timeout=patience)
                except TimeoutError:
                    break
                got[name].append(message["event"]["n"])
        await layer.flush()
        return got, True

    got, _ = asyncio.run(run())

    # then each channel has what its groups were sent, once each and in the order sent
    assert got == {"a1": [1, 3, 5], "a2": [2], "b1": [1, 5], "plain": [2]}


def test_listing_hints_merge_on_the_server_loop(settings: Any) -> None:
    # given a server loop and a window of 50 ms
    settings.KEFU_HINT_MERGE_S = 0.05
    layer = get_channel_layer()

    def hint(n: int) -> dict:
        message = realtime._message("conversation.created", {"conversations": [[n, 1, 2]]})
        message[realtime.MERGE] = "conversations"
        return message

    async def run() -> list:
        realtime.set_server_loop(asyncio.get_running_loop())
        channel = await layer.new_channel()
        await layer.group_add("desk.inbox.1", channel)
        # when three hints of one group and type come in a quick row, and one of another type
        for n in (1, 2, 3):
            await realtime._send_all(layer, [("desk.inbox.1", hint(n))])
        await realtime._send_all(layer, [("desk.inbox.1", realtime._message("message.created", {"id": 9}))])
        await asyncio.sleep(0.3)
        got = []
        while True:
            try:
                event = (await asyncio.wait_for(layer.receive(channel), timeout=0.05))["event"]
            except TimeoutError:
                return got
            got.append((event["type"], event.get("conversations"), realtime.MERGE in event))

    try:
        got = asyncio.run(run())
    finally:
        realtime._server_loop = None

    # then the first goes at once, the other two as one at the window's end; others are untouched
    # (their order against another type's hints is not kept: hints only make pages re-fetch)
    assert [g for g in got if g[0] == "conversation.created"] == [
        ("conversation.created", [[1, 1, 2]], False),
        ("conversation.created", [[2, 1, 2], [3, 1, 2]], False),
    ]
    assert sorted(got, key=str) == sorted(
        [
            ("conversation.created", [[1, 1, 2]], False),
            ("message.created", None, False),
            ("conversation.created", [[2, 1, 2], [3, 1, 2]], False),
        ],
        key=str,
    )


def test_a_worker_publishes_through_a_loop_of_its_own_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kefu worker` (the router in `leader` mode) publishes from its threads through one loop
    kept for the process: no `async_to_sync` per publish (a new loop and new Redis connections
    each time), the messages in the order given, and what is queued is sent at the stop."""
    prefix = f"kefu-test-{id(object())}"
    layer = redis_layer(prefix)
    channel = f"plain.{prefix}"
    async_to_sync(layer.group_add)("g", channel)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)

    def no_new_loop(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("published through async_to_sync")

    publisher = realtime.start_publisher()
    monkeypatch.setattr(realtime, "async_to_sync", no_new_loop)
    try:
        for n in range(50):
            realtime._send([("g", {"type": "kefu.event", "event": {"n": n}})])
    finally:
        realtime.stop_publisher()
    monkeypatch.undo()
    assert not publisher.thread.is_alive() and publisher.loop.is_closed()

    async def everything() -> list[int]:
        got = []
        while True:
            try:
                got.append((await asyncio.wait_for(layer.receive(channel), timeout=2.0))["event"]["n"])
            except TimeoutError:
                break
        await layer.flush()
        return got

    assert asyncio.run(everything()) == list(range(50))
