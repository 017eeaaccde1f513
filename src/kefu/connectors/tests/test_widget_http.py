"""The widget's HTTP side: the script, the offline form, origin matching, the CLI."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from kefu.connectors import selectors, services
from kefu.connectors.models import WidgetConfig
from kefu.connectors.tests.conftest import ORIGIN, open_widget, run
from kefu.core.errors import Invalid, NotFound
from kefu.desk.models import Conversation, Customer
from kefu.testing.plugin import Tenants


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def _offline(key: str, payload: object, *, origin: str | None = ORIGIN, ip: str = "10.0.0.1") -> object:
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return Client().post(
        f"/widget/{key}/offline", data=body, content_type="application/json", REMOTE_ADDR=ip, **headers
    )


def test_the_script_is_served_per_widget(widget: WidgetConfig) -> None:
    response = Client().get(f"/widget/{widget.widget_key}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    text = response.content.decode()
    assert "window.KefuWidget = function" in text
    assert f'"key": "{widget.widget_key}"' in text and '"ws": "ws://testserver"' in text
    assert "您好，有什么可以帮您？" in text
    assert Client().get("/widget/unknownunknown.js").status_code == 404


def test_offline_form_creates_a_new_conversation_with_the_message(
    tenants: Tenants, widget: WidgetConfig
) -> None:
    response = _offline(
        widget.widget_key,
        {"name": "李女士", "phone": "13800138000", "email": "", "message": "明天上午再联系我"},
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"ok": True}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    conversation = Conversation.all_tenants.get()
    assert (conversation.channel, conversation.status, conversation.tags) == ("chat", "new", ["offline_form"])
    assert (conversation.client_id, conversation.provider_id) == (tenants.ca1.pk, tenants.pa.pk)
    assert conversation.messages.get().body == "明天上午再联系我"
    assert Customer.all_tenants.get().phone == "13800138000"


def test_offline_form_preflight_answers_the_allowed_site_only(widget: WidgetConfig) -> None:
    ok = Client().options(f"/widget/{widget.widget_key}/offline", HTTP_ORIGIN=ORIGIN)
    assert ok.status_code == 204 and ok["Access-Control-Allow-Origin"] == ORIGIN
    bad = Client().options(f"/widget/{widget.widget_key}/offline", HTTP_ORIGIN="https://evil.example")
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad


@pytest.mark.parametrize(
    ("payload", "origin", "status", "code", "field"),
    [
        ({"name": "王", "message": "在吗"}, ORIGIN, 422, "invalid", "phone"),
        ({"phone": "138", "message": "在吗"}, ORIGIN, 422, "invalid", "phone"),
        ({"email": "not-an-email", "message": "在吗"}, ORIGIN, 422, "invalid", "email"),
        ({"phone": "13800138000", "message": "  "}, ORIGIN, 422, "invalid", "message"),
        ({"phone": "13800138000", "message": "长" * 5001}, ORIGIN, 422, "too_long", "message"),
        ({"phone": 13800138000, "message": "在吗"}, ORIGIN, 422, "invalid", "phone"),
        ("{not json", ORIGIN, 400, "bad_json", None),
        ('["a list"]', ORIGIN, 400, "bad_json", None),
        ({"phone": "13800138000", "message": "在吗"}, "https://evil.example", 403, "permission_denied", None),
        ({"phone": "13800138000", "message": "在吗"}, None, 403, "permission_denied", None),
    ],
)
def test_offline_form_rejects_bad_input_with_clear_json(
    widget: WidgetConfig, payload: object, origin: str | None, status: int, code: str, field: str | None
) -> None:
    response = _offline(widget.widget_key, payload, origin=origin)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert error.get("field") == field
    assert Conversation.all_tenants.count() == 0


def test_offline_form_of_an_unknown_widget_is_404(db: None) -> None:
    response = _offline("nosuchwidgetkey", {"phone": "13800138000", "message": "在吗"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_offline_form_is_rate_limited_per_address(widget: WidgetConfig) -> None:
    payload = {"phone": "13800138000", "message": "在吗"}
    statuses = [_offline(widget.widget_key, payload).status_code for _ in range(services.OFFLINE_LIMIT + 1)]
    assert statuses == [201] * services.OFFLINE_LIMIT + [429]
    assert _offline(widget.widget_key, payload, ip="10.0.0.2").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_outside_service_hours_hello_says_closed(
    widget: WidgetConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kefu.desk import selectors as desk_selectors

    monkeypatch.setattr(desk_selectors, "client_is_open", lambda client_id, at: False, raising=False)

    async def scenario() -> dict:
        socket, hello = await open_widget(widget.widget_key)
        await socket.disconnect()
        return hello

    assert run(scenario)["open"] is False


def test_without_desk_calendars_the_client_counts_as_open(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.desk import selectors as desk_selectors

    monkeypatch.delattr(desk_selectors, "client_is_open", raising=False)
    assert selectors.client_is_open(1) is True


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://shop.example.cn", ["https://shop.example.cn"], True),
        ("https://SHOP.example.cn/", ["https://shop.example.cn"], True),
        ("http://shop.example.cn", ["https://shop.example.cn"], False),
        ("https://shop.example.cn:8443", ["https://shop.example.cn"], False),
        ("https://m.shop.example.cn", ["https://*.shop.example.cn"], True),
        ("https://evilshop.example.cn", ["https://*.shop.example.cn"], False),
        ("https://anything.example", ["*"], True),
        (None, ["https://shop.example.cn"], False),
        ("null", ["https://shop.example.cn"], False),
    ],
)
def test_origin_matching(origin: str | None, allowed: list[str], ok: bool) -> None:
    assert services.origin_allowed(origin, tuple(allowed)) is ok


def test_bad_origins_are_refused_when_setting_up(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as error:
        services.widget_create(
            tenants.scope("pa", "provider_admin"),
            client_id=tenants.ca1.pk,
            allowed_origins=["shop.example.cn"],
        )
    assert error.value.field == "allowed_origins"


def test_a_provider_cannot_make_a_widget_for_a_client_it_does_not_serve(tenants: Tenants) -> None:
    with pytest.raises(NotFound):  # not served: the same 404 as reading it
        services.widget_create(
            tenants.scope("pa", "provider_admin"), client_id=tenants.cb.pk, allowed_origins=[ORIGIN]
        )


def test_rotating_the_key_retires_the_old_one(tenants: Tenants, widget: WidgetConfig) -> None:
    old = widget.widget_key
    rotated = services.widget_rotate_key(tenants.scope("pa", "provider_admin"), widget_id=widget.pk)
    assert rotated.widget_key != old
    assert selectors.widget_by_key(old) is None
    assert selectors.widget_by_key(rotated.widget_key) == rotated


def test_cli_creates_a_widget_and_prints_the_snippet(tenants: Tenants, capsys: pytest.CaptureFixture) -> None:
    args = ("--client", "ca1", "--provider", "pa", "--queue", "q", "--origin", ORIGIN, "--json")
    call_command("widget", "create", *args)
    printed = json.loads(capsys.readouterr().out)
    widget = WidgetConfig.all_tenants.get()
    assert printed["widget_key"] == widget.widget_key and widget.provider_id == tenants.pa.pk
    assert printed["snippet"].endswith(f'/widget/{widget.widget_key}.js" async></script>')
    with pytest.raises(CommandError):
        call_command("widget", "create", "--client", "cb", "--provider", "pa", "--origin", ORIGIN)


def test_a_widgets_chats_wait_in_its_queue(tenants: Tenants, capsys: pytest.CaptureFixture) -> None:
    """Given a widget set to the queue 悦家-在线, both its live chats and its offline messages
    are created in that queue (so the agents serving it see them under "My queues")."""
    admin = tenants.scope("pa", "provider_admin")
    widget = services.widget_create(
        admin, client_id=tenants.ca1.pk, allowed_origins=[ORIGIN], queue=" 悦家-在线 "
    )
    assert widget.queue == "悦家-在线"
    ctx = services.widget_open(widget.widget_key, origin=ORIGIN)
    visitor_id, _token = services.visitor_token_issue(ctx)
    chat_id, _seq, new = services.widget_message_post(
        ctx, visitor_id=visitor_id, body="在吗", client_msg_id="m1"
    )
    assert new and Conversation.all_tenants.get(pk=chat_id).queue == "悦家-在线"

    services.widget_update(admin, widget_id=widget.pk, queue="悦家-售后")
    assert _offline(widget.widget_key, {"phone": "13800138000", "message": "回电"}).status_code == 201
    assert Conversation.all_tenants.exclude(pk=chat_id).get().queue == "悦家-售后"

    with pytest.raises(Invalid) as error:
        services.widget_update(admin, widget_id=widget.pk, queue="队" * 61)
    assert error.value.field == "queue"
    call_command(
        "widget",
        "create",
        "--client",
        "ca1",
        "--provider",
        "pa",
        "--origin",
        ORIGIN,
        "--queue",
        "悦家-在线",
        "--json",
    )
    assert json.loads(capsys.readouterr().out)["queue"] == "悦家-在线"
