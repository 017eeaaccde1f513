"""The isolation matrix through the served application, and over WebSockets.

The path matrix (`test_tenant_isolation.py`) calls Django's test client, which never takes
the lean handler that bearer-token calls to `/api/` get in production (`config/api_asgi.py`),
nor its fast path for customers' messages. Here the same questions go through
`kefu.config.asgi.application`; then tenant A's sockets ask for tenant B's conversations.
Transactional: the ingest writes from its own thread and connection.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from channels.db import database_sync_to_async

from kefu.connectors import services as connector_services
from kefu.connectors.tests.conftest import (
    ORIGIN,
    frames_until,
    in_thread,
    open_widget,
    run,
    staff_socket,
)
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation, Message
from kefu.tenancy import services as tenancy_services
from kefu.testing import asgi
from kefu.testing.plugin import Tenants
from kefu.testing.snapshot import database_snapshot
from tests.test_tenant_isolation import API_ROUTES, OBJECT_MAKERS

pytestmark = pytest.mark.django_db(transaction=True)

GHOST = 2_000_000_000
ROLES = [("pa", "provider_admin"), ("ca1", "client_admin")]  # the widest of each kind


def _asgi(method: str, path: str, body: Any, token: str, **headers: str) -> tuple[int, Any]:
    """One HTTP request through the ASGI application the server runs; an error answers its code."""
    from kefu.config.asgi import application

    sent = body if method != "GET" else None
    status, _headers, content = asgi.request(application, method, path, sent, token=token, **headers)
    try:
        payload = json.loads(content or b"null")
    except ValueError:
        payload = content
    if isinstance(payload, dict) and "error" in payload:
        payload = payload["error"].get("code")
    return status, payload


def _token(tenants: Tenants, org: str, role: str) -> str:
    return tenancy_services.api_token_create(user=tenants.user(org, role), name="asgi")[1]


def test_bearer_calls_through_the_served_application_hide_other_tenants_objects(tenants: Tenants) -> None:
    tokens = {(org, role): _token(tenants, org, role) for org, role in ROLES}
    made: dict[str, int] = {}
    leaks = []

    def fill(path: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in made:
                made[name] = OBJECT_MAKERS[name](tenants)
            return str(made[name])

        return re.sub(r"{([^}]+)}", replace, path)

    for _method, path, _body in API_ROUTES:
        fill(path)
    before = database_snapshot()

    for method, path, body in API_ROUTES:
        url, missing_url = fill(path), re.sub(r"{[^}]+}", str(GHOST), path)
        for who, token in tokens.items():
            answer = _asgi(method, url, body, token)
            missing = _asgi(method, missing_url, body, token)
            if answer != missing or answer[0] not in (403, 404):
                leaks.append((who, method, path, answer, missing))

    assert not leaks
    assert database_snapshot() == before  # the path matrix of the test client says which route, if one did


def test_the_ingest_fast_path_refuses_another_tenants_conversation(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connector of tenant A posting a customer's message into B's conversation, with its
    token already cached (so the lean handler's fast path answers): 404, nothing stored."""
    from kefu.tenancy import auth

    own = desk_services.conversation_create(
        tenants.scope("pa", "agent"), channel="api", client_id=tenants.ca1.pk, message="在吗"
    )
    theirs = desk_services.conversation_create(
        tenants.scope("pb", "agent"), channel="api", client_id=tenants.cb.pk, message="乙的客户"
    )
    token = _token(tenants, "pa", "agent")
    warm = _asgi("POST", f"/api/conversations/{own.pk}/messages", {"direction": "in", "body": "热身"}, token)
    assert warm[0] == 201  # the token is cached now
    cached = []
    lookup = auth.cached_bearer_access
    monkeypatch.setattr(
        auth, "cached_bearer_access", lambda request: cached.append(lookup(request)) or cached[-1]
    )
    before = database_snapshot()

    inbound = _asgi(
        "POST", f"/api/conversations/{theirs.pk}/messages", {"direction": "in", "body": "x"}, token
    )
    missing = _asgi("POST", f"/api/conversations/{GHOST}/messages", {"direction": "in", "body": "x"}, token)
    keyed = _asgi(
        "POST",
        f"/api/conversations/{theirs.pk}/messages",
        {"direction": "in", "body": "x"},
        token,
        Idempotency_Key="k",
    )
    outbound = _asgi(
        "POST", f"/api/conversations/{theirs.pk}/messages", {"direction": "out", "body": "x"}, token
    )

    assert cached and cached[0] is not None  # the fast path took the first post
    assert inbound == missing == (404, "not_found")
    assert keyed == outbound == (404, "not_found")
    assert database_snapshot() == before
    assert list(Message.all_tenants.filter(conversation=theirs).values_list("body", flat=True)) == [
        "乙的客户"
    ]


