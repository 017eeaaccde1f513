"""Business reviews: generated from the contract's terms and the measured month, regenerated as a
draft, frozen when published; actions carried over until done; comments from both sides;
renewal recommendations stored with their evidence and the client's decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import at
from kefu.engagements.reviews import services
from kefu.engagements.reviews.models import ReviewStatus
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


@pytest.mark.usefixtures("worked_day")
def test_a_review_holds_targets_actuals_money_and_trend(tenants: Tenants, signed: Contract) -> None:
    # given pa's signed contract and one worked day in March (answer rate 2/3, ASA 35 s)
    with at(APRIL):
        # when the account manager generates March's review
        review = services.review_generate(
            tenants.scope("pa", "account_manager"), contract_id=signed.pk, month="2026-03"
        )
    # then each term shows its target, the measured value, its status and the money
    snap = review.snapshot
    assert (review.status, review.month, snap["projected"]) == (ReviewStatus.DRAFT, date(2026, 3, 1), False)
    terms = {t["metric_id"]: t for t in snap["terms"]}
    assert (terms["answer_rate"]["target"], round(terms["answer_rate"]["value"], 2)) == (80, 66.67)
    assert terms["answer_rate"]["status"] == "missed"
    assert (terms["asa"]["value"], terms["asa"]["status"]) == (35.0, "missed")
    assert terms["answer_rate"]["trend"] == [
        {"month": "2026-03", "value": 66.67, "count": 3, "status": "missed"}
    ]
    # answer rate 13.33 points short: 14 steps × 1 % capped at 5 % = 5,000; ASA 5 s over: 1 step × 2 % = 2,000
    assert (snap["credits"], snap["bonus"]) == ("7000.00", "0.00")
