"""Business reviews: generated from the contract's terms and the measured month, regenerated as a
draft, frozen when published; actions carried over until done; comments from both sides;
renewal recommendations stored with their evidence and the client's decision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import at
from kefu.engagements.reviews import selectors, services
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


MAY = datetime(2026, 5, 3, 2, 0, tzinfo=UTC)


def _manager(tenants: Tenants) -> Any:
    return tenants.scope("pa", "account_manager")


def test_a_running_month_is_a_draft_that_cannot_be_published(tenants: Tenants, signed: Contract) -> None:
    # given March's review generated on 20 March (the month is not over)
    with at(datetime(2026, 3, 20, 2, 0, tzinfo=UTC)):
        review = services.review_generate(_manager(tenants), contract_id=signed.pk, month="2026-03")
        assert review.snapshot["projected"] is True
        # when the account manager publishes it, then 409: generate it again first
        with pytest.raises(Conflict):
            services.review_publish(_manager(tenants), business_review_id=review.pk)


@pytest.mark.usefixtures("worked_day")
def test_publishing_freezes_the_figures_and_a_draft_can_be_regenerated(
    tenants: Tenants, signed: Contract
) -> None:
    manager = _manager(tenants)
    with at(APRIL):
        draft = services.review_generate(manager, contract_id=signed.pk, month="2026-03")
        again = services.review_generate(manager, contract_id=signed.pk, month="2026-03")
        assert again.pk == draft.pk  # a draft is generated again in place
        published = services.review_publish(manager, business_review_id=draft.pk)
    assert (published.status, published.published_by_id) == ("published", manager.user_id)
    assert published.snapshot["actions"] == []
    # when someone asks to generate the month again, then 409 and the snapshot is unchanged
    with at(APRIL), pytest.raises(Conflict):
        services.review_generate(manager, contract_id=signed.pk, month="2026-03")
    published.refresh_from_db()
    assert published.snapshot["credits"] == "7000.00"


def test_a_month_outside_the_contract_or_not_begun_is_invalid(tenants: Tenants, signed: Contract) -> None:
    with at(APRIL):
        for month, field in (("2026-02", "month"), ("2026-05", "month"), ("2026/03", "month")):
            with pytest.raises(Invalid) as caught:
                services.review_generate(_manager(tenants), contract_id=signed.pk, month=month)
            assert caught.value.field == field


@pytest.mark.parametrize(
    ("org", "role", "error"),
    [
        ("ca1", "client_admin", PermissionDenied),  # the client comments, the provider prepares
        ("pa", "agent", PermissionDenied),
        ("pb", "provider_admin", NotFound),  # another provider's contract
    ],
)
def test_who_may_not_generate(tenants: Tenants, signed: Contract, org: str, role: str, error: type) -> None:
    with at(APRIL), pytest.raises(error):
        services.review_generate(tenants.scope(org, role), contract_id=signed.pk, month="2026-03")


def test_a_draft_contract_is_not_reviewed(tenants: Tenants, draft: Contract) -> None:
    with at(APRIL), pytest.raises(Conflict):
        services.review_generate(_manager(tenants), contract_id=draft.pk, month="2026-03")


def test_open_actions_carry_over_until_done_and_both_sides_comment(
    tenants: Tenants, signed: Contract
) -> None:
    manager, client = _manager(tenants), tenants.scope("ca1", "client_manager")
    client_user = tenants.user("ca1", "client_manager")
    with at(APRIL):
        march = services.review_generate(manager, contract_id=signed.pk, month="2026-03")
        # given two actions raised in March's review, one owned by the client's manager
        kept = services.action_create(
            manager,
            business_review_id=march.pk,
            title="夜班增派 2 人",
            owner_id=manager.user_id,
            due_on="2026-04-20",
        )
        closed = services.action_create(
            client,
            business_review_id=march.pk,
            title="更新售后规则",
            owner_id=client_user.pk,
            due_on="2026-04-10",
        )
        services.comment_add(manager, business_review_id=march.pk, body="接起率未达标，已排查夜班排班。")
        services.comment_add(client, business_review_id=march.pk, body="请在 4 月底前给出改进结果。")
        published = services.review_publish(manager, business_review_id=march.pk)
    with at(datetime(2026, 4, 12, 2, 0, tzinfo=UTC)):
        done = services.action_update(client, review_action_id=closed.pk, status="done")
    with at(MAY):
        april = services.review_generate(manager, contract_id=signed.pk, month="2026-04")
    # then April's review shows both: the open one carried over, the one done in April
    shown = selectors.action_list(manager, review=april)
    assert [(a.pk, a.status) for a in shown] == [(kept.pk, "open"), (closed.pk, "done")]
    assert (done.done_by_id, done.done_at) == (client_user.pk, datetime(2026, 4, 12, 2, 0, tzinfo=UTC))
    # and the comments keep their author, side and order
    comments = selectors.comment_list(march)
    assert [(c.side, c.author_id) for c in comments] == [
        ("provider", manager.user_id),
        ("client", client_user.pk),
    ]
    # and March's snapshot froze the actions as they stood when it was published
    assert [(a["title"], a["status"]) for a in published.snapshot["actions"]] == [
        ("更新售后规则", "open"), ("夜班增派 2 人", "open"),
    ]  # fmt: skip
    # a done action stays done
    with pytest.raises(Conflict):
        services.action_update(manager, review_action_id=closed.pk, status="open")


def test_an_action_is_owned_by_someone_of_either_side(tenants: Tenants, signed: Contract) -> None:
    with at(APRIL):
        review = services.review_generate(_manager(tenants), contract_id=signed.pk, month="2026-03")
        stranger = tenants.user("pb", "provider_admin").pk
        for owner, field in ((stranger, "owner_id"), (None, "owner_id")):
            with pytest.raises(Invalid) as caught:
                services.action_create(
                    _manager(tenants),
                    business_review_id=review.pk,
                    title="x",
                    owner_id=owner,
                    due_on="2026-04-01",
                )
            assert caught.value.field == field
        with pytest.raises(Invalid) as caught:
            services.action_create(
                _manager(tenants), business_review_id=review.pk, title=" ",
                owner_id=_manager(tenants).user_id, due_on="2026-04-01",
            )  # fmt: skip
        assert caught.value.field == "title"
        with pytest.raises(Invalid) as caught:
            services.comment_add(tenants.scope("ca1", "client_admin"), business_review_id=review.pk, body="")
        assert caught.value.field == "body"


@pytest.mark.usefixtures("worked_day")
def test_a_recommendation_is_stored_with_its_evidence_and_the_client_decides(
    tenants: Tenants, signed: Contract
) -> None:
    # given a contract measured for one month only (March)
    with at(APRIL):
        stored = services.renewal_store(_manager(tenants), contract_id=signed.pk)
    # then the record is too short: renegotiate, with March's evidence
    assert (stored.outcome, stored.created_by_id) == ("renegotiate", _manager(tenants).user_id)
    record = stored.evidence["record"]
    assert record["months"] == [
        {"month": "2026-03", "terms_measured": 2, "terms_met": 0, "credits": "7000.00", "bonus": "0.00"}
    ]
    assert stored.evidence["recommendation"]["rule"] == "short_record"
    # the provider does not decide; the client does, once
    with pytest.raises(PermissionDenied):
        services.renewal_decide(_manager(tenants), renewal_id=stored.pk, decision="renew")
    client = tenants.scope("ca1", "client_admin")
    with pytest.raises(Invalid):
        services.renewal_decide(client, renewal_id=stored.pk, decision="maybe")
    decided = services.renewal_decide(client, renewal_id=stored.pk, decision="renegotiate", note="降价 5%")
    assert (decided.decision, decided.decision_note, decided.decided_by_id) == (
        "renegotiate", "降价 5%", client.user_id,
    )  # fmt: skip
    with pytest.raises(Conflict):
        services.renewal_decide(client, renewal_id=stored.pk, decision="renew")
    with pytest.raises(NotFound):
        selectors.renewal_get(tenants.scope("ca2", "client_admin"), renewal_id=stored.pk)