def test_agent_sockets_of_two_providers_of_one_client_see_only_their_own_work(multi_vendor: Tenants) -> None:
    pa_agent, pc_agent = multi_vendor.scope("pa", "agent"), multi_vendor.scope("pc", "agent")
    by_pa = in_thread(
        desk_services.conversation_create,
        pa_agent,
        channel="chat",
        client_id=multi_vendor.ca1.pk,
        message="甲",
    )
    by_pc = in_thread(
        desk_services.conversation_create,
        pc_agent,
        channel="chat",
        client_id=multi_vendor.ca1.pk,
        message="丙",
    )
    users = {
        who: multi_vendor.user(*who) for who in [("pa", "agent"), ("pc", "agent"), ("ca1", "client_admin")]
    }

    async def scenario() -> dict[tuple[str, str], list[dict]]:
        sockets = {who: staff_socket(user) for who, user in users.items()}
        got: dict[tuple[str, str], list[dict]] = {}
        for who, socket in sockets.items():
            assert (await socket.connect(timeout=5))[0]
            got[who] = [await socket.receive_json_from(timeout=5)]  # hello
        await sockets[("pa", "agent")].send_json_to({"type": "subscribe", "conversation_id": by_pc.pk})
        got[("pa", "agent")].append(await sockets[("pa", "agent")].receive_json_from(timeout=5))
        await sockets[("pc", "agent")].send_json_to({"type": "subscribe", "conversation_id": by_pa.pk})
        got[("pc", "agent")].append(await sockets[("pc", "agent")].receive_json_from(timeout=5))

        await database_sync_to_async(desk_services.message_post)(
            pc_agent, conversation_id=by_pc.pk, body="丙的回复"
        )
        assert await sockets[("pa", "agent")].receive_nothing(timeout=0.3)
        got[("pc", "agent")].append(await sockets[("pc", "agent")].receive_json_from(timeout=5))
        got[("ca1", "client_admin")].append(
            await sockets[("ca1", "client_admin")].receive_json_from(timeout=5)
        )
        for socket in sockets.values():
            await socket.disconnect()
        return got

    got = run(scenario)

    assert got[("pa", "agent")][1] == {"type": "error", "code": "not_found", "conversation_id": by_pc.pk}
    assert got[("pc", "agent")][1] == {"type": "error", "code": "not_found", "conversation_id": by_pa.pk}
    assert got[("pc", "agent")][2]["id"] == by_pc.pk
    assert got[("ca1", "client_admin")][1]["id"] == by_pc.pk  # the client sees both providers' work


