"""Coaching tasks: from a review, an appeal outcome or a trend; the agent sees and acknowledges
their own; the lead schedules, finishes and links the follow-up review on the same criteria.
Every step audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.quality.coaching import selectors, services
from kefu.quality.models import Review
from kefu.quality.reviews import services as review_services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.tenancy import audit_sentences
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 12, 4, 10, 0, tzinfo=SH)
GOOD = {"c1": "y", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"}
WEAK = {"c1": "n", "c2": "p", "c3": "y", "c4": 4, "c5": "y", "c6": "y"}  # 10·0 + 10·.5 + 10 + 40·.75 → 64.29
WHY = {"c1": "没有报工号", "c2": "语气生硬"}


def _review(tenants: Tenants, at: datetime, answers: dict) -> Review:
    conversation_id = finished(tenants, at - timedelta(hours=2))
    inspector = tenants.scope("pa", "qa_inspector")
    with time_machine.travel(at, tick=False):
        created = review_services.review_create(inspector, conversation_id=conversation_id)
        return review_services.review_save(
            inspector, review_id=created.pk, answers=answers, comments=WHY, submit=True
        )


def test_from_a_review_to_the_follow_up_score(tenants: Tenants) -> None:
    scorecard(tenants)
    review = _review(tenants, DAY, WEAK)
    lead, agent = tenants.scope("pa", "supervisor"), tenants.scope("pa", "agent")

    with time_machine.travel(DAY + timedelta(hours=1), tick=False):
        task = services.coaching_create(
            tenants.scope("pa", "qa_inspector"),
            review_id=review.pk,
            due_on=date(2026, 12, 8),
            notes="开场白要报店铺名和工号",
            coach_id=lead.user_id,
        )
    # the failed criteria are the focus; before coaching they average (0 + 0.5) / 2
    assert [c["id"] for c in task.criteria] == ["c1", "c2"]
    assert (task.source, task.baseline, task.coach_id, task.status) == ("review", 25.0, lead.user_id, "open")

    # the agent sees their task and acknowledges it; the coaching pages stay closed to them otherwise
    assert [t.pk for t in selectors.coaching_list(agent)] == [task.pk]
    with time_machine.travel(DAY + timedelta(hours=2), tick=False):
        services.coaching_acknowledge(agent, task_id=task.pk)
    with pytest.raises(Conflict):
        services.coaching_acknowledge(agent, task_id=task.pk)
    with pytest.raises(PermissionDenied):
        services.coaching_done(agent, task_id=task.pk)

    with time_machine.travel(DAY + timedelta(days=1), tick=False):
        services.coaching_schedule(lead, task_id=task.pk, at=DAY + timedelta(days=2))
        with pytest.raises(Conflict):  # follow-up only after the coaching
            services.coaching_follow_up(lead, task_id=task.pk)
        services.coaching_done(lead, task_id=task.pk, notes="已练习开场白")
        with pytest.raises(Conflict):  # no later review yet
            services.coaching_follow_up(lead, task_id=task.pk)
    later = _review(tenants, DAY + timedelta(days=3), {**GOOD, "c2": "p"})
    with time_machine.travel(DAY + timedelta(days=3, hours=1), tick=False):
        done = services.coaching_follow_up(lead, task_id=task.pk)

    assert (done.status, done.follow_up_id, done.follow_up_score) == ("followed_up", later.pk, 75.0)
    actions = list(
        AuditEvent.all_tenants.filter(action__startswith="quality.coaching")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "quality.coaching_create",
        "quality.coaching_acknowledge",
        "quality.coaching_schedule",
        "quality.coaching_done",
        "quality.coaching_follow_up",
    ]
    follow_up = AuditEvent.all_tenants.get(action="quality.coaching_follow_up")
    assert follow_up.data == {"score": [25.0, 75.0]}
    with translation.override("en"):
        shown = audit_sentences.line(follow_up)
    assert shown.sentence.endswith(f"scored the follow-up of the coaching {follow_up.target_repr}")
    assert ("Score", "25 → 75") in shown.details


def test_overdue_and_other_agents_tasks(tenants: Tenants) -> None:
    scorecard(tenants)
    review = _review(tenants, DAY, WEAK)
    lead = tenants.scope("pa", "supervisor")
    with time_machine.travel(DAY, tick=False):
        task = services.coaching_create(lead, review_id=review.pk, due_on=date(2026, 12, 5))
    assert task.coach_id == lead.user_id  # the lead who starts it coaches by default
    overdue = selectors.CoachingFilter(overdue_on=date(2026, 12, 6))
    assert [t.pk for t in selectors.coaching_list(lead, filters=overdue)] == [task.pk]
    assert (
        list(selectors.coaching_list(lead, filters=selectors.CoachingFilter(overdue_on=date(2026, 12, 5))))
        == []
    )
    with pytest.raises(NotFound):
        selectors.coaching_get(tenants.scope("pb", "supervisor"), task_id=task.pk)
    with pytest.raises(PermissionDenied):
        selectors.coaching_list(tenants.scope("ca1", "client_manager"))
    with time_machine.travel(DAY, tick=False), pytest.raises(Invalid):
        services.coaching_create(lead, review_id=review.pk, due_on=date(2026, 12, 1))


def test_from_an_appeal_only_once_decided(tenants: Tenants) -> None:
    scorecard(tenants)
    review = _review(tenants, DAY, WEAK)
    lead = tenants.scope("pa", "supervisor")
    with time_machine.travel(DAY + timedelta(hours=1), tick=False):
        appeal = review_services.appeal_create(
            tenants.scope("pa", "agent"), review_id=review.pk, reason="有报工号"
        )
        with pytest.raises(Conflict):
            services.coaching_create(lead, appeal_id=appeal.pk, due_on=date(2026, 12, 9))
        review_services.appeal_decide(lead, appeal_id=appeal.pk, outcome="upheld", note="确实没有报工号")
        task = services.coaching_create(lead, appeal_id=appeal.pk, due_on=date(2026, 12, 9), criteria=["c1"])
    assert (task.source, task.review_id, task.criteria) == (
        "appeal",
        review.pk,
        [{"id": "c1", "title": "开场报店铺名和工号"}],
    )


def test_from_a_trend_below_the_threshold(tenants: Tenants) -> None:
    scorecard(tenants)
    for days in (0, 1, 2):
        _review(tenants, DAY + timedelta(days=days), WEAK)
    lead = tenants.scope("pa", "supervisor")
    agent_id = tenants.user("pa", "agent").pk
    with time_machine.travel(DAY + timedelta(days=3), tick=False):
        with pytest.raises(Conflict):  # 64.29 is not below 60
            services.coaching_create(lead, agent_id=agent_id, threshold=60, last=3, due_on=date(2026, 12, 10))
        with pytest.raises(Conflict):  # only 3 reviews
            services.coaching_create(lead, agent_id=agent_id, threshold=80, last=4, due_on=date(2026, 12, 10))
        assert [t.agent_id for t in selectors.agents_below(lead, threshold=80, last=3)] == [agent_id]
        task = services.coaching_create(
            lead, agent_id=agent_id, threshold=80, last=3, due_on=date(2026, 12, 10)
        )
    assert task.source == "trend" and task.trend["average"] == 64.29
    # the criteria failed in those reviews, each scoring (0 + 0.5) / 2 on them
    assert ([c["id"] for c in task.criteria], task.baseline) == (["c1", "c2"], 25.0)
    assert selectors.agents_below(lead, threshold=80, last=3) == []  # an open task: no longer suggested
