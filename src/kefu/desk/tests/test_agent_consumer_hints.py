"""Inbox hints are judged in memory by each workspace socket (no database read per socket per
hint: that queue held offers up for seconds, docs/routing.md "Offer latency"). No database here:
pytest-django refuses any access, so a read slipping back in fails these tests."""

from __future__ import annotations

import asyncio
from typing import Any

from kefu.core.fanout import hand_over
from kefu.core.scope import OrgKind, Scope
from kefu.desk import consumers
from kefu.desk.consumers import AgentConsumer

PROVIDER, CLIENT, OTHER_CLIENT, OTHER_PROVIDER = 1, 10, 11, 2


def _consumer(user_id: int = 7, provider_id: int = PROVIDER) -> tuple[AgentConsumer, list[dict[str, Any]]]:
    consumer = AgentConsumer()
    consumer.access = Scope(
        user_id=user_id,
        organization_id=provider_id,
        organization_kind=OrgKind.PROVIDER,
        role="agent",
        partner_ids=frozenset({CLIENT}),
    )
    consumer.visible_cache = {}
    consumer.subscribed = set()
    sent: list[dict[str, Any]] = []

    async def send_json(content: dict[str, Any], close: bool = False) -> None:
        sent.append(content)

    consumer.send_json = send_json  # type: ignore[method-assign]
    return consumer, sent


def _hint(kind: str, conversation_id: int, provider_id: int | None, client_id: int | None) -> dict[str, Any]:
    event = {"type": kind, "id": conversation_id, "provider_id": provider_id, "client_id": client_id}
    return {"type": "kefu.event", "event": event}


def test_an_inbox_hint_is_judged_by_its_tenant_keys_and_sends_the_id_only() -> None:
    consumer, sent = _consumer()

    async def scenario() -> None:
        await consumer.kefu_event(_hint("conversation.created", 5, PROVIDER, CLIENT))
        await consumer.kefu_event(_hint("conversation.created", 6, PROVIDER, OTHER_CLIENT))  # not in scope
        await consumer.kefu_event(_hint("message.created", 8, OTHER_PROVIDER, CLIENT))  # another provider's

    asyncio.run(scenario())
    assert sent == [{"type": "conversation.created", "id": 5}]


def test_a_conversation_moved_to_another_provider_stops_reaching_the_first() -> None:
    consumer, sent = _consumer()
    consumer.visible_cache[5] = True  # seen before the move

    asyncio.run(consumer.kefu_event(_hint("conversation.updated", 5, OTHER_PROVIDER, CLIENT)))
    assert sent == []


def test_a_batch_hint_becomes_a_frame_per_subscribed_conversation_and_one_for_the_rest() -> None:
    # given a socket of provider 1's agent, partner of client 10 only, with conversation 8 open
    consumer, sent = _consumer()
    consumer.subscribed = {8}
    batch = [
        [5, PROVIDER, CLIENT],
        [6, PROVIDER, OTHER_CLIENT],  # a client outside the scope
        [7, OTHER_PROVIDER, CLIENT],  # another provider's
        [8, PROVIDER, CLIENT],
        ["9", PROVIDER, CLIENT],  # malformed entries are ignored
        [True, PROVIDER, CLIENT],
        [10, PROVIDER],
    ]
    # when a batch of assignments tells the inbox group once
    message = {"type": "kefu.event", "event": {"type": "conversation.updated", "conversations": batch}}
    asyncio.run(consumer.kefu_event(message))
    # then the browser gets the same frames as from single hints, for visible ids only: its open
    # conversation's own, and one for the others (the page re-fetches its lists once)
    assert sent == [{"type": "conversation.updated", "id": 8}, {"type": "conversation.updated", "id": 5}]


def test_a_merged_hint_of_many_new_chats_is_one_frame_for_an_agent_with_none_open() -> None:
    consumer, sent = _consumer()
    merged = [[n, PROVIDER, CLIENT] for n in range(100, 150)]

    asyncio.run(
        consumer.kefu_event(
            {"type": "kefu.event", "event": {"type": "conversation.created", "conversations": merged}}
        )
    )

    assert sent == [{"type": "conversation.created", "id": 100}]


