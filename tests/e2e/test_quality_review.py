"""An inspector gets through a review with the keyboard: answers, a comment on the failed
criterion, an anchor to a message, Enter to submit; the score is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kefu.quality.models import Review
from kefu.quality.reviews import services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.e2e


def test_an_inspector_reviews_a_conversation_with_the_keyboard(
    live_server: Any, transactional_db: None, tenants: Tenants, password: str, page: Any
) -> None:
    # given an open review of a finished chat (scorecard: c1 yn, c2 ynp, c3 yn+na, c4 1–5, c5 c6 fatal)
    scorecard(tenants)
    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    review = services.review_create(tenants.scope("pa", "qa_inspector"), conversation_id=conversation_id)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenants.user("pa", "qa_inspector").username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    # when the inspector starts from the list and answers with keys only
    page.goto(f"{live_server.url}/quality/reviews/")
    page.click("#start-reviewing")
    # the keyboard script has run (it marks the current criterion): keys sent earlier are lost
    page.wait_for_selector(".criterion.current")
    page.keyboard.press("n")  # c1 no: the comment box opens
    page.keyboard.type("没有报工号")
    page.keyboard.press("Escape")
    page.click("#msg-2")  # anchor c1 to the agent's message
    page.keyboard.press("j")
    page.keyboard.press("y")  # c2
    page.keyboard.press("a")  # c3 N/A
    page.keyboard.press("4")  # c4
    page.keyboard.press("y")  # c5
    page.keyboard.press("y")  # c6
    page.keyboard.press("Enter")
    page.wait_for_selector("h1 .score")  # the submitted score in the title, not the live preview

    # then the review is submitted with the score, the comment and the anchor
    review.refresh_from_db()
    assert (review.status, review.score) == ("submitted", 66.67)  # 0 + 10 + 30 of 60
    assert review.comments == {"c1": "没有报工号"}
    assert review.anchors == {"c1": 2}
    assert Review.all_tenants.filter(status="pending").count() == 0
