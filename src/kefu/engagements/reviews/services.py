"""Writes of business reviews and renewal recommendations: generate a draft (again), publish it
(the figures freeze), raise and close improvement actions, comment, store a recommendation and
record the client's decision. Every write takes the scope first; the transaction lives here."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.contracts.models import Contract, ContractStatus
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.reviews import figures, renewal, selectors
from kefu.engagements.reviews.models import (
    ActionStatus,
    BusinessReview,
    RenewalRecommendation,
    ReviewAction,
    ReviewComment,
    ReviewStatus,
)

TITLE_MAX = 300
COMMENT_MAX = 4000


def parse_month(value: str | date | None, *, field: str = "month") -> date:
    """`YYYY-MM` (or a date) → the first of that month; anything else is 422 on `field`."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = (value or "").strip()
    try:
        if len(text) != 7:
            raise ValueError(text)
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise Invalid(_("Give the month as YYYY-MM."), field=field) from None


def _date(value: str | date | None, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(_("Give the date as YYYY-MM-DD."), field=field) from None


def _text(value: str | None, field: str, limit: int, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(message, field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(n)s characters.") % {"n": limit}, field=field)
    return text


def _signed(scope: Scope, contract_id: int, *, field: str = "contract_id") -> Contract:
    contract = contract_selectors.contract_get(scope, contract_id=contract_id)
    if contract.status != ContractStatus.SIGNED:
        raise Conflict(_("Only the signed version in force is reviewed."))
    return contract


def _check_month(contract: Contract, month: date) -> None:
    today = figures.today_of(contract)
    if month < contract.starts_on.replace(day=1):
        raise Invalid(_("The contract had not started in that month."), field="month")
    if month > today.replace(day=1):
        raise Invalid(_("That month has not begun."), field="month")


@transaction.atomic
def review_generate(scope: Scope, *, contract_id: int, month: str | date) -> BusinessReview:
    """A draft review of the contract's month, or the draft generated again (its figures now);
    a published review is not regenerated (409)."""
    scope.require(EngagementPerm.REVIEW_PREPARE)
    first = parse_month(month)
    contract = _signed(scope, contract_id)
    _check_month(contract, first)
    existing = selectors.review_find(scope, contract=contract, month=first)
    if existing is not None:
        existing = selectors.review_get(scope, business_review_id=existing.pk, for_update=True)
        if existing.status == ReviewStatus.PUBLISHED:
            raise Conflict(_("This review is published; its figures are frozen."))
    snapshot = figures.review_snapshot(contract, month=first)
    now = clock.now()
    if existing is not None:
        existing.snapshot, existing.generated_at = snapshot, now
        existing.generated_by_id = scope.user_id
        existing.save(update_fields=["snapshot", "generated_at", "generated_by"])
        return existing
    try:
        with transaction.atomic():
            return BusinessReview.objects.create(
                provider_id=contract.provider_id,
                client_id=contract.client_id,
                contract=contract,
                engagement_id=contract.engagement_id,
                month=first,
                snapshot=snapshot,
                generated_at=now,
                generated_by_id=scope.user_id,
            )
    except IntegrityError:
        raise Conflict(_("This month's review was just generated; open it.")) from None


def _action_json(action: ReviewAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "owner": str(action.owner),
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "raised_in": action.review.month.strftime("%Y-%m"),
    }


@transaction.atomic
def review_publish(scope: Scope, *, business_review_id: int) -> BusinessReview:
    """Freeze the draft's figures (as last generated, for a month that is over) and the state of
    its actions; from then on the review is read as it was published."""
    scope.require(EngagementPerm.REVIEW_PREPARE)
    review = selectors.review_get(scope, business_review_id=business_review_id, for_update=True)
    if review.status == ReviewStatus.PUBLISHED:
        raise Conflict(_("This review is already published."))
    if review.snapshot.get("projected", True):
        raise Conflict(_("The figures were generated before the month was over; generate them again first."))
    now = clock.now()
    review.snapshot = {
        **review.snapshot,
        "actions": [_action_json(a) for a in selectors.action_list(scope, review=review)],
    }
    review.status, review.published_at, review.published_by_id = ReviewStatus.PUBLISHED, now, scope.user_id
    review.save(update_fields=["snapshot", "status", "published_at", "published_by"])
    return review


def _owner(review: BusinessReview, owner_id: int | None) -> int:
    if owner_id is None or owner_id not in {row[0] for row in selectors.owner_choices(review)}:
        raise Invalid(_("Choose someone of either side who answers for the engagement."), field="owner_id")
    return owner_id


@transaction.atomic
def action_create(
    scope: Scope, *, business_review_id: int, title: str, owner_id: int | None, due_on: str | date
) -> ReviewAction:
    scope.require(EngagementPerm.REVIEW_DISCUSS)
    review = selectors.review_get(scope, business_review_id=business_review_id)
    if review.status == ReviewStatus.PUBLISHED:
        raise Conflict(_("This review is published; raise the action in the next month's review."))
    return ReviewAction.objects.create(
        provider_id=review.provider_id,
        client_id=review.client_id,
        engagement_id=review.engagement_id,
        review=review,
        title=_text(title, "title", TITLE_MAX, _("Say what is to be done.")),
        owner_id=_owner(review, owner_id),
        due_on=_date(due_on, "due_on"),
        created_at=clock.now(),
        created_by_id=scope.user_id,
    )


@transaction.atomic
def action_update(
    scope: Scope,
    *,
    review_action_id: int,
    title: str | None = None,
    owner_id: int | None = None,
    due_on: str | date | None = None,
    status: str | None = None,
) -> ReviewAction:
    """Change an open action (title, owner, due date) or mark it done (who and when are kept);
    a done action stays done."""
    scope.require(EngagementPerm.REVIEW_DISCUSS)
    action = selectors.action_get(scope, review_action_id=review_action_id, for_update=True)
    if action.status == ActionStatus.DONE:
        raise Conflict(_("This action is done; raise a new one if more is needed."))
    if status is not None and status not in ActionStatus.values:
        raise Invalid(_("Unknown status."), field="status")
    fields = []
    if title is not None:
        action.title = _text(title, "title", TITLE_MAX, _("Say what is to be done."))
        fields.append("title")
    if owner_id is not None:
        action.owner_id = _owner(action.review, owner_id)
        fields.append("owner")
    if due_on is not None:
        action.due_on = _date(due_on, "due_on")
        fields.append("due_on")
    if status == ActionStatus.DONE:
        action.status, action.done_at, action.done_by_id = ActionStatus.DONE, clock.now(), scope.user_id
        fields += ["status", "done_at", "done_by"]
    if fields:
        action.save(update_fields=fields)
    return action


@transaction.atomic
def comment_add(scope: Scope, *, business_review_id: int, body: str) -> ReviewComment:
    """A comment by either side, draft or published (append-only)."""
    scope.require(EngagementPerm.REVIEW_DISCUSS)
    review = selectors.review_get(scope, business_review_id=business_review_id)
    return ReviewComment.objects.create(
        provider_id=review.provider_id,
        client_id=review.client_id,
        review=review,
        author_id=scope.user_id,
        side="provider" if scope.is_provider else "client",
        body=_text(body, "body", COMMENT_MAX, _("Write a comment.")),
        created_at=clock.now(),
    )


def recommendation_json(found: renewal.Recommendation) -> dict[str, Any]:
    return {
        "outcome": found.outcome,
        "rule": found.rule,
        "findings": [asdict(f) for f in found.findings],
        "measured_months": found.measured_months,
        "met_pct": found.met_pct,
        "credit_pct": found.credit_pct,
        "trend_points": found.trend_points,
        "complaints_rising": found.complaints_rising,
        "thresholds": asdict(renewal.Thresholds()),
    }


@transaction.atomic
def renewal_store(scope: Scope, *, contract_id: int) -> RenewalRecommendation:
    """Compute the recommendation now and keep it with its evidence (who asked, when)."""
    scope.require(EngagementPerm.REVIEW_DISCUSS)
    live = selectors.renewal_live(scope, contract_id=contract_id)
    contract = live.contract
    return RenewalRecommendation.objects.create(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        contract=contract,
        outcome=live.recommendation.outcome,
        evidence={"record": live.evidence, "recommendation": recommendation_json(live.recommendation)},
        created_at=clock.now(),
        created_by_id=scope.user_id,
    )


@transaction.atomic
def renewal_decide(scope: Scope, *, renewal_id: int, decision: str, note: str = "") -> RenewalRecommendation:
    """The client's decision on a stored recommendation (once)."""
    scope.require(EngagementPerm.RENEWAL_DECIDE)
    row = selectors.renewal_get(scope, renewal_id=renewal_id, for_update=True)
    if decision not in renewal.OUTCOMES:
        raise Invalid(_("Choose renew, renegotiate or replace."), field="decision")
    if row.decision:
        raise Conflict(_("The decision is already recorded."))
    row.decision, row.decision_note = decision, (note or "").strip()[:COMMENT_MAX]
    row.decided_at, row.decided_by_id = clock.now(), scope.user_id
    row.save(update_fields=["decision", "decision_note", "decided_at", "decided_by"])
    return row
