"""`/ws/agent/`: signed-in staff only, events of their own tenant only."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from kefu.connectors.tests.conftest import in_thread, run, staff_socket
from kefu.desk import services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_is_closed_with_4401(db: None) -> None:
    async def scenario() -> dict:
        socket = staff_socket(AnonymousUser())
        await socket.connect(timeout=5)
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": 4401}


def test_agent_gets_own_tenant_events_and_is_denied_other_tenants_conversations(tenants: Tenants) -> None:
    pa_agent, pb_agent = tenants.scope("pa", "agent"), tenants.scope("pb", "agent")
    own = in_thread(
        services.conversation_create, pa_agent, channel="chat", client_id=tenants.ca1.pk, message="你好"
    )
    other = in_thread(
        services.conversation_create, pb_agent, channel="chat", client_id=tenants.cb.pk, message="在吗"
    )
    user = tenants.user("pa", "agent")

    async def scenario() -> list[dict]:
        socket = staff_socket(user)
        assert (await socket.connect(timeout=5))[0]
        got = [await socket.receive_json_from(timeout=5)]
        await socket.send_json_to({"type": "subscribe", "conversation_id": other.pk})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_json_to({"type": "typing", "conversation_id": other.pk})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_json_to({"type": "subscribe", "conversation_id": own.pk})
        got.append(await socket.receive_json_from(timeout=5))

        post = database_sync_to_async(services.message_post)
        await post(pb_agent, conversation_id=other.pk, body="乙的回复")
        assert await socket.receive_nothing(timeout=0.3)
        await post(pa_agent, conversation_id=own.pk, body="甲的回复")
        got.append(await socket.receive_json_from(timeout=5))
        await database_sync_to_async(services.conversation_assign)(
            pa_agent, conversation_id=own.pk, agent_id=pa_agent.user_id
        )
        got.append(await socket.receive_json_from(timeout=5))
        assert await socket.receive_nothing(timeout=0.3)  # one frame per event, not one per group
        await socket.disconnect()
        return got

    got = run(scenario)

    assert got[0] == {"type": "hello", "organization_id": tenants.pa.pk}
    assert got[1] == {"type": "error", "code": "not_found", "conversation_id": other.pk}
    assert got[2] == {"type": "error", "code": "not_subscribed", "conversation_id": other.pk}
    assert got[3] == {"type": "subscribed", "conversation_id": own.pk, "last_seq": 1}
    assert got[4] == {"type": "message.created", "id": own.pk}
    assert got[5] == {"type": "conversation.updated", "id": own.pk}


def test_client_staff_get_their_clients_events(tenants: Tenants) -> None:
    pa_agent = tenants.scope("pa", "agent")
    ca2_chat = in_thread(
        services.conversation_create, pa_agent, channel="chat", client_id=tenants.ca2.pk, message="hi"
    )
    ca1_chat = in_thread(
        services.conversation_create, pa_agent, channel="chat", client_id=tenants.ca1.pk, message="hi"
    )
    user = tenants.user("ca1", "client_admin")

    async def scenario() -> list[dict]:
        socket = staff_socket(user)
        assert (await socket.connect(timeout=5))[0]
        await socket.receive_json_from(timeout=5)
        post = database_sync_to_async(services.message_post)
        await post(pa_agent, conversation_id=ca2_chat.pk, body="给美妆店客户")
        assert await socket.receive_nothing(timeout=0.3)
        await post(pa_agent, conversation_id=ca1_chat.pk, body="给家居店客户")
        got = [await socket.receive_json_from(timeout=5)]
        await socket.disconnect()
        return got

    assert run(scenario) == [{"type": "message.created", "id": ca1_chat.pk}]


def test_socket_scope_follows_the_session_and_two_factor_rules(tenants: Tenants) -> None:
    from kefu.desk.consumers import access_for

    user = tenants.user("pa", "agent")
    assert access_for(user, {}).organization_id == tenants.pa.pk
    assert access_for(user, {"kefu_organization_id": tenants.pb.pk}).organization_id == tenants.pa.pk
    tenants.pa.require_mfa = True
    tenants.pa.save(update_fields=["require_mfa"])
    assert access_for(user, {}) is None  # a page would send them to two-factor setup first
    assert access_for(AnonymousUser(), {}) is None


def test_closing_the_workspace_socket_starts_the_offline_grace_period(tenants: Tenants) -> None:
    """The consumer tells routing when the workspace socket opens and closes; routing's periodic
    job turns a closed one offline after the grace period (kefu.routing.services.presence_sweep)."""
    from kefu.routing import selectors as routing_selectors
    from kefu.routing import services as routing_services

    scope, user = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    in_thread(routing_services.presence_set, scope, agent_id=user.pk, state="online")

    async def scenario() -> None:
        socket = staff_socket(user)
        assert (await socket.connect(timeout=5))[0]
        await socket.receive_json_from(timeout=5)
        await socket.disconnect()

    run(scenario)
    current = in_thread(routing_selectors.presence_get, scope, user_id=user.pk)
    assert current.state == "online" and current.disconnected_at is not None
