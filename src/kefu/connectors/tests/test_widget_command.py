"""`kefu widget create` as the demo's user runs it: the snippet names the address Kefu is served
on, and the widget's chats land in a queue some agent holds (or the command says what to name)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.config import env
from kefu.connectors.models import WidgetConfig
from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

ORIGIN = "https://shop.example.cn"


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("KEFU_BASE_URL", raising=False)
    return tmp_path


def _chat(tenants: Tenants, queue: str) -> None:
    scope = tenants.scope("pa", "agent")
    customer = desk_services.customer_create(
        scope, client_id=tenants.ca1.pk, name="张三", phone="13800138000"
    )
    desk_services.conversation_create(
        scope, channel="chat", client_id=tenants.ca1.pk, customer_id=customer.pk, message="在吗", queue=queue
    )


def _create(capsys: pytest.CaptureFixture, *args: str) -> dict[str, object]:
    call_command("widget", "create", "--client", "ca1", "--origin", ORIGIN, "--json", *args)
    return json.loads(capsys.readouterr().out)


def test_default_provider_and_queue_are_the_ones_the_clients_chats_use(
    tenants: Tenants, capsys: pytest.CaptureFixture
) -> None:
    # given ca1, served by pa only, whose chats wait in 家居-在线
    _chat(tenants, "家居-在线")

    # when a widget is made without --provider and --queue
    printed = _create(capsys)

    # then pa answers and the chats wait in that queue
    widget = WidgetConfig.all_tenants.get()
    assert widget.provider_id == tenants.pa.pk and widget.queue == "家居-在线"
    assert printed["queue"] == "家居-在线"


def test_no_known_queue_is_an_exit_2_asking_for_one(tenants: Tenants) -> None:
    with pytest.raises(CommandError) as error:
        call_command("widget", "create", "--client", "ca1", "--origin", ORIGIN)
    assert error.value.returncode == 2 and "--queue" in str(error.value)
    assert not WidgetConfig.all_tenants.exists()


def test_two_queues_are_ambiguous(tenants: Tenants) -> None:
    _chat(tenants, "家居-在线")
    _chat(tenants, "家居-售后")
    with pytest.raises(CommandError) as error:
        call_command("widget", "create", "--client", "ca1", "--origin", ORIGIN)
    assert error.value.returncode == 2
    assert (
        "家居-售后" in str(error.value) and "家居-在线" in str(error.value) and "--queue" in str(error.value)
    )
    assert not WidgetConfig.all_tenants.exists()


def test_two_providers_are_ambiguous(tenants: Tenants) -> None:
    tenancy_services.engagement_create(provider=tenants.pb, client=tenants.ca1)
    with pytest.raises(CommandError) as error:
        call_command("widget", "create", "--client", "ca1", "--origin", ORIGIN, "--queue", "q")
    assert error.value.returncode == 2 and "--provider" in str(error.value)


def test_named_queue_wins(tenants: Tenants, capsys: pytest.CaptureFixture) -> None:
    _chat(tenants, "家居-在线")
    assert _create(capsys, "--provider", "pa", "--queue", "家居-夜班")["queue"] == "家居-夜班"


def test_snippet_uses_the_address_kefu_is_served_on(
    tenants: Tenants, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chat(tenants, "家居-在线")
    # nothing recorded, no KEFU_BASE_URL: the default
    assert _create(capsys)["snippet"].startswith('<script src="http://127.0.0.1:8000/widget/')

    # `kefu demo --port 8123` / `kefu serve --port 8123` served here
    env.served_url_record("http://127.0.0.1:8123/")
    assert _create(capsys)["snippet"].startswith('<script src="http://127.0.0.1:8123/widget/')

    # an explicit KEFU_BASE_URL and --base-url win, in that order
    monkeypatch.setenv("KEFU_BASE_URL", "https://kefu.example.cn")
    from django.test import override_settings

    with override_settings(KEFU_BASE_URL="https://kefu.example.cn"):
        assert _create(capsys)["snippet"].startswith('<script src="https://kefu.example.cn/widget/')
        printed = _create(capsys, "--base-url", "https://cs.example.cn/")
    assert printed["snippet"].startswith('<script src="https://cs.example.cn/widget/')
