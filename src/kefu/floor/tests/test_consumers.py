"""`/ws/floor/`: a client's manager hears only their own queues' changes; a lead hears the floor;
an agent hears only their own notices; bursts arrive as one hint."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from kefu.connectors.tests.conftest import run, staff_socket
from kefu.core import realtime
from kefu.desk import services as desk_services
from kefu.floor import consumers, services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_groups_of_each_side(tenants: Tenants) -> None:
    manager = tenants.scope("ca1", "client_manager")
    lead = tenants.scope("pa", "supervisor")
    agent = tenants.scope("pa", "agent")

    assert consumers.groups_for(manager) == [
        f"desk.inbox.{tenants.ca1.pk}",
        f"routing.presence.{tenants.pa.pk}",
        f"floor.client.{tenants.ca1.pk}",
    ]
    assert consumers.groups_for(lead) == [
        f"floor.user.{lead.user_id}",
        f"desk.inbox.{tenants.pa.pk}",
        f"routing.presence.{tenants.pa.pk}",
        f"floor.provider.{tenants.pa.pk}",
    ]
    assert consumers.groups_for(agent) == [f"floor.user.{agent.user_id}"]
    assert consumers.groups_for(tenants.scope("ca1", "client_viewer")) == []


def test_anonymous_and_people_without_the_floor_are_closed(tenants: Tenants) -> None:
    async def scenario(user: object) -> dict:
        socket = staff_socket(user, "/ws/floor/")
        await socket.connect(timeout=5)
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    viewer = tenants.user("ca1", "client_viewer")

    async def anonymous() -> dict:
        return await scenario(AnonymousUser())

    async def without_floor() -> dict:
        return await scenario(viewer)

    assert run(anonymous) == {"type": "websocket.close", "code": 4401}
    assert run(without_floor) == {"type": "websocket.close", "code": 4403}


def test_a_client_manager_hears_only_their_own_queues(tenants: Tenants) -> None:
    lead = tenants.scope("pa", "supervisor")
    user = tenants.user("ca1", "client_manager")
    create = database_sync_to_async(desk_services.conversation_create)

    async def scenario() -> list[dict]:
        socket = staff_socket(user, "/ws/floor/")
        assert (await socket.connect(timeout=5))[0]
        got = [await socket.receive_json_from(timeout=5)]
        await create(lead, channel="chat", client_id=tenants.ca2.pk, queue="美妆-在线", message="别家的")
        realtime.publish(services.provider_group(tenants.pa.pk), "alarm.raised")
        assert await socket.receive_nothing(timeout=0.8)
        await create(lead, channel="chat", client_id=tenants.ca1.pk, queue="家居-在线", message="我家的")
        for _ in range(3):  # and a burst right after it: one hint for all
            realtime.publish(f"desk.inbox.{tenants.ca1.pk}", "conversation.updated", id=1)
        got.append(await socket.receive_json_from(timeout=5))
        assert await socket.receive_nothing(timeout=0.8)
        await socket.disconnect()
        return got

    assert run(scenario) == [{"type": "hello", "board": True}, {"type": "wallboard.changed"}]


def test_a_lead_hears_alarms_and_an_agent_their_call_in(tenants: Tenants) -> None:
    lead_user, agent_user = tenants.user("pa", "supervisor"), tenants.user("pa", "agent")

    async def scenario() -> tuple[list[dict], list[dict]]:
        lead, agent = staff_socket(lead_user, "/ws/floor/"), staff_socket(agent_user, "/ws/floor/")
        assert (await lead.connect(timeout=5))[0] and (await agent.connect(timeout=5))[0]
        heard_lead = [await lead.receive_json_from(timeout=5)]
        heard_agent = [await agent.receive_json_from(timeout=5)]
        realtime.publish(services.provider_group(tenants.pa.pk), "alarm.raised")
        heard_lead += [await lead.receive_json_from(timeout=5), await lead.receive_json_from(timeout=5)]
        realtime.publish(services.user_group(agent_user.pk), "notice.created", id=1)
        heard_agent.append(await agent.receive_json_from(timeout=5))
        assert await agent.receive_nothing(timeout=0.8)  # the floor's alarm is not the agent's
        await lead.disconnect()
        await agent.disconnect()
        return heard_lead, heard_agent

    heard_lead, heard_agent = run(scenario)
    assert heard_lead == [
        {"type": "hello", "board": True},
        {"type": "bell.changed"},
        {"type": "wallboard.changed"},
    ]
    assert heard_agent == [{"type": "hello", "board": False}, {"type": "bell.changed"}]