def test_one_merged_hint_heard_by_many_pages_tells_each_only_what_it_may_see() -> None:
    # given the pages of two agents of provider 1 (one with conversation 8 open) and of an
    # agent of provider 2, which serves the same client, in one process
    first, second, other = _consumer(7), _consumer(8), _consumer(9, OTHER_PROVIDER)
    first[0].subscribed = {8}
    merged = [
        [5, PROVIDER, CLIENT],
        [7, OTHER_PROVIDER, CLIENT],
        [8, PROVIDER, CLIENT],
        [9, PROVIDER, CLIENT],
    ]
    message = {"type": "kefu.event", "event": {"type": "message.created", "conversations": merged}}

    async def scenario() -> list[list[dict[str, Any]]]:
        queued = []
        for consumer, _sent in (first, second, other):
            consumer.heard = asyncio.Queue()
            consumer.fell_behind = False
        # when the process hands the same hint to every page, as its fan-out does
        for consumer, _sent in (first, second, other):
            consumer.hear(message)
        for consumer, _sent in (first, second, other):
            queued.append([consumer.heard.get_nowait()["frame"] for _ in range(consumer.heard.qsize())])
            consumer.lists_window.cancel()
        return queued

    first_frames, second_frames, other_frames = asyncio.run(scenario())

    # then each page is told only of its own provider's conversations
    assert first_frames == [{"type": "message.created", "id": 8}, {"type": "message.created", "id": 5}]
    assert second_frames == [{"type": "message.created", "id": 5}]
    assert other_frames == [{"type": "message.created", "id": 7}]


def test_a_batch_hint_of_another_kind_is_not_forwarded() -> None:
    consumer, sent = _consumer()
    message = {
        "type": "kefu.event",
        "event": {"type": "presence.updated", "conversations": [[5, PROVIDER, CLIENT]]},
    }
    asyncio.run(consumer.kefu_event(message))
    assert sent == []


def test_list_changes_reach_the_page_at_most_once_per_window_and_the_last_one_is_kept(settings: Any) -> None:
    # given a socket with conversation 8 open and a window of 50 ms for its lists
    settings.KEFU_INBOX_HINT_S = 0.05
    consumer, sent = _consumer()
    consumer.subscribed = {8}

    async def scenario() -> list[list[dict[str, Any]]]:
        consumer.heard = asyncio.Queue()
        consumer.fell_behind = False
        seen = []
        # when hints of listed conversations and of the open one arrive within one window
        for kind, conversation_id in (
            ("conversation.created", 5),
            ("message.created", 6),
            ("message.created", 8),
            ("conversation.updated", 7),
        ):
            await consumer.kefu_event(_hint(kind, conversation_id, PROVIDER, CLIENT))
        seen.append(list(sent))
        # then at the window's end the last held one goes, in turn with the socket's messages
        await consumer.dispatch(await asyncio.wait_for(consumer.heard.get(), timeout=5))
        seen.append(list(sent))
        await asyncio.sleep(0.12)  # a quiet window: nothing more, and the next goes at once
        await consumer.kefu_event(_hint("message.created", 9, PROVIDER, CLIENT))
        seen.append(list(sent))
        consumer.lists_window.cancel()
        return seen

    at_once, after_window, next_window = asyncio.run(scenario())

    assert at_once == [{"type": "conversation.created", "id": 5}, {"type": "message.created", "id": 8}]
    assert after_window[2:] == [{"type": "conversation.updated", "id": 7}]
    assert next_window[3:] == [{"type": "message.created", "id": 9}]


