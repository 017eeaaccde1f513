"""The calibration and coaching pages and API, thin: a lead opens a session, two reviewers score
blind in the pages, the lead closes it, the report shows and downloads; a coaching task starts
from the review page and the agent acknowledges it; the API refuses what the roles may not do."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from kefu.quality.models import CalibrationSession, CoachingTask
from kefu.quality.reviews import services as review_services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.quality.tests.test_reviews_api import Api
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=SH)
FULL = {
    "answer_c1": "y",
    "answer_c2": "y",
    "answer_c3": "y",
    "answer_c4": "5",
    "answer_c5": "y",
    "answer_c6": "y",
}


def test_a_session_from_the_new_page_to_the_downloaded_report(tenants: Tenants) -> None:
    scorecard(tenants)
    conversation = finished(tenants, NOW - timedelta(days=1))
    inspector, lead = tenants.user("pa", "qa_inspector"), tenants.user("pa", "supervisor")
    browser = tenants.client_for("pa", "supervisor")
    with time_machine.travel(NOW, tick=False):
        page = browser.get(f"/quality/calibration/new/?client={tenants.ca1.pk}")
        assert page.status_code == 200 and f"#{conversation}" in page.content.decode()
        opened = browser.post(
            f"/quality/calibration/new/?client={tenants.ca1.pk}",
            {
                "title": "周校准",
                "conversation_ids": [conversation],
                "reviewer_ids": [inspector.pk, lead.pk],
                "expert_id": lead.pk,
                "due_at": "2026-12-07T18:00",
            },
        )
        assert opened.status_code == 302
        session = CalibrationSession.all_tenants.get()
        sheet_url = f"/quality/calibration/{session.pk}/conversations/{conversation}/"
        refused = browser.post(
            sheet_url,
            {"answer_c1": "n", **{k: v for k, v in FULL.items() if k != "answer_c1"}, "action": "submit"},
        )
        assert refused.status_code == 422  # "no" needs a comment
        assert browser.post(sheet_url, {**FULL, "action": "submit"}).status_code == 302
        other = tenants.client_for("pa", "qa_inspector")
        assert "周校准" in other.get("/quality/calibration/").content.decode()
        assert other.post(sheet_url, {**FULL, "answer_c4": "3", "action": "submit"}).status_code == 302
        assert (
            browser.get(f"/quality/calibration/{session.pk}/report/").status_code == 302
        )  # not before closing
        closed = browser.post(f"/quality/calibration/{session.pk}/", {"action": "close"})
        assert closed.status_code == 302

        report = browser.get(f"/quality/calibration/{session.pk}/report/").content.decode()
        assert "Krippendorff" in report or "克里彭多夫" in report
        csv = browser.get(f"/reports/calibration/{session.pk}/export/?format=csv")
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        text = csv.content.decode("utf-8-sig")
        assert "开场报店铺名和工号" in text and "100.00" in text  # the greeting: both said yes
        assert (
            tenants.client_for("pb", "supervisor")
            .get(f"/reports/calibration/{session.pk}/export/")
            .status_code
            == 404
        )

        api = Api(tenants, "pa", "supervisor").get(f"/api/quality/calibrations/{session.pk}/report")
        assert api.status_code == 200
        solve = next(c for c in api.json()["criteria"] if c["id"] == "c4")
        assert (solve["level"], solve["percent"], solve["expert_match"]) == ("ordinal", 0.0, 0.0)


def test_coaching_from_the_review_page_and_the_agent_acknowledges(tenants: Tenants) -> None:
    scorecard(tenants)
    inspector = tenants.scope("pa", "qa_inspector")
    with time_machine.travel(NOW, tick=False):
        review = review_services.review_create(
            inspector, conversation_id=finished(tenants, NOW - timedelta(hours=3))
        )
        review_services.review_save(
            inspector,
            review_id=review.pk,
            answers={"c1": "n", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"},
            comments={"c1": "没报工号"},
            submit=True,
        )
        lead = tenants.client_for("pa", "supervisor")
        assert (
            f"/quality/coaching/new/?review={review.pk}"
            in lead.get(f"/quality/reviews/{review.pk}/").content.decode()
        )
        new = lead.get(f"/quality/coaching/new/?review={review.pk}")
        assert new.status_code == 200
        checked = re.findall(r'value="(c\d)"[^>]*checked', new.content.decode())
        assert checked == ["c1"]  # the failed criterion, pre-selected
        created = lead.post(
            f"/quality/coaching/new/?review={review.pk}",
            {
                "criteria": ["c1"],
                "coach_id": tenants.user("pa", "supervisor").pk,
                "due_on": "2026-12-09",
                "notes": "练习开场白",
            },
        )
        assert created.status_code == 302
        task = CoachingTask.all_tenants.get()
        agent = tenants.client_for("pa", "agent")
        assert "开场报店铺名和工号" in agent.get("/quality/coaching/").content.decode()
        assert agent.post(f"/quality/coaching/{task.pk}/", {"action": "acknowledge"}).status_code == 302
        refused = agent.post(f"/quality/coaching/{task.pk}/", {"action": "done"})
        assert refused.status_code == 200  # shown as a message; the status below is unchanged by it
        assert (
            lead.post(
                f"/quality/coaching/{task.pk}/", {"action": "schedule", "at": "2026-12-06T15:00"}
            ).status_code
            == 302
        )
    task.refresh_from_db()
    assert task.acknowledged_at is not None and task.status == "scheduled"
    assert (
        tenants.client_for("pa", "agent").get(f"/quality/coaching/new/?review={review.pk}").status_code == 403
    )


def test_the_api_refuses_what_roles_may_not_do(tenants: Tenants) -> None:
    scorecard(tenants)
    conversation = finished(tenants, NOW - timedelta(days=1))
    body = {
        "client_id": tenants.ca1.pk,
        "title": "校准",
        "conversation_ids": [conversation],
        "reviewer_ids": [tenants.user("pa", "qa_inspector").pk, tenants.user("ca1", "client_manager").pk],
        "due_at": "2030-01-01T10:00:00+08:00",
    }
    assert Api(tenants, "pa", "agent").send("post", "/api/quality/calibrations", body).status_code == 403
    made = Api(tenants, "pa", "qa_inspector").send("post", "/api/quality/calibrations", body)
    assert made.status_code == 201 and made.json()["conversations"] == 1
    session_id = made.json()["id"]
    client_qa = Api(tenants, "ca1", "client_manager")
    mine = client_qa.get(f"/api/quality/calibrations/{session_id}")
    assert mine.status_code == 200 and len(mine.json()["sheets_visible"]) == 1  # blind: their own only
    assert client_qa.get(f"/api/quality/calibrations/{session_id}/report").status_code == 409
    assert Api(tenants, "pa", "agent").get(f"/api/quality/calibrations/{session_id}").status_code == 403
    assert (
        Api(tenants, "pa", "provider_admin").get(f"/api/quality/calibrations/{session_id}").status_code == 200
    )
    assert (
        Api(tenants, "ca2", "client_manager").get(f"/api/quality/calibrations/{session_id}").status_code
        == 404
    )
    bad = Api(tenants, "pa", "supervisor").send("post", "/api/quality/coaching", {"due_on": "2030-01-01"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "source"
    assert Api(tenants, "ca1", "client_admin").get("/api/quality/coaching").status_code == 403
    odd = Api(tenants, "pa", "supervisor").get("/api/quality/coaching-suggestions?threshold=500")
    assert odd.status_code == 422