def test_a_widget_of_another_tenant_cannot_read_or_write_a_conversation(tenants: Tenants) -> None:
    widget_a = in_thread(
        connector_services.widget_create,
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[ORIGIN],
    )
    widget_b = in_thread(
        connector_services.widget_create,
        tenants.scope("pb", "provider_admin"),
        client_id=tenants.cb.pk,
        allowed_origins=[ORIGIN],
    )

    pa_agent = tenants.scope("pa", "agent")

    async def scenario() -> tuple[dict, dict, list[dict], list[dict]]:
        socket_a, hello_a = await open_widget(widget_a.widget_key)
        await socket_a.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        await socket_a.send_json_to({"type": "message", "body": "我的订单号 A-1", "client_msg_id": "a-1"})
        frames_a = await frames_until(socket_a, "message")
        await socket_a.disconnect()
        conversation_id = frames_a[0]["conversation_id"]

        # tenant B's widget, given A's visitor token and A's conversation id
        socket_b, hello_b = await open_widget(widget_b.widget_key, visitor=hello_a["visitor"])
        await socket_b.send_json_to({"type": "resume", "conversation_id": conversation_id, "after_seq": 0})
        assert await socket_b.receive_nothing(timeout=0.3)
        await socket_b.send_json_to({"type": "message", "body": "乙", "client_msg_id": "b-1"})
        frames_b = await frames_until(socket_b, "message")
        await database_sync_to_async(desk_services.message_post)(
            pa_agent, conversation_id=conversation_id, body="甲的回复"
        )
        assert await socket_b.receive_nothing(timeout=0.3)
        await socket_b.disconnect()
        return hello_a, hello_b, frames_a, frames_b

    hello_a, hello_b, frames_a, frames_b = run(scenario)

    conversation_a = frames_a[0]["conversation_id"]
    assert hello_b["conversation_id"] is None and hello_b["visitor"] != hello_a["visitor"]
    assert all(frame.get("conversation_id") != conversation_a for frame in frames_b)
    assert "A-1" not in json.dumps(frames_b, ensure_ascii=False)
    assert Conversation.all_tenants.get(pk=frames_b[-1]["conversation_id"]).client_id == tenants.cb.pk
    assert Message.all_tenants.filter(conversation_id=conversation_a).count() == 2  # A's and A's reply


def test_floor_sockets_of_tenant_a_hear_nothing_of_tenant_b(tenants: Tenants) -> None:
    """`/ws/floor/`: tenant B's conversations, presence, alarms and notices reach no socket of A
    (the provider's lead, the client's admin and manager); A's own do."""
    from kefu.core import realtime
    from kefu.floor import services as floor_services
    from kefu.routing import services as routing_services

    pb_lead, pa_lead = tenants.scope("pb", "supervisor"), tenants.scope("pa", "supervisor")
    pb_agent = tenants.user("pb", "agent").pk
    users = [
        tenants.user("pa", "provider_admin"),
        tenants.user("ca1", "client_admin"),
        tenants.user("ca1", "client_manager"),
    ]

    async def scenario() -> list[list[dict]]:
        sockets = [staff_socket(user, "/ws/floor/") for user in users]
        heard: list[list[dict]] = []
        for socket in sockets:
            assert (await socket.connect(timeout=5))[0]
            heard.append([await socket.receive_json_from(timeout=5)])
        await database_sync_to_async(desk_services.conversation_create)(
            pb_lead, channel="chat", client_id=tenants.cb.pk, message="乙"
        )
        await database_sync_to_async(routing_services.presence_set)(
            pb_lead, agent_id=pb_agent, state="online"
        )
        for group in (
            floor_services.provider_group(tenants.pb.pk),
            floor_services.client_group(tenants.cb.pk),
            floor_services.user_group(pb_agent),
        ):
            realtime.publish(group, "alarm.raised")
        for socket in sockets:
            assert await socket.receive_nothing(timeout=0.8)
        await database_sync_to_async(desk_services.conversation_create)(
            pa_lead, channel="chat", client_id=tenants.ca1.pk, message="甲"
        )
        for index, socket in enumerate(sockets):
            heard[index].append(await socket.receive_json_from(timeout=5))
            await socket.disconnect()
        return heard

    heard = run(scenario)

    assert [h[1] for h in heard] == [{"type": "wallboard.changed"}] * 3
