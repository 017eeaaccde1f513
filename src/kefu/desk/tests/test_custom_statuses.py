"""A client's own statuses: mapped onto a standard status, pausing SLA clocks or not as the
mapping says, managed by the client's admins, offered in the workspace status menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import selectors, services
from kefu.desk.models import Conversation, CustomStatus
from kefu.desk.tests.test_api import Api
from kefu.testing.plugin import Tenants

OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


def _status(tenants: Tenants, name: str, maps_to: str, pauses: bool, org: str = "ca1") -> CustomStatus:
    return services.custom_status_create(
        tenants.scope(org, "client_admin"), name=name, maps_to=maps_to, pauses_sla=pauses
    )


def test_client_admins_manage_statuses_and_everyone_serving_them_reads(tenants: Tenants) -> None:
    courier = _status(tenants, "等快递", "open", True)
    _status(tenants, "核实中", "pending_client", False)

    for org, role in (("pa", "agent"), ("pa", "supervisor"), ("ca1", "client_viewer")):
        names = [
            s.name for s in selectors.custom_status_list(tenants.scope(org, role), client_id=tenants.ca1.pk)
        ]
        assert names == ["等快递", "核实中"]
    assert not selectors.custom_status_list(tenants.scope("pb", "supervisor")).exists()
    with pytest.raises(NotFound):
        selectors.custom_status_list(tenants.scope("pb", "supervisor"), client_id=tenants.ca1.pk)
    with pytest.raises(PermissionDenied):
        services.custom_status_create(
            tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, name="x", maps_to="open"
        )
    with pytest.raises(Conflict):
        _status(tenants, "等快递", "pending_customer", False)
    with pytest.raises(Invalid) as caught:
        _status(tenants, "已退款", "resolved", False)
    assert caught.value.field == "maps_to"

    updated = services.custom_status_update(
        tenants.scope("ca1", "client_admin"),
        status_id=courier.pk,
        name="等物流",
        maps_to="pending_customer",
        pauses_sla=True,
        active=False,
    )
    assert (updated.name, updated.maps_to, updated.active) == ("等物流", "pending_customer", False)
    with pytest.raises(NotFound):
        services.custom_status_update(
            tenants.scope("cb", "client_admin"), status_id=courier.pk, name="x", maps_to="open"
        )


def test_setting_a_custom_status_sets_its_standard_status_and_logs_it(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    waiting = _status(tenants, "等顾客补充照片", "pending_customer", False)

    services.conversation_set_status(agent, conversation_id=conversation.pk, custom_status_id=waiting.pk)

    conversation.refresh_from_db()
    assert (conversation.status, conversation.current_custom_status) == ("pending_customer", waiting)
    kinds = analytics_selectors.contact_event_list(agent, conversation_id=conversation.pk)
    changed = kinds.get(type="status_changed")
    assert changed.data == {
        "from": "new",
        "to": "pending_customer",
        "custom_status_id": waiting.pk,
        "custom_status": "等顾客补充照片",
        "previous_custom_status_id": None,
        "pauses_sla": False,
    }
    assert kinds.filter(type="held").count() == 1

    # the customer writes: the standard status moves on, the custom one no longer applies
    services.message_post(agent, conversation_id=conversation.pk, body="照片发您了", direction="in")
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.current_custom_status is None

    with pytest.raises(Invalid):  # a status of another client
        services.conversation_set_status(
            agent,
            conversation_id=conversation.pk,
            custom_status_id=_status(tenants, "别家的", "open", False, org="ca2").pk,
        )
    with pytest.raises(Invalid):  # status and custom status disagree
        services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="open", custom_status_id=waiting.pk
        )
    with pytest.raises(Conflict):  # in use: retire it instead
        services.custom_status_delete(tenants.scope("ca1", "client_admin"), status_id=waiting.pk)


def test_sla_clock_follows_the_mapping(tenants: Tenants) -> None:
    services.sla_policy_create(
        tenants.scope("ca1", "client_admin"), channel="chat", first_response_s=120, resolution_s=36000
    )
    courier = _status(tenants, "等快递", "open", True)  # open, but nobody can act: paused
    checking = _status(tenants, "仓库核实中", "pending_client", False)  # waiting, but on us: runs
    agent = tenants.scope("pa", "agent")

    def resolution(at: datetime) -> tuple[str, int]:
        with time_machine.travel(at, tick=False):
            timers = selectors.conversation_timers(agent, conversation_id=conversation_id)
        timer = {t.kind: t for t in timers}["resolution"]
        return timer.status, timer.elapsed_s

    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation_id = services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="快递到哪了"
        ).pk
        traveller.move_to(OPENING + timedelta(seconds=60))
        services.message_post(agent, conversation_id=conversation_id, body="帮您查一下")
        traveller.move_to(OPENING + timedelta(seconds=100))
        services.conversation_set_status(agent, conversation_id=conversation_id, custom_status_id=courier.pk)
        traveller.move_to(OPENING + timedelta(seconds=1000))
        services.conversation_set_status(agent, conversation_id=conversation_id, custom_status_id=checking.pk)
        traveller.move_to(OPENING + timedelta(seconds=1500))
        services.conversation_set_status(agent, conversation_id=conversation_id, status="open")
        traveller.move_to(OPENING + timedelta(seconds=1600))
        services.conversation_set_status(agent, conversation_id=conversation_id, status="pending_customer")

    assert resolution(OPENING + timedelta(seconds=900)) == ("paused", 100)
    assert resolution(OPENING + timedelta(seconds=1200)) == ("running", 300)  # pending L2, yet running
    assert resolution(OPENING + timedelta(seconds=1550)) == ("running", 650)  # plain open again
    assert resolution(OPENING + timedelta(seconds=3000)) == ("paused", 700)  # plain pending customer
    conversation = selectors.conversation_get(agent, conversation_id=conversation_id)
    assert conversation.custom_status_id is None


def test_api_and_status_menu(tenants: Tenants, conversation: Conversation) -> None:
    admin = Api(tenants, "ca1", "client_admin")
    created = admin.post("/api/custom-statuses", {"name": "等快递", "maps_to": "open", "pauses_sla": True})
    assert created.status_code == 201, created.content
    status_id = created.json()["id"]
    assert (
        Api(tenants, "pa", "agent")
        .post("/api/custom-statuses", {"client_id": tenants.ca1.pk, "name": "x", "maps_to": "open"})
        .status_code
        == 403
    )

    agent = Api(tenants, "pa", "agent")
    assert [s["name"] for s in agent.get("/api/custom-statuses", client_id=tenants.ca1.pk).json()] == [
        "等快递"
    ]
    answer = agent.post(f"/api/conversations/{conversation.pk}/status", {"custom_status_id": status_id})
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["custom_status"], answer.json()["custom_status_id"]) == (
        "open",
        "等快递",
        status_id,
    )

    page = tenants.client_for("pa", "agent").get(f"/desk/c/{conversation.pk}/").content.decode()
    assert f'<option value="custom:{status_id}" selected>等快递' in page
    assert 'id="conversation-custom-status"' in page
    menu = tenants.client_for("pa", "agent").post(
        f"/desk/c/{conversation.pk}/status/", {"status": "pending_customer"}, HTTP_HX_REQUEST="true"
    )
    assert menu.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.status, conversation.custom_status_id) == ("pending_customer", None)


def test_settings_page_lets_client_admins_edit_and_others_read(tenants: Tenants) -> None:
    admin = tenants.client_for("ca1", "client_admin")
    response = admin.post(
        "/desk/settings/",
        {
            "action": "add_status",
            "client": tenants.ca1.pk,
            "name": "等快递",
            "maps_to": "open",
            "pauses_sla": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    row = selectors.custom_status_list(tenants.scope("ca1", "client_admin")).get()
    assert (row.name, row.maps_to, row.pauses_sla, row.active) == ("等快递", "open", True, True)
    own = admin.get("/desk/settings/").content.decode()
    assert 'id="add-status"' in own and 'id="add-category"' in own and f'data-status-id="{row.pk}"' in own

    admin.post(
        f"/desk/settings/statuses/{row.pk}/",
        {"name": "等物流", "maps_to": "pending_customer", "active": "on"},
    )
    row.refresh_from_db()
    assert (row.name, row.maps_to, row.pauses_sla) == ("等物流", "pending_customer", False)

    page = tenants.client_for("pa", "agent").get(f"/desk/settings/?client={tenants.ca1.pk}").content.decode()
    assert "等物流" in page and 'id="settings-read-only"' in page and 'id="add-status"' not in page
    assert (
        tenants.client_for("pa", "agent")
        .post(f"/desk/settings/statuses/{row.pk}/", {"delete": "1"})
        .status_code
        == 403
    )
    assert (
        tenants.client_for("pb", "agent").get(f"/desk/settings/?client={tenants.ca1.pk}").status_code == 404
    )

    admin.post(f"/desk/settings/statuses/{row.pk}/", {"delete": "1"})
    assert not selectors.custom_status_list(tenants.scope("ca1", "client_admin")).exists()
