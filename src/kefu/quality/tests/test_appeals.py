"""Appeals (申诉/复核): within the window, by the reviewed agent, decided by a second reviewer,
the outcome and the score change audited and visible to the client."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.quality.models import Review
from kefu.quality.reviews import selectors, services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.tenancy import audit_sentences
from kefu.tenancy.models import AuditEvent
from kefu.testing.factories import MembershipFactory
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
SUBMITTED = datetime(2026, 12, 4, 10, 0, tzinfo=SH)
ANSWERS = {"c1": "n", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"}


@pytest.fixture
def review(tenants: Tenants) -> Review:
    """A submitted review of pa's agent: the greeting marked missing (60 of 70 → 85.71)."""
    scorecard(tenants)
    conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    inspector = tenants.scope("pa", "qa_inspector")
    with time_machine.travel(SUBMITTED, tick=False):
        created = services.review_create(inspector, conversation_id=conversation_id)
        return services.review_save(
            inspector, review_id=created.pk, answers=ANSWERS, comments={"c1": "没有报工号"}, submit=True
        )


def test_the_agent_appeals_and_a_second_reviewer_amends_the_score(tenants: Tenants, review: Review) -> None:
    assert review.score == 85.71
    with time_machine.travel(SUBMITTED + timedelta(days=2), tick=False):
        appeal = services.appeal_create(
            tenants.scope("pa", "agent"), review_id=review.pk, reason="第二条消息报了工号 8012"
        )
        decided = services.appeal_decide(
            tenants.scope("pa", "supervisor"),
            appeal_id=appeal.pk,
            outcome="amended",
            note="消息 #2 里有工号，改为“是”",
            answers={"c1": "y"},
        )

    review.refresh_from_db()
    assert (decided.status, decided.score_before, decided.score_after) == ("amended", 85.71, 100.0)
    assert review.score == 100.0 and review.answers["c1"] == "y"
    event = AuditEvent.all_tenants.get(action="quality.appeal_decide")
    assert event.data == {
        "outcome": "amended",
        "score": [85.71, 100.0],
        "changed": ["c1"],
        "note": "消息 #2 里有工号，改为“是”",
    }
    assert event.actor_id == tenants.user("pa", "supervisor").pk
    assert AuditEvent.all_tenants.filter(action="quality.appeal_create").count() == 1
    with translation.override("en"):
        assert audit_sentences.line(event).sentence == (
            f"{tenants.user('pa', 'supervisor')} decided the appeal on #{review.conversation_id}: "
            "Review amended, score 85.71 → 100"
        )
    # the client sees the review and the outcome
    client = tenants.scope("ca1", "client_manager")
    assert [a.status for a in selectors.appeal_list(client)] == ["amended"]
    assert selectors.review_get(client, review_id=review.pk).score == 100.0
    assert not selectors.appeal_list(tenants.scope("cb", "client_manager")).exists()


def test_upholding_keeps_the_score(tenants: Tenants, review: Review) -> None:
    with time_machine.travel(SUBMITTED + timedelta(hours=1), tick=False):
        appeal = services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="不认可")
        decided = services.appeal_decide(
            tenants.scope("pa", "supervisor"), appeal_id=appeal.pk, outcome="upheld", note="确实没有报工号"
        )
    assert (decided.status, decided.score_before, decided.score_after) == ("upheld", 85.71, 85.71)


def test_neither_the_first_reviewer_nor_the_agent_decides(tenants: Tenants, review: Review) -> None:
    with time_machine.travel(SUBMITTED + timedelta(hours=1), tick=False):
        appeal = services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="不认可")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(
            tenants.scope("pa", "qa_inspector"), appeal_id=appeal.pk, outcome="upheld", note="x"
        )
    with pytest.raises(PermissionDenied):
        services.appeal_decide(tenants.scope("pa", "agent"), appeal_id=appeal.pk, outcome="upheld", note="x")
    with pytest.raises(NotFound):
        services.appeal_decide(
            tenants.scope("pb", "supervisor"), appeal_id=appeal.pk, outcome="upheld", note="x"
        )
    # another inspector may: the second reviewer
    other = MembershipFactory(organization=tenants.pa, role="qa_inspector").user
    from kefu.tenancy import selectors as tenancy_selectors

    second = tenancy_selectors.scope_for_user(other, organization_id=tenants.pa.pk)
    assert second is not None
    with pytest.raises(Invalid):  # amending without changing an answer is refused
        services.appeal_decide(second, appeal_id=appeal.pk, outcome="amended", note="x", answers={"c1": "n"})
    assert (
        services.appeal_decide(second, appeal_id=appeal.pk, outcome="upheld", note="维持").status == "upheld"
    )
    with pytest.raises(Conflict):
        services.appeal_decide(second, appeal_id=appeal.pk, outcome="upheld", note="再次")


def test_the_window_closes_after_the_clients_days(tenants: Tenants, review: Review) -> None:
    services.qa_policy_set(
        tenants.scope("pa", "supervisor"),
        client_id=tenants.ca1.pk,
        percent_by_channel={},
        appeal_window_days=1,
    )
    with time_machine.travel(SUBMITTED + timedelta(days=1, minutes=1), tick=False), pytest.raises(Conflict):
        services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="晚了")


def test_only_the_reviewed_agent_appeals_once_with_a_reason(tenants: Tenants, review: Review) -> None:
    other_agent = MembershipFactory(organization=tenants.pa, role="agent").user
    from kefu.tenancy import selectors as tenancy_selectors

    other = tenancy_selectors.scope_for_user(other_agent, organization_id=tenants.pa.pk)
    assert other is not None
    with time_machine.travel(SUBMITTED + timedelta(hours=1), tick=False):
        with pytest.raises(NotFound):
            services.appeal_create(other, review_id=review.pk, reason="不是我的")
        with pytest.raises(Invalid):
            services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="  ")
        services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="不认可")
        with pytest.raises(Conflict):
            services.appeal_create(tenants.scope("pa", "agent"), review_id=review.pk, reason="再来")
    with pytest.raises(PermissionDenied):
        services.appeal_create(tenants.scope("pa", "supervisor"), review_id=review.pk, reason="x")
