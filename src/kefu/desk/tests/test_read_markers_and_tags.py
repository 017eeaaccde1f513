"""Per-person read markers (unread badges) and the conversation panel's tags and resolution code."""

from __future__ import annotations

import pytest

from kefu.core.errors import PermissionDenied
from kefu.desk import services, workspace
from kefu.desk.models import Conversation, ReadMarker
from kefu.desk.tests.test_api import Api
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

HTMX = {"HTTP_HX_REQUEST": "true"}


def _unread(tenants: Tenants, org: str, role: str, conversation_id: int) -> int:
    scope = tenants.scope(org, role)
    rows = workspace.inbox(scope, workspace.InboxFilter(view="all"))
    return {c.pk: c.unread for c in rows}[conversation_id]


def test_unread_counts_customer_messages_after_each_persons_marker(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    for body in ("还没到", "快点"):
        services.message_post(agent, conversation_id=conversation.pk, body=body, direction="in")
    services.message_post(agent, conversation_id=conversation.pk, body="备注", direction="note")
    services.message_post(agent, conversation_id=conversation.pk, body="您好", direction="out")
    assert _unread(tenants, "pa", "agent", conversation.pk) == 3  # seq 1-3 are the customer's

    assert services.conversation_mark_read(agent, conversation_id=conversation.pk, seq=2) == 2
    assert _unread(tenants, "pa", "agent", conversation.pk) == 1
    assert _unread(tenants, "pa", "supervisor", conversation.pk) == 3
    assert _unread(tenants, "ca1", "client_viewer", conversation.pk) == 3

    assert services.conversation_mark_read(agent, conversation_id=conversation.pk, seq=1) == 2  # never back
    assert services.conversation_mark_read(agent, conversation_id=conversation.pk, seq=99) == 5  # capped
    assert _unread(tenants, "pa", "agent", conversation.pk) == 0
    marker = ReadMarker.objects.for_scope(agent).get()
    assert (marker.user_id, marker.last_read_seq, marker.provider_id, marker.client_id) == (
        agent.user_id,
        5,
        tenants.pa.pk,
        tenants.ca1.pk,
    )


def test_read_api_and_the_pages_script_endpoint(tenants: Tenants, conversation: Conversation) -> None:
    api = Api(tenants, "pa", "agent")
    services.message_post(
        tenants.scope("pa", "agent"), conversation_id=conversation.pk, body="在吗在吗", direction="in"
    )
    answer = api.post(f"/api/conversations/{conversation.pk}/read", {"seq": 1})
    assert answer.status_code == 200 and answer.json() == {
        "conversation_id": conversation.pk,
        "last_read_seq": 1,
    }
    assert _unread(tenants, "pa", "agent", conversation.pk) == 1

    page = tenants.client_for("pa", "agent")
    assert page.post(f"/desk/c/{conversation.pk}/read/", {"seq": "2"}).status_code == 204
    assert _unread(tenants, "pa", "agent", conversation.pk) == 0

    other = Api(tenants, "pb", "supervisor")
    assert other.post(f"/api/conversations/{conversation.pk}/read", {}).status_code == 404
    assert not ReadMarker.objects.for_scope(tenants.scope("pb", "supervisor")).exists()


def test_replying_marks_the_thread_read(tenants: Tenants, conversation: Conversation) -> None:
    client = tenants.client_for("pa", "agent")
    response = client.post(f"/desk/c/{conversation.pk}/reply/", {"body": "您好", "kind": "out"}, **HTMX)
    assert response.status_code == 204
    assert _unread(tenants, "pa", "agent", conversation.pk) == 0


def test_tags_are_added_and_removed_with_an_audit_trail(tenants: Tenants, conversation: Conversation) -> None:
    client = tenants.client_for("pa", "agent")
    response = client.post(f"/desk/c/{conversation.pk}/tags/", {"add": "加急, VIP，加急"}, **HTMX)
    assert response.status_code == 200 and "加急" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.tags == ["加急", "VIP"]

    client.post(f"/desk/c/{conversation.pk}/tags/", {"remove": "加急"}, **HTMX)
    conversation.refresh_from_db()
    assert conversation.tags == ["VIP"]
    trail = AuditEvent.all_tenants.filter(action="desk.conversation_tags").order_by("id")
    assert [e.data for e in trail] == [
        {"added": ["加急", "VIP"], "removed": []},
        {"added": [], "removed": ["加急"]},
    ]

    api = Api(tenants, "pa", "agent")
    changed = api.post(f"/api/conversations/{conversation.pk}/tags", {"add": ["退款"], "remove": ["VIP"]})
    assert changed.status_code == 200 and changed.json()["tags"] == ["退款"]
    too_long = api.post(f"/api/conversations/{conversation.pk}/tags", {"add": ["x" * 61]})
    assert too_long.status_code == 422
    with pytest.raises(PermissionDenied):
        services.conversation_change_tags(
            tenants.scope("ca1", "client_viewer"), conversation_id=conversation.pk, add=["x"]
        )


def test_resolution_code_on_resolve_and_corrected_later(tenants: Tenants, conversation: Conversation) -> None:
    client = tenants.client_for("pa", "agent")
    response = client.post(
        f"/desk/c/{conversation.pk}/status/",
        {"status": "resolved", "category": "物流", "resolution_code": "reshipped"},
        **HTMX,
    )
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolution_code) == ("resolved", "reshipped")
    assert 'id="conversation-resolution-code">已补发<' in response.content.decode()  # the code in words

    api = Api(tenants, "pa", "agent")
    fixed = api.post(f"/api/conversations/{conversation.pk}/resolution-code", {"code": "refunded"})
    assert fixed.status_code == 200 and fixed.json()["resolution_code"] == "refunded"
    event = AuditEvent.all_tenants.get(action="desk.conversation_resolution_code")
    assert event.data == {"from": "reshipped", "to": "refunded"}
