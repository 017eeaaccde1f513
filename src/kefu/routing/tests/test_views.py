"""Queue pages and the workspace's presence switch."""

from __future__ import annotations

import pytest

from kefu.routing import selectors, services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_a_lead_creates_a_queue_and_edits_it_the_client_reads_it(tenants: Tenants) -> None:
    lead = tenants.client_for("pa", "supervisor")
    page = lead.get("/routing/queues/")
    assert page.status_code == 200 and 'id="queue-create"' in page.content.decode()
    created = lead.post(
        "/routing/queues/",
        {
            "client": tenants.ca1.pk,
            "name": "家居-售后-在线",
            "business_type": "after_sales",
            "channel": "chat",
            "priority": 3,
            "sl_target_percent": 85,
            "sl_target_seconds": 25,
            "default_chat_concurrency": 4,
            "offer_timeout_s": 20,
            "active": "on",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    queue = selectors.queue_list(tenants.scope("pa", "supervisor")).get()
    edit = lead.get(f"/routing/queues/{queue.pk}/").content.decode()
    assert 'id="queue-edit"' in edit and 'value="25"' in edit
    saved = lead.post(
        f"/routing/queues/{queue.pk}/",
        {
            "business_type": "after_sales",
            "channel": "chat",
            "priority": 1,
            "sl_target_percent": 85,
            "sl_target_seconds": 25,
            "default_chat_concurrency": 4,
            "offer_timeout_s": 20,
        },
    )
    assert saved.status_code == 302
    queue.refresh_from_db()
    assert (queue.priority, queue.active, queue.name) == (1, False, "家居-售后-在线")

    manager = tenants.client_for("ca1", "client_manager")
    listing = manager.get("/routing/queues/").content.decode()
    assert "家居-售后-在线" in listing and 'id="queue-create"' not in listing
    detail = manager.get(f"/routing/queues/{queue.pk}/")
    assert detail.status_code == 200 and 'id="queue-edit"' not in detail.content.decode()
    assert manager.post(f"/routing/queues/{queue.pk}/", {"priority": 2}).status_code == 403
    assert (
        "家居-售后-在线"
        not in tenants.client_for("ca2", "client_manager").get("/routing/queues/").content.decode()
    )
    assert tenants.client_for("pa", "agent").get("/routing/queues/").status_code == 403


def test_a_duplicate_name_shows_on_the_form(tenants: Tenants, in_english: None) -> None:
    services.queue_create(tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name="q")
    answer = tenants.client_for("pa", "supervisor").post(
        "/routing/queues/",
        {
            "client": tenants.ca1.pk,
            "name": "q",
            "business_type": "general",
            "channel": "chat",
            "priority": 5,
            "sl_target_percent": 80,
            "sl_target_seconds": 30,
            "default_chat_concurrency": 3,
            "offer_timeout_s": 30,
        },
    )
    assert answer.status_code == 422
    assert "already has a queue of that name" in answer.content.decode()


def test_the_presence_switch_in_the_workspace(tenants: Tenants) -> None:
    agent = tenants.client_for("pa", "agent")
    workspace = agent.get("/desk/").content.decode()
    assert 'hx-get="/routing/presence/"' in workspace
    switch = agent.get("/routing/presence/").content.decode()
    assert 'value="online"' in switch and 'aria-pressed="true">' in switch
    answer = agent.post("/routing/presence/", {"state": "break", "reason": "meal"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and 'id="presence-since"' in answer.content.decode()
    me = tenants.user("pa", "agent").pk
    assert selectors.presence_get(tenants.scope("pa", "agent"), user_id=me).reason == "meal"
    # online ignores the break reason the select still sends
    agent.post("/routing/presence/", {"state": "online", "reason": "meal"}, HTTP_HX_REQUEST="true")
    assert selectors.presence_get(tenants.scope("pa", "agent"), user_id=me).state == "online"
    bad = agent.post("/routing/presence/", {"state": "asleep"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    # a client's staff have no switch
    assert (
        'hx-get="/routing/presence/"'
        not in tenants.client_for("ca1", "client_admin").get("/desk/").content.decode()
    )