def test_hints_heard_from_the_process_queue_only_what_the_page_must_be_told() -> None:
    # given a socket with conversation 8 open
    consumer, sent = _consumer()
    consumer.subscribed = {8}

    async def scenario() -> list[dict[str, Any]]:
        consumer.heard = asyncio.Queue()
        consumer.fell_behind = False
        # when its process hands it fifty hints of listed conversations, one of its open one,
        # one of another client's conversation and an offer
        for n in range(50):
            consumer.hear(_hint("message.created", 100 + n, PROVIDER, CLIENT))
        consumer.hear(
            {
                "type": "kefu.event",
                "event": {**_hint("message.created", 8, PROVIDER, CLIENT)["event"], "seq": 4},
            }
        )
        consumer.hear(_hint("conversation.created", 6, PROVIDER, OTHER_CLIENT))
        consumer.hear({"type": "kefu.event", "event": {"type": "offer.created", "id": 3}})
        queued = [consumer.heard.get_nowait() for _ in range(consumer.heard.qsize())]
        consumer.lists_window.cancel()
        return queued

    queued = asyncio.run(scenario())

    # then three messages wait for the socket's turn: one lists frame, its open conversation's
    # frame, the offer; nothing of the other client
    assert queued == [
        {"type": "kefu.frame", "frame": {"type": "message.created", "id": 100}},
        {"type": "kefu.frame", "frame": {"type": "message.created", "id": 8, "seq": 4}},
        {"type": "kefu.event", "event": {"type": "offer.created", "id": 3}},
    ]
    assert sent == []  # nothing sent before its turn


def test_the_lists_window_grows_with_the_sockets_of_one_process_that_hear_the_inbox(
    settings: Any, monkeypatch: Any
) -> None:
    from types import SimpleNamespace

    from kefu.desk import consumers

    settings.KEFU_INBOX_HINT_S = 1.0
    settings.KEFU_INBOX_REFETCHES_PER_S = 200
    consumer, _sent = _consumer()
    windows = []
    for sockets in (1, 150, 500, 1000):
        listeners = {consumers.inbox_group(PROVIDER): set(range(sockets)), "routing.agent.7": {0}}
        monkeypatch.setattr(
            consumers, "process_fanout", lambda listeners=listeners: SimpleNamespace(listeners=listeners)
        )
        windows.append(consumer.lists_window_s())

    # a few workspaces hear their lists every second; 500 on one server, every 2.5 s (200 a second)
    assert windows == [1.0, 1.0, 2.5, 5.0]


def test_the_process_judges_a_hint_once_per_sight_and_tells_each_page_its_own(monkeypatch: Any) -> None:
    # given three pages of provider 1's agents (one with conversation 8 open), one of provider
    # 2's agent (same client), and a page of provider 1 whose user may not see the client
    pages = [_consumer(7), _consumer(8), _consumer(9), _consumer(10, OTHER_PROVIDER), _consumer(11)]
    pages[0][0].subscribed = {8}
    narrow = pages[4][0]
    narrow.access = Scope(
        user_id=11, organization_id=PROVIDER, organization_kind=OrgKind.PROVIDER, role="agent"
    )
    judged: list[int | None] = []
    real = consumers._visible_ids

    def counted(access: Scope, event: dict[str, Any]) -> list[int]:
        judged.append(access.user_id)
        return real(access, event)

    monkeypatch.setattr(consumers, "_visible_ids", counted)
    merged = [[5, PROVIDER, CLIENT], [7, OTHER_PROVIDER, CLIENT], [8, PROVIDER, CLIENT]]
    message = {
        "type": "kefu.event",
        "group": "desk.inbox.1",
        "event": {"type": "message.created", "conversations": merged},
    }

    async def scenario() -> list[list[dict[str, Any]]]:
        for consumer, _sent in pages:
            consumer.heard = asyncio.Queue()
            consumer.fell_behind = False
        # when the process hands the hint to all of them at once, as its fan-out does
        hand_over({consumer for consumer, _sent in pages}, message)
        queued = []
        for consumer, _sent in pages:
            queued.append([consumer.heard.get_nowait()["frame"] for _ in range(consumer.heard.qsize())])
            if consumer.lists_window is not None:
                consumer.lists_window.cancel()
        return queued

    frames = asyncio.run(scenario())

    # then the ids were worked out once per sight (three sights), and each page got its own
    assert len(judged) == 3
    assert frames[0] == [{"type": "message.created", "id": 8}, {"type": "message.created", "id": 5}]
    assert frames[1] == frames[2] == [{"type": "message.created", "id": 5}]
    assert frames[3] == [{"type": "message.created", "id": 7}]
    assert frames[4] == []  # not even the ids of a client outside its scope
