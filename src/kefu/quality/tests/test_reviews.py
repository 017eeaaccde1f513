"""Scorecard versions, the day's sample (rules, idempotent reruns, fair assignment), reviewing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.quality.models import Review
from kefu.quality.reviews import selectors, services
from kefu.quality.tests.reviewing_helpers import TEXT, finished, scorecard
from kefu.tenancy.models import AuditEvent
from kefu.testing.factories import MembershipFactory
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 3)
AT = datetime(2026, 12, 3, 15, 0, tzinfo=SH)


def test_editing_a_scorecard_stores_a_new_version_and_old_reviews_keep_theirs(tenants: Tenants) -> None:
    # given a scorecard and a review that uses version 1
    card = scorecard(tenants)
    conversation_id = finished(tenants, AT)
    inspector = tenants.scope("pa", "qa_inspector")
    review = services.review_create(inspector, conversation_id=conversation_id)

    # when the scorecard is edited
    new = services.scorecard_update(inspector, scorecard_id=card.pk, text=TEXT + "主动核实订单号 | 10 | yn\n")

    # then version 2 is current, version 1 is kept for the review, ids of unchanged criteria stay
    card.refresh_from_db()
    assert (card.version, card.is_current, new.version, new.is_current, new.family) == (
        1,
        False,
        2,
        True,
        card.pk,
    )
    review.refresh_from_db()
    assert review.scorecard_id == card.pk
    assert [c.id for c in selectors.definition(new).criteria] == ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    assert AuditEvent.all_tenants.filter(action="quality.scorecard_update").count() == 1
    with pytest.raises(Invalid):
        services.scorecard_update(inspector, scorecard_id=card.pk, name="旧版")


def test_a_bad_scorecard_line_is_reported_in_the_readers_words(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as error:
        services.scorecard_create(
            tenants.scope("pa", "qa_inspector"),
            client_id=tenants.ca1.pk,
            name="x",
            text="# A\n问候 | 10 | stars",
        )
    assert (error.value.field, str(error.value.message)) == ("definition", "第 2 行：无法识别“stars”。")


def test_agents_and_clients_cannot_write_scorecards(tenants: Tenants) -> None:
    for org, role in (("pa", "agent"), ("ca1", "client_admin")):
        with pytest.raises(PermissionDenied):
            services.scorecard_create(tenants.scope(org, role), client_id=tenants.ca1.pk, name="x", text=TEXT)


def test_the_days_sample_follows_the_rules_and_a_rerun_adds_nothing(tenants: Tenants) -> None:
    # given chats (100 %), emails (0 % here) and a complaint email, finished on DAY, and one the day after
    scorecard(tenants)
    lead = tenants.scope("pa", "supervisor")
    services.qa_policy_set(
        lead, client_id=tenants.ca1.pk, percent_by_channel={"chat": 100, "email": 0}, new_agent_percent=0
    )
    chats = [finished(tenants, AT) for _ in range(3)]
    finished(tenants, AT, channel="email")
    complaint = finished(tenants, AT, channel="email", tags=["投诉"])
    finished(tenants, datetime(2026, 12, 4, 9, 0, tzinfo=SH))

    # when the day is sampled twice
    first = services.sample_day(lead, client_id=tenants.ca1.pk, day=DAY)
    second = services.sample_day(lead, client_id=tenants.ca1.pk, day=DAY)

    # then
    assert (first.finished, first.sampled, first.created, first.unassigned) == (5, 4, 4, 0)
    assert (second.sampled, second.created) == (4, 0)
    reviews = Review.all_tenants.order_by("conversation_id")
    assert [(r.conversation_id, r.reason) for r in reviews] == [
        *[(c, "random") for c in chats],
        (complaint, "complaint"),
    ]
    assert {r.inspector_id for r in reviews} == {tenants.user("pa", "qa_inspector").pk}
    assert {r.due_at for r in reviews} == {datetime(2026, 12, 4, 23, 59, tzinfo=SH)}


def test_the_sample_is_shared_fairly_between_inspectors(tenants: Tenants) -> None:
    scorecard(tenants)
    second = MembershipFactory(organization=tenants.pa, role="qa_inspector").user
    for _ in range(5):
        finished(tenants, AT)

    services.sample_day(tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, day=DAY)

    counts = sorted(
        Review.all_tenants.filter(inspector=i).count() for i in (second, tenants.user("pa", "qa_inspector"))
    )
    assert counts == [2, 3]


def test_the_periodic_job_samples_yesterday_for_every_client_with_a_scorecard(tenants: Tenants) -> None:
    scorecard(tenants)
    scorecard(tenants, provider="pb", client="cb")
    finished(tenants, AT)
    finished(tenants, AT, provider="pb", client="cb")

    with time_machine.travel(datetime(2026, 12, 4, 2, 0, tzinfo=SH), tick=False):
        done = services.sample_due()
        again = services.sample_due()

    assert done == {"pairs": 2, "created": 2}
    assert again == {"pairs": 2, "created": 0}
    assert sorted(Review.all_tenants.values_list("provider__slug", flat=True)) == ["pa", "pb"]


def _review(tenants: Tenants) -> Review:
    scorecard(tenants)
    conversation_id = finished(tenants, AT)
    return services.review_create(tenants.scope("pa", "qa_inspector"), conversation_id=conversation_id)


FULL = {"c1": "y", "c2": "y", "c3": "na", "c4": 4, "c5": "y", "c6": "y"}


def test_submitting_scores_and_audits(tenants: Tenants) -> None:
    review = _review(tenants)
    inspector = tenants.scope("pa", "qa_inspector")

    done = services.review_save(
        inspector,
        review_id=review.pk,
        answers={**FULL, "c2": "p"},
        comments={"c2": "没有说“请问有什么可以帮您”"},
        anchors={"c2": 2},
        notes=[{"seq": 1, "text": "客户第一句就问物流"}],
        submit=True,
    )

    # 10 + 5 + 30 of 60 (the closing is N/A)
    assert (done.status, done.score, done.fatal) == ("submitted", 75.0, False)
    assert done.anchors == {"c2": 2}
    assert done.notes == [{"seq": 1, "text": "客户第一句就问物流"}]
    event = AuditEvent.all_tenants.get(action="quality.review_submit")
    assert event.data == {"score": 75.0, "fatal": False, "failed": ["c2"]}
    with pytest.raises(Conflict):
        services.review_save(inspector, review_id=review.pk, answers=FULL, submit=True)


def test_submit_needs_every_answer_and_a_comment_on_each_failure(tenants: Tenants) -> None:
    review = _review(tenants)
    inspector = tenants.scope("pa", "qa_inspector")

    with pytest.raises(Invalid) as open_error:
        services.review_save(inspector, review_id=review.pk, answers={"c1": "y"}, submit=True)
    with pytest.raises(Invalid) as comment_error:
        services.review_save(inspector, review_id=review.pk, answers={**FULL, "c5": "n"}, submit=True)
    with pytest.raises(Invalid) as anchor_error:
        services.review_save(inspector, review_id=review.pk, answers=FULL, anchors={"c1": 99})

    assert open_error.value.field == "c2"
    assert comment_error.value.field == "c5"
    assert anchor_error.value.field == "anchors.c1"
    review.refresh_from_db()
    assert review.status == "pending"


def test_a_fatal_item_zeroes_the_review(tenants: Tenants) -> None:
    review = _review(tenants)
    done = services.review_save(
        tenants.scope("pa", "qa_inspector"),
        review_id=review.pk,
        answers={**FULL, "c5": "n"},
        comments={"c5": "把客户完整手机号发在对话里"},
        submit=True,
    )
    assert (done.score, done.fatal) == (0.0, True)


def test_the_agent_cannot_review_and_other_tenants_cannot_see(tenants: Tenants) -> None:
    review = _review(tenants)
    with pytest.raises(PermissionDenied):
        services.review_save(tenants.scope("pa", "agent"), review_id=review.pk, answers=FULL)
    with pytest.raises(NotFound):
        services.review_save(tenants.scope("pb", "qa_inspector"), review_id=review.pk, answers=FULL)
    assert not selectors.review_list(tenants.scope("pb", "supervisor")).exists()
    # the agent sees nothing before it is submitted, the client neither
    assert not selectors.review_list(tenants.scope("pa", "agent")).exists()
    assert not selectors.review_list(tenants.scope("ca1", "client_manager")).exists()


def test_prefill_fills_open_answers_and_anchors_from_findings(tenants: Tenants) -> None:
    review = _review(tenants)
    inspector = tenants.scope("pa", "qa_inspector")
    services.review_save(inspector, review_id=review.pk, answers={"c1": "y"})

    done = services.review_prefill(
        inspector,
        review_id=review.pk,
        findings=[
            {"criterion_id": "c1", "answer": "n", "message_index": 1, "comment": "greeting_missing"},
            {"criterion_id": "c5", "answer": "n", "message_index": 1, "comment": "完整手机号"},
            {"criterion_id": "unknown", "answer": "y"},
        ],
    )

    assert done.answers == {"c1": "y", "c5": "n"}  # the inspector's own answer stays
    assert done.anchors == {"c1": 2, "c5": 2}  # message index 1 is seq 2
    assert done.comments == {"c1": "greeting_missing", "c5": "完整手机号"}
    assert len(done.prefill) == 3
    assert done.status == "pending"


def test_agents_in_their_break_in_period_get_the_higher_share(tenants: Tenants) -> None:
    # given a veteran (joined in January) and a newcomer who joined 13 days before DAY
    from kefu.tenancy.models import Membership

    Membership.objects.filter(user=tenants.user("pa", "agent")).update(
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=SH)
    )
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=SH), tick=False):
        tenants.people[("pa", "newcomer")] = MembershipFactory(organization=tenants.pa, role="agent").user
    scorecard(tenants)
    lead = tenants.scope("pa", "supervisor")
    services.qa_policy_set(
        lead,
        client_id=tenants.ca1.pk,
        percent_by_channel={"chat": 0},
        new_agent_days=30,
        new_agent_percent=100,
    )
    veteran = finished(tenants, AT)
    newcomer = finished(tenants, AT, agent_role="newcomer")

    result = services.sample_day(lead, client_id=tenants.ca1.pk, day=DAY)

    assert result.created == 1
    assert [(r.conversation_id, r.reason) for r in Review.all_tenants.all()] == [(newcomer, "new_agent")]
    assert veteran != newcomer


def test_a_break_in_period_gives_a_veteran_the_break_in_share(tenants: Tenants) -> None:
    # given a veteran (joined in January) and a break-in period for everyone on the client over DAY
    from datetime import timedelta

    from kefu.tenancy.models import Membership

    Membership.objects.filter(user=tenants.user("pa", "agent")).update(
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=SH)
    )
    scorecard(tenants)
    lead = tenants.scope("pa", "supervisor")
    services.qa_policy_set(
        lead,
        client_id=tenants.ca1.pk,
        percent_by_channel={"chat": 0},
        new_agent_days=30,
        new_agent_percent=100,
    )
    veteran = finished(tenants, AT)
    services.break_in_create(lead, client_id=tenants.ca1.pk, starts_on=DAY, ends_on=DAY + timedelta(days=6))

    result = services.sample_day(lead, client_id=tenants.ca1.pk, day=DAY)

    assert result.created == 1
    assert [(r.conversation_id, r.reason) for r in Review.all_tenants.all()] == [(veteran, "new_agent")]
