"""What the client sees of its quality: its own submitted reviews with their scores, the appeal
outcomes, its complaints and the QA figures; another client sees none of it (404, like an id
that does not exist)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.quality.complaints import services as complaint_services
from kefu.quality.reviews import services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_the_client_reads_its_reviews_appeals_complaints_and_qa_score_and_no_one_elses(
    tenants: Tenants,
) -> None:
    scorecard(tenants)
    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    inspector, agent = tenants.scope("pa", "qa_inspector"), tenants.scope("pa", "agent")
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SH), tick=False):
        review = services.review_create(inspector, conversation_id=conversation_id)
        review = services.review_save(
            inspector,
            review_id=review.pk,
            answers={"c1": "n", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"},
            comments={"c1": "没有报工号"},
            submit=True,
        )
        appeal = services.appeal_create(agent, review_id=review.pk, reason="报了工号")
        services.appeal_decide(
            tenants.scope("pa", "supervisor"), appeal_id=appeal.pk, outcome="upheld", note="维持原判"
        )
        complaint = complaint_services.complaint_create(
            inspector, conversation_id=conversation_id, subject="顾客投诉未报工号", severity="low"
        )
    own, other = tenants.client_for("ca1", "client_manager"), tenants.client_for("cb", "client_admin")
    for path in (
        f"/quality/reviews/{review.pk}/",
        f"/quality/appeals/{appeal.pk}/",
        f"/quality/complaints/{complaint.pk}/",
        f"/api/quality/complaints/{complaint.pk}",
    ):
        assert own.get(path).status_code == 200, path
        assert other.get(path).status_code == 404, path
    assert "85.7" in own.get(f"/quality/reviews/{review.pk}/").content.decode()
    figure = own.get(f"/api/metrics/qa_score?from=2026-12-04&to=2026-12-04&client={tenants.ca1.pk}")
    assert (figure.status_code, figure.json()["value"], figure.json()["count"]) == (200, 85.71, 1)
    foreign = other.get(f"/api/metrics/qa_score?from=2026-12-04&to=2026-12-04&client={tenants.ca1.pk}")
    assert foreign.status_code == 404
