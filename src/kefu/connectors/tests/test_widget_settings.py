"""Chat widget settings pages: create and configure a widget from the UI (queue, colour,
greeting, pre-chat form, offline form), the tag to embed names the server the browser is on,
bad input is a form error, read-only roles and other tenants; and what the settings change
for the visitor (the script's config, the pre-chat answers, the offline form switched off)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from kefu.connectors import services
from kefu.connectors.models import WidgetConfig
from kefu.core.errors import Conflict, Invalid
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants

FORM = {
    "client": "",
    "name": "官网",
    "allowed_origins": "https://shop.example.cn\nhttps://*.example.cn",
    "queue": "售后",
    "color": "#FF5500",
    "greeting": "您好，有什么可以帮您？",
    "pre_name": "required",
    "pre_phone": "optional",
    "pre_email": "",
    "pre_order_number": "optional",
    "offline_form": "on",
    "satisfaction_prompt": "on",
}


def test_admin_creates_and_configures_a_widget(tenants: Tenants) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    assert 'id="new-widget"' in admin.get(reverse("widget_list")).content.decode()
    response = admin.post(reverse("widget_new"), {**FORM, "client": tenants.ca1.pk})
    widget = WidgetConfig.all_tenants.get()
    assert response.status_code == 302 and response["Location"] == reverse("widget_edit", args=[widget.pk])
    assert (widget.client_id, widget.provider_id, widget.queue, widget.color) == (
        tenants.ca1.pk, tenants.pa.pk, "售后", "#ff5500",
    )  # fmt: skip
    assert widget.pre_chat_fields == {"name": "required", "phone": "optional", "order_number": "optional"}
    assert widget.allowed_origins == ["https://shop.example.cn", "https://*.example.cn"]

    # the tag names the host and port this browser reached, whatever they are
    page = admin.get(reverse("widget_edit", args=[widget.pk]), HTTP_HOST="localhost:8765").content.decode()
    assert f"&lt;script src=&quot;http://localhost:8765/widget/{widget.widget_key}.js&quot; async" in page
    assert 'data-copy="#snippet"' in page

    edit = {**FORM, "color": "#00aa00", "pre_name": "", "offline_form": "", "enabled": "on"}
    assert admin.post(reverse("widget_edit", args=[widget.pk]), edit).status_code == 302
    widget.refresh_from_db()
    assert (widget.color, widget.offline_form, widget.enabled) == ("#00aa00", False, True)
    assert "name" not in widget.pre_chat_fields

    script = admin.get(f"/widget/{widget.widget_key}.js").content.decode()
    config = json.loads(re.search(r"KefuWidget\((\{.*\})\);", script).group(1))
    assert config["color"] == "#00aa00" and config["offline"] is False
    assert config["prechat"] == [["phone", False], ["order_number", False]]


def test_bad_input_is_a_form_error(tenants: Tenants) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    for bad in ({"color": "red"}, {"allowed_origins": "shop.example.cn"}, {"pre_name": "maybe"},
                {"queue": "q" * 61}, {"client": "abc"}):  # fmt: skip
        response = admin.post(reverse("widget_new"), {**FORM, "client": tenants.ca1.pk, **bad})
        assert response.status_code == 422, bad
        assert 'class="errorlist' in response.content.decode()
    assert not WidgetConfig.all_tenants.exists()
    # another tenant's client: not one of the choices
    assert admin.post(reverse("widget_new"), {**FORM, "client": tenants.cb.pk}).status_code == 422


def test_read_only_roles_and_other_tenants(tenants: Tenants) -> None:
    widget = services.widget_create(
        tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, allowed_origins=["*"], queue="售前"
    )
    supervisor = tenants.client_for("pa", "supervisor")
    page = supervisor.get(reverse("widget_edit", args=[widget.pk])).content.decode()
    assert 'id="widget-form"' not in page and "售前" in page and 'id="snippet"' in page
    assert supervisor.post(reverse("widget_edit", args=[widget.pk]), FORM).status_code == 403
    assert supervisor.get(reverse("widget_new")).status_code == 403
    stranger = tenants.client_for("pb", "provider_admin")
    for url in (reverse("widget_edit", args=[widget.pk]), reverse("widget_rotate_key", args=[widget.pk])):
        assert stranger.post(url, FORM).status_code == 404
    assert stranger.get(reverse("widget_edit", args=[widget.pk])).status_code == 404
    key = widget.widget_key
    widget.refresh_from_db()
    assert widget.widget_key == key and widget.queue == "售前"


def test_pre_chat_answers_reach_the_customer_and_the_order(tenants: Tenants) -> None:
    widget = services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=["*"],
        pre_chat_fields={"name": "required", "order_number": "optional"},
    )
    ctx = services.widget_open(widget.widget_key, origin="https://shop.example.cn")
    visitor, _token = services.visitor_token_issue(ctx)
    with pytest.raises(Invalid) as missing:
        services.widget_message_post(ctx, visitor_id=visitor, body="在吗", client_msg_id="m1", contact={})
    assert missing.value.field == "name"
    conversation_id, _seq, new = services.widget_message_post(
        ctx,
        visitor_id=visitor,
        body="在吗",
        client_msg_id="m2",
        contact={"name": "李雷", "order_number": "TB3001", "evil": "x"},
    )
    conversation = Conversation.all_tenants.get(pk=conversation_id)
    assert new and conversation.order_numbers == ["TB3001"]
    assert conversation.customer.name == "李雷"


def test_offline_form_switched_off_is_refused(tenants: Tenants) -> None:
    widget = services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=["*"],
        offline_form=False,
    )
    ctx = services.widget_open(widget.widget_key, origin="https://shop.example.cn")
    with pytest.raises(Conflict):
        services.widget_offline_message(ctx, name="韩梅梅", phone="13800138000", message="想咨询")
    assert not Conversation.all_tenants.exists()
