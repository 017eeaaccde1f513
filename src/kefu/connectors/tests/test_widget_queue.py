"""The widget's `queue` frame: the customer's own place in line and estimated wait, live."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from kefu.connectors import services
from kefu.connectors.models import WidgetConfig
from kefu.connectors.tests.conftest import ORIGIN, frames_until, open_widget, run
from kefu.desk import services as desk_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued_widget(tenants: Tenants) -> WidgetConfig:
    routing_services.queue_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name="家居-在线"
    )
    return services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[ORIGIN],
        queue="家居-在线",
    )


async def _start(key: str, body: str, msg_id: str) -> tuple:
    socket, _hello = await open_widget(key)
    await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
    await socket.send_json_to({"type": "message", "body": body, "client_msg_id": msg_id})
    frames = await frames_until(socket, "queue")
    return socket, frames


def test_each_customer_sees_only_their_own_place_and_it_moves_up(
    tenants: Tenants, queued_widget: WidgetConfig
) -> None:
    key = queued_widget.widget_key

    lead, agent_id = tenants.scope("pa", "supervisor"), tenants.user("pa", "agent").pk

    async def scenario() -> tuple:
        first, first_frames = await _start(key, "在吗", "a-1")
        second, second_frames = await _start(key, "你好", "b-1")
        # when an agent takes the first customer's chat
        await database_sync_to_async(desk_services.conversation_assign)(
            lead, conversation_id=first_frames[-1]["conversation_id"], agent_id=agent_id
        )
        hidden = await frames_until(first, "queue")
        await second.send_json_to(
            {"type": "resume", "conversation_id": second_frames[-1]["conversation_id"], "after_seq": 1}
        )
        moved = await frames_until(second, "queue")
        await first.disconnect()
        await second.disconnect()
        return first_frames, second_frames, hidden, moved

    first_frames, second_frames, hidden, moved = run(scenario)
    one, two = first_frames[-1], second_frames[-1]
    # then: only the customer's own conversation, place and estimate (no recent answer: none)
    assert set(two) == {"type", "conversation_id", "waiting", "position", "estimated_wait_s"}
    assert (one["position"], two["position"]) == (1, 2)
    assert (one["estimated_wait_s"], two["estimated_wait_s"]) == (None, None)
    assert one["conversation_id"] != two["conversation_id"]
    # then the first customer's place disappears and the second moves up, now with an estimate
    assert hidden[-1] == {"type": "queue", "conversation_id": one["conversation_id"], "waiting": False}
    assert (moved[-1]["position"], moved[-1]["waiting"]) == (1, True)
    assert moved[-1]["estimated_wait_s"] is not None and moved[-1]["estimated_wait_s"] >= 1


def test_a_chat_outside_any_queue_hears_nothing_of_queues(tenants: Tenants, widget: WidgetConfig) -> None:
    async def scenario() -> list:
        socket, _hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        await socket.send_json_to({"type": "message", "body": "在吗", "client_msg_id": "c-1"})
        frames = await frames_until(socket, "message")
        await socket.send_json_to({"type": "ping"})
        frames += await frames_until(socket, "pong")
        await socket.disconnect()
        return frames

    assert [f["type"] for f in run(scenario)] == ["conversation", "ack", "message", "pong"]


def test_the_place_moves_up_on_its_own_while_the_customer_only_waits(
    tenants: Tenants, queued_widget: WidgetConfig, settings: Any
) -> None:
    # given two customers waiting, and the widget looking again every 0.2 s
    settings.KEFU_WIDGET_QUEUE_EVERY_S = 0.2
    key = queued_widget.widget_key
    lead, agent_id = tenants.scope("pa", "supervisor"), tenants.user("pa", "agent").pk

    async def scenario() -> tuple:
        first, first_frames = await _start(key, "在吗", "a-1")
        second, second_frames = await _start(key, "你好", "b-1")
        # when an agent takes the first customer's chat, and the second customer does nothing
        await database_sync_to_async(desk_services.conversation_assign)(
            lead, conversation_id=first_frames[-1]["conversation_id"], agent_id=agent_id
        )
        moved = await frames_until(second, "queue", timeout=5)
        await first.disconnect()
        await second.disconnect()
        return second_frames, moved

    second_frames, moved = run(scenario)
    # then the second customer's widget is told their new place without asking
    assert second_frames[-1]["position"] == 2
    assert [f["type"] for f in moved] == ["queue"]
    assert (moved[-1]["position"], moved[-1]["waiting"]) == (1, True)
    assert moved[-1]["conversation_id"] == second_frames[-1]["conversation_id"]
