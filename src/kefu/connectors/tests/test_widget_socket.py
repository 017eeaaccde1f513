"""The widget socket: first message, replay after reconnect, idempotent resend, rejections."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from kefu.analytics.models import ContactEvent
from kefu.connectors.models import WidgetConfig, WidgetVisitor
from kefu.connectors.tests.conftest import frames_until, open_widget, run, widget_socket
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation, Message
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)


async def _say(socket, body: str, client_msg_id: str) -> list[dict]:
    await socket.send_json_to({"type": "message", "body": body, "client_msg_id": client_msg_id})
    return await frames_until(socket, "message")


def test_first_message_creates_customer_and_chat_conversation(tenants: Tenants, widget: WidgetConfig) -> None:
    async def scenario() -> tuple[dict, list[dict]]:
        socket, hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        frames = await _say(socket, "你好，我的快递到哪了？", "m-1")
        await socket.disconnect()
        return hello, frames

    hello, frames = run(scenario)

    assert hello["conversation_id"] is None and hello["open"] in (True, False) and hello["visitor"]
    assert hello["greeting"] == "您好，有什么可以帮您？"
    kinds = [f["type"] for f in frames]
    assert kinds == ["conversation", "ack", "message"]
    conversation = Conversation.all_tenants.get()
    assert (conversation.channel, conversation.client_id, conversation.provider_id) == (
        "chat",
        tenants.ca1.pk,
        tenants.pa.pk,
    )
    assert conversation.customer_id is not None and conversation.status == "new"
    message = Message.all_tenants.get()
    assert (message.direction, message.seq, message.external_id.endswith(":m-1")) == ("in", 1, True)
    assert frames[-1] | {"at": None} == {
        "type": "message",
        "conversation_id": conversation.pk,
        "seq": 1,
        "direction": "in",
        "body": "你好，我的快递到哪了？",
        "at": None,
        "client_msg_id": "m-1",
    }
    types = list(
        ContactEvent.all_tenants.filter(conversation_id=conversation.pk).values_list("type", flat=True)
    )
    assert sorted(types) == ["message_in", "offered"]
    # the agents of the serving provider see it; the other tenant does not
    agent_view = desk_services.selectors.conversation_list(tenants.scope("pa", "agent"))
    assert list(agent_view.values_list("pk", flat=True)) == [conversation.pk]
    assert not desk_services.selectors.conversation_list(tenants.scope("pb", "agent")).exists()


def test_reconnect_replays_exactly_the_missed_messages_in_order(
    tenants: Tenants, widget: WidgetConfig
) -> None:
    agent = tenants.scope("pa", "agent")

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        socket, hello = await open_widget(widget.widget_key)
        token = hello["visitor"]
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        frames = await _say(socket, "在吗", "m-1")
        conversation_id = frames[-1]["conversation_id"]
        await socket.disconnect()

        # while the customer is away: three replies and an internal note
        post = database_sync_to_async(desk_services.message_post)
        await post(agent, conversation_id=conversation_id, body="您好，在的")
        await post(agent, conversation_id=conversation_id, body="内部备注：查物流", direction="note")
        await post(agent, conversation_id=conversation_id, body="我帮您查一下")
        await post(agent, conversation_id=conversation_id, body="快递明天到")

        socket, hello = await open_widget(widget.widget_key, visitor=token)
        assert hello["visitor"] == token and hello["conversation_id"] == conversation_id
        assert hello["last_seq"] == 5
        await socket.send_json_to({"type": "resume", "conversation_id": conversation_id, "after_seq": 1})
        replayed = [await socket.receive_json_from(timeout=5) for _ in range(3)]
        assert await socket.receive_nothing(timeout=0.3)

        # live: the next reply is pushed as it is committed, once
        await post(agent, conversation_id=conversation_id, body="还有别的问题吗？")
        live = [await socket.receive_json_from(timeout=5)]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return frames, replayed, live

    _first, replayed, live = run(scenario)

    assert [(f["type"], f["seq"], f["direction"]) for f in replayed] == [
        ("message", 2, "out"),
        ("message", 4, "out"),
        ("message", 5, "out"),
    ]
    assert [f["body"] for f in replayed] == ["您好，在的", "我帮您查一下", "快递明天到"]
    assert [(f["seq"], f["body"]) for f in live] == [(6, "还有别的问题吗？")]


def test_resending_the_same_client_msg_id_after_a_reconnect_stores_it_once(
    tenants: Tenants, widget: WidgetConfig
) -> None:
    async def scenario() -> tuple[dict, dict]:
        socket, hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        first = next(f for f in await _say(socket, "退货怎么办理", "same-id") if f["type"] == "ack")
        await socket.disconnect()
        socket, _hello = await open_widget(widget.widget_key, visitor=hello["visitor"])
        await socket.send_json_to(
            {"type": "resume", "conversation_id": first["conversation_id"], "after_seq": 1}
        )
        await socket.send_json_to({"type": "message", "body": "退货怎么办理", "client_msg_id": "same-id"})
        second = (await frames_until(socket, "ack"))[-1]
        assert await socket.receive_nothing(timeout=0.3)  # nothing new to replay
        await socket.disconnect()
        return first, second

    first, second = run(scenario)

    assert (first["seq"], first["conversation_id"]) == (second["seq"], second["conversation_id"])
    assert Message.all_tenants.count() == 1
    assert ContactEvent.all_tenants.filter(type="message_in").count() == 1
    assert WidgetVisitor.all_tenants.count() == 1


def test_a_closed_conversation_is_followed_by_a_new_one(tenants: Tenants, widget: WidgetConfig) -> None:
    agent = tenants.scope("pa", "agent")

    async def scenario() -> list[dict]:
        socket, _hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        frames = await _say(socket, "第一次咨询", "a")
        await database_sync_to_async(desk_services.conversation_set_status)(
            agent, conversation_id=frames[-1]["conversation_id"], status="closed"
        )
        await frames_until(socket, "status")
        again = await _say(socket, "第二次咨询", "b")
        await socket.disconnect()
        return again

    again = run(scenario)

    assert [f["type"] for f in again] == ["conversation", "ack", "message"]
    assert again[-1]["seq"] == 1
    assert Conversation.all_tenants.count() == 2


@pytest.mark.parametrize(
    ("origin", "key", "code"),
    [
        ("https://evil.example.com", None, 4403),
        (None, None, 4403),
        ("https://shop.example.cn", "no-such-widget-key", 4404),
    ],
)
def test_wrong_origin_or_unknown_key_is_closed_with_a_code(
    widget: WidgetConfig, origin: str | None, key: str | None, code: int
) -> None:
    async def scenario() -> dict:
        socket = widget_socket(key or widget.widget_key, origin=origin)
        await socket.connect(timeout=5)
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": code}


def test_a_disabled_widget_is_unknown(tenants: Tenants, widget: WidgetConfig) -> None:
    from kefu.connectors import services

    services.widget_update(tenants.scope("pa", "provider_admin"), widget_id=widget.pk, enabled=False)

    async def scenario() -> dict:
        socket = widget_socket(widget.widget_key)
        await socket.connect(timeout=5)
        return await socket.receive_output(timeout=5)

    assert run(scenario)["code"] == 4404


def test_oversized_and_malformed_frames_get_error_frames_not_a_crash(widget: WidgetConfig) -> None:
    async def scenario() -> list[dict]:
        socket, _hello = await open_widget(widget.widget_key)
        got = []
        await socket.send_json_to({"type": "message", "body": "长" * 5001, "client_msg_id": "big"})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_to(text_data="{not json")
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_json_to({"type": "message", "body": "hi", "client_msg_id": "has spaces"})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_json_to({"type": "launch"})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.send_json_to({"type": "ping"})
        got.append(await socket.receive_json_from(timeout=5))
        await socket.disconnect()
        return got

    got = run(scenario)

    assert [(f["type"], f.get("code")) for f in got] == [
        ("error", "too_long"),
        ("error", "bad_json"),
        ("error", "invalid"),
        ("error", "unknown_type"),
        ("pong", None),
    ]
    assert got[0]["client_msg_id"] == "big" and "5,000" in got[0]["message"]
    assert Message.all_tenants.count() == 0


def test_a_forged_visitor_token_gets_a_new_visitor(widget: WidgetConfig) -> None:
    async def scenario() -> dict:
        _socket, hello = await open_widget(widget.widget_key, visitor="forged.token")
        await _socket.disconnect()
        return hello

    hello = run(scenario)
    assert hello["visitor"] and hello["visitor"] != "forged.token" and hello["conversation_id"] is None


def test_typing_is_relayed_both_ways_and_throttled(tenants: Tenants, widget: WidgetConfig) -> None:
    from kefu.connectors.tests.communicator import WebsocketCommunicator
    from kefu.connectors.tests.conftest import APP

    agent_user = tenants.user("pa", "agent")

    async def scenario() -> tuple[list[dict], list[dict]]:
        socket, _hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        conversation_id = (await _say(socket, "你好", "t-1"))[-1]["conversation_id"]

        agent = WebsocketCommunicator(APP, "/ws/agent/")
        agent.scope["user"] = agent_user
        agent.scope["session"] = {}
        assert (await agent.connect(timeout=5))[0]
        assert (await agent.receive_json_from(timeout=5))["type"] == "hello"
        await agent.send_json_to({"type": "subscribe", "conversation_id": conversation_id})
        assert (await agent.receive_json_from(timeout=5))["type"] == "subscribed"

        await socket.send_json_to({"type": "typing"})
        await socket.send_json_to({"type": "typing"})  # throttled
        to_agent = [await agent.receive_json_from(timeout=5)]
        assert await agent.receive_nothing(timeout=0.3)
        await agent.send_json_to({"type": "typing", "conversation_id": conversation_id})
        to_customer = [await socket.receive_json_from(timeout=5)]
        assert await socket.receive_nothing(timeout=0.2)
        await agent.disconnect()
        await socket.disconnect()
        return to_agent, to_customer

    to_agent, to_customer = run(scenario)

    assert to_agent == [
        {"type": "typing", "conversation_id": to_agent[0]["conversation_id"], "from": "customer"}
    ]
    assert to_customer == [{"type": "typing", "from": "agent"}]


def _foreign_origin_hello(application: object, key: str) -> dict:
    from kefu.connectors.tests.communicator import WebsocketCommunicator

    async def scenario() -> dict:
        socket = WebsocketCommunicator(
            application, f"/ws/widget/{key}/", headers=[(b"origin", b"https://shop.example.cn")]
        )
        connected, _ = await socket.connect(timeout=5)
        frame = await socket.receive_json_from(timeout=5) if connected else {"type": "refused"}
        await socket.disconnect()
        return frame

    return run(scenario)


def test_widget_sockets_bypass_the_host_origin_check_of_staff_sockets(widget: WidgetConfig) -> None:
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    from kefu.config.websocket import websocket_urlpatterns
    from kefu.connectors.asgi import widget_sockets_first
    from kefu.connectors.tests.communicator import WebsocketCommunicator

    application = widget_sockets_first(
        AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
    )
    assert _foreign_origin_hello(application, widget.widget_key)["type"] == "hello"

    async def staff_from_foreign_site() -> bool:
        socket = WebsocketCommunicator(
            application, "/ws/agent/", headers=[(b"origin", b"https://evil.example")]
        )
        connected, _ = await socket.connect(timeout=5)
        return connected

    assert run(staff_from_foreign_site) is False


def test_the_served_application_lets_widgets_on_client_sites_connect(widget: WidgetConfig) -> None:
    from kefu.config.asgi import application

    websocket_app = application.application_mapping["websocket"]
    assert _foreign_origin_hello(websocket_app, widget.widget_key)["type"] == "hello"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"type": "message", "body": "\\ud800", "client_msg_id": "s"}', "invalid"),  # escaped, lone
        ('{"type": "message", "body": "\ud800", "client_msg_id": "s"}', "invalid"),  # raw, lone
        ('{"type": "resume", "after_seq": NaN}', "invalid"),
        ('{"type": "resume", "after_seq": 99999999999999999999}', "invalid"),
        ("[" * 5000 + "]" * 5000, "bad_json"),
    ],
)
def test_frames_that_cannot_be_read_or_stored_get_an_error_and_the_socket_stays_open(
    widget: WidgetConfig, frame: str, code: str
) -> None:
    async def scenario() -> list[dict]:
        socket, _hello = await open_widget(widget.widget_key)
        await socket.send_to(text_data=frame)
        refused = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return [refused, pong]

    refused, pong = run(scenario)
    assert (refused["type"], refused["code"]) == ("error", code) and pong == {"type": "pong"}
    assert Message.all_tenants.count() == 0
