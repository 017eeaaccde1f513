"""The quality figures, hand-computed: `qa_score` (human reviews, final score after appeals, by
submission day) and `autoqa_score` (auto-QA, each conversation once with its last score of the
period), never mixed; `complaint_rate` counts the complaints register."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.analytics.metrics import queries
from kefu.analytics.metrics.quality_compute import ScoreEvent, autoqa_items, qa_items
from kefu.core import clock
from kefu.quality import autoqa_services
from kefu.quality.complaints import services as complaint_services
from kefu.quality.reviews import services as review_services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=SH)


def _event(id: int, minutes: int, conversation: int, agent: int | None, **data: object) -> ScoreEvent:
    return ScoreEvent(id, T0 + timedelta(minutes=minutes), conversation, agent, dict(data))


def test_qa_items_take_the_score_after_appeal() -> None:
    finalised = [
        _event(1, 0, 10, 7, review_id=1, score=80.0),
        _event(2, 5, 11, 8, review_id=2, score=60.0),
        _event(3, 9, 12, 7, review_id=3, score=90.0),
    ]
    rescored = [
        _event(9, 600, 11, 8, review_id=2, score=70.0),
        _event(10, 900, 11, 8, review_id=2, score=75.0),  # the last decision counts
        _event(11, 900, 99, 8, review_id=99, score=0.0),  # a review of another period: ignored
    ]
    items = qa_items(finalised, rescored)
    assert [(i.key, i.numerator, i.agent_id) for i in items] == [
        ("review-1", 80.0, 7),
        ("review-2", 75.0, 8),
        ("review-3", 90.0, 7),
    ]
    # mean = (80 + 75 + 90) / 3 = 81.67
    assert round(sum(i.numerator for i in items) / sum(i.denominator for i in items), 2) == 81.67


def test_autoqa_items_count_each_conversation_once_with_its_last_score() -> None:
    scored = [
        _event(1, 0, 10, 7, score=60),
        _event(2, 1, 11, 8, score=100),
        _event(3, 30, 10, 7, score=80),  # re-run on demand replaces 60
    ]
    items = autoqa_items(scored)
    assert sorted((i.conversation_id, i.numerator) for i in items) == [(10, 80.0), (11, 100.0)]


@pytest.mark.django_db
def test_qa_score_and_autoqa_score_from_the_event_log(tenants: Tenants) -> None:
    """Two reviews submitted on 12-04 (85.71, amended on appeal to 100, and 100): qa_score =
    (100 + 100) / 2 = 100; one of 12-05 is outside the day. Auto-QA scores stay apart."""
    scorecard(tenants)
    inspector, agent = tenants.scope("pa", "qa_inspector"), tenants.scope("pa", "agent")
    answers_miss = {"c1": "n", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"}
    answers_full = {**answers_miss, "c1": "y"}
    reviewed = []
    for day, answers in ((4, answers_miss), (4, answers_full), (5, answers_miss)):
        conversation_id = finished(tenants, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
        with time_machine.travel(datetime(2026, 12, day, 10, 0, tzinfo=SH), tick=False):
            review = review_services.review_create(inspector, conversation_id=conversation_id)
            reviewed.append(
                review_services.review_save(
                    inspector,
                    review_id=review.pk,
                    answers=answers,
                    comments={"c1": "没有报工号"},
                    submit=True,
                )
            )
    assert [r.score for r in reviewed] == [85.71, 100.0, 85.71]
    with time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=SH), tick=False):
        appeal = review_services.appeal_create(agent, review_id=reviewed[0].pk, reason="报了工号")
        review_services.appeal_decide(
            tenants.scope("pa", "supervisor"), appeal_id=appeal.pk, outcome="amended", note="改为是",
            answers={"c1": "y"},
        )  # fmt: skip
    lead = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        lead, metric_id="qa_score", client_id=tenants.ca1.pk, date_from="2026-12-04", date_to="2026-12-04"
    )
    value = queries.metric_value(lead, query)
    assert (value.result.value, value.result.count) == (100.0, 2)
    with time_machine.travel(datetime(2026, 12, 4, 2, 0, tzinfo=SH), tick=False):
        autoqa_services.autoqa_run(inspector, conversation_id=reviewed[2].conversation_id)
    query = queries.metric_query(
        lead, metric_id="autoqa_score", client_id=tenants.ca1.pk, date_from="2026-12-04", date_to="2026-12-04"
    )
    auto = queries.metric_value(lead, query)
    assert auto.result.count == 1
    assert auto.result.value == queries.metric_items(lead, query)[0].numerator


@pytest.mark.django_db
def test_complaint_rate_counts_registered_complaints_only(tenants: Tenants) -> None:
    """Two conversations offered on 12-03; one has a complaint-type case nobody registered, the
    other a registered complaint: complaint_rate = 1 / 2 = 50 %."""
    from kefu.desk import services as desk_services

    lead = tenants.scope("pa", "supervisor")
    first = finished(tenants, datetime(2026, 12, 3, 10, 0, tzinfo=SH))
    second = finished(tenants, datetime(2026, 12, 3, 11, 0, tzinfo=SH))
    with clock.at(datetime(2026, 12, 3, 12, 0, tzinfo=SH)):
        desk_services.case_create(lead, conversation_id=first, type="complaint")
        complaint_services.complaint_create(lead, conversation_id=second, subject="催单无果", severity="low")
    query = queries.metric_query(
        lead,
        metric_id="complaint_rate",
        client_id=tenants.ca1.pk,
        date_from="2026-12-03",
        date_to="2026-12-03",
    )
    result = queries.metric_value_from_events(lead, query).result
    assert (result.value, result.count) == (50.0, 2)
