"""The complaints pages: the client lodges one, the provider works it through to closed, the
trend and root causes render; read-only roles cannot post; the API's status codes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.quality.complaints import services
from kefu.quality.models import Complaint
from kefu.quality.tests.reviewing_helpers import finished
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_the_client_lodges_a_complaint_and_the_provider_closes_it(tenants: Tenants) -> None:
    client = tenants.client_for("ca1", "client_admin")
    services.category_create(tenants.scope("ca1", "client_admin"), name="物流")
    response = client.post(
        "/quality/complaints/new/",
        {"subject": "顾客投诉快递三天未发", "severity": "high", "customer_name": "王女士"},
    )
    complaint = Complaint.all_tenants.get()
    assert response.status_code == 302 and response["Location"] == f"/quality/complaints/{complaint.pk}/"
    assert (complaint.source, complaint.client_id) == ("client", tenants.ca1.pk)
    page = client.get(f"/quality/complaints/{complaint.pk}/")
    assert "顾客投诉快递三天未发" in page.content.decode() and 'id="status-form"' not in page.content.decode()
    assert client.post(f"/quality/complaints/{complaint.pk}/", {"action": "status"}).status_code == 403

    staff = tenants.client_for("pa", "qa_inspector")
    url = f"/quality/complaints/{complaint.pk}/"
    assert 'id="status-form"' in staff.get(url).content.decode()
    refused = staff.post(url, {"action": "status", "status": "resolved"})  # no resolution
    assert refused.status_code == 422
    assert (
        staff.post(url, {"action": "status", "status": "resolved", "resolution": "已加急发货"}).status_code
        == 302
    )
    assert (
        staff.post(url, {"action": "callback", "outcome": "satisfied", "note": "顾客认可"}).status_code == 302
    )
    assert staff.post(url, {"action": "status", "status": "closed"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.callback_outcome, complaint.resolution) == (
        "closed",
        "satisfied",
        "已加急发货",
    )
    listing = staff.get("/quality/complaints/?status=all").content.decode()
    assert "顾客投诉快递三天未发" in listing
    assert (
        "顾客投诉快递三天未发"
        not in tenants.client_for("pb", "qa_inspector")
        .get("/quality/complaints/?status=all")
        .content.decode()
    )


@pytest.mark.django_db
def test_an_agent_raises_one_from_a_conversation_and_the_trend_shows_it(tenants: Tenants) -> None:
    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    agent = tenants.client_for("pa", "agent")
    assert agent.get(f"/quality/complaints/new/?conversation={conversation_id}").status_code == 200
    response = agent.post(
        "/quality/complaints/new/",
        {"subject": "顾客嫌回复慢", "severity": "low", "conversation": conversation_id},
    )
    assert response.status_code == 302
    unknown = agent.post(
        "/quality/complaints/new/", {"subject": "x", "severity": "low", "conversation": 999999}
    )
    assert unknown.status_code == 422  # another tenant's or a made-up conversation: a form error
    trend = tenants.client_for("pa", "supervisor").get("/quality/complaints/trend/?weeks=52")
    assert trend.status_code == 200 and 'id="trend-data"' in trend.content.decode()
    assert (
        tenants.client_for("ca1", "client_viewer").get("/quality/complaints/categories/").status_code == 200
    )
    assert (
        tenants.client_for("ca1", "client_viewer")
        .post("/quality/complaints/categories/", {"name": "x"})
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_the_desk_offers_the_register_from_a_conversation_and_a_case(tenants: Tenants) -> None:
    from kefu.desk import services as desk_services

    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    case = desk_services.case_create(
        tenants.scope("pa", "agent"), conversation_id=conversation_id, type="complaint", subject="顾客投诉"
    )
    agent = tenants.client_for("pa", "agent")
    side = agent.get(f"/desk/c/{conversation_id}/side/").content.decode()
    case_page = agent.get(f"/desk/cases/{case.pk}/").content.decode()
    l2_side = tenants.client_for("ca1", "client_l2").get(f"/desk/c/{conversation_id}/side/")

    assert f'href="/quality/complaints/new/?conversation={conversation_id}" id="raise-complaint"' in side
    assert f'href="/quality/complaints/new/?case={case.pk}"' in case_page
    assert l2_side.status_code == 200  # the client's after-sales staff read it but cannot raise one
    assert 'id="conversation-panel"' in l2_side.content.decode()
    assert 'id="raise-complaint"' not in l2_side.content.decode()


@pytest.mark.django_db
def test_the_api_answers_with_the_documented_codes(tenants: Tenants) -> None:
    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    staff = tenants.client_for("pa", "supervisor")
    created = staff.post(
        "/api/quality/complaints",
        {"subject": "承诺未兑现", "severity": "critical", "conversation_id": conversation_id},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["conversation_ids"], body["source"], body["overdue"]) == (
        [conversation_id],
        "conversation",
        False,
    )
    complaint_id = body["id"]
    closed = staff.post(
        f"/api/quality/complaints/{complaint_id}/status",
        {"status": "closed"},
        content_type="application/json",
    )
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "conflict"
    bad = staff.post(
        "/api/quality/complaints", {"subject": "x", "severity": "huge"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "severity"
    assert (
        tenants.client_for("pb", "supervisor").get(f"/api/quality/complaints/{complaint_id}").status_code
        == 404
    )
    listing = tenants.client_for("ca1", "client_viewer").get("/api/quality/complaints").json()
    assert [item["id"] for item in listing["items"]] == [complaint_id]
    trend = staff.get(
        f"/api/quality/complaints/trend?client_id={tenants.ca1.pk}&date_from=2026-11-01&date_to=2026-12-31"
    )
    assert trend.status_code == 200 and len(trend.json()["weeks"]) == 10
