"""Business review and renewal endpoints (`/api/engagements/reviews…`, `/api/engagements/renewals…`):
list, get, generate, publish, actions, comments; the renewal recommendation computed now, stored,
and the client's decision (docs/engagements-reviews.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from kefu.engagements.reviews import selectors, services

router = Router(tags=["engagements"])


class ActionOut(Schema):
    id: int
    review_id: int
    raised_in: str
    title: str
    owner_id: int
    owner: str
    due_on: date
    status: str
    done_at: datetime | None
    done_by_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_raised_in(obj: Any) -> str:
        return obj.review.month.strftime("%Y-%m")

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return str(obj.owner)


class CommentOut(Schema):
    id: int
    author_id: int
    author: str
    side: str
    body: str
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author)


class ReviewSummaryOut(Schema):
    id: int
    contract_id: int
    engagement_id: int
    provider_id: int
    client_id: int
    month: str
    status: str
    generated_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_month(obj: Any) -> str:
        return obj.month.strftime("%Y-%m")


class BusinessReviewOut(ReviewSummaryOut):
    snapshot: dict[str, Any]
    actions: list[ActionOut]  # its own and those carried over from earlier reviews
    comments: list[CommentOut]

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return obj.shown_actions

    @staticmethod
    def resolve_comments(obj: Any) -> list[Any]:
        return selectors.comment_list(obj)


class BusinessReviewGenerateIn(Schema):
    contract_id: int
    month: str


class ActionIn(Schema):
    title: str
    owner_id: int | None = None
    due_on: str


class ActionPatch(Schema):
    title: str | None = None
    owner_id: int | None = None
    due_on: str | None = None
    status: str | None = None


class CommentIn(Schema):
    body: str


class RenewalOut(Schema):
    id: int
    contract_id: int
    outcome: str
    evidence: dict[str, Any]
    created_at: datetime
    created_by_id: int | None
    decision: str
    decision_note: str
    decided_at: datetime | None
    decided_by_id: int | None


class RenewalDecisionIn(Schema):
    decision: str
    note: str = ""


def _full(request: HttpRequest, review: Any) -> Any:
    """The review with the actions it shows (which depend on the reader's scope)."""
    review.shown_actions = selectors.action_list(request.access, review=review)
    return review


@router.get("/engagements/reviews", response=list[ReviewSummaryOut])
def list_reviews(request: HttpRequest, contract_id: int | None = None, month: str = "") -> Any:
    wanted = services.parse_month(month) if month else None
    return list(selectors.review_list(request.access, contract_id=contract_id, month=wanted))


@router.post("/engagements/reviews", response={201: BusinessReviewOut})
def generate_review(request: HttpRequest, body: BusinessReviewGenerateIn) -> Status:
    """A draft of the contract's month, or the draft generated again; 409 once published."""
    review = services.review_generate(request.access, contract_id=body.contract_id, month=body.month)
    return Status(201, _full(request, review))


@router.get("/engagements/reviews/{business_review_id}", response=BusinessReviewOut)
def get_review(request: HttpRequest, business_review_id: int) -> Any:
    return _full(request, selectors.review_get(request.access, business_review_id=business_review_id))


@router.post("/engagements/reviews/{business_review_id}/publish", response=BusinessReviewOut)
def publish_review(request: HttpRequest, business_review_id: int) -> Any:
    return _full(request, services.review_publish(request.access, business_review_id=business_review_id))


@router.post("/engagements/reviews/{business_review_id}/actions", response={201: ActionOut})
def create_action(request: HttpRequest, business_review_id: int, body: ActionIn) -> Status:
    return Status(
        201,
        services.action_create(request.access, business_review_id=business_review_id, **body.model_dump()),
    )


@router.patch("/engagements/reviews/actions/{review_action_id}", response=ActionOut)
def update_action(request: HttpRequest, review_action_id: int, body: ActionPatch) -> Any:
    return services.action_update(
        request.access, review_action_id=review_action_id, **body.model_dump(exclude_unset=True)
    )


@router.post("/engagements/reviews/{business_review_id}/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, business_review_id: int, body: CommentIn) -> Status:
    return Status(
        201, services.comment_add(request.access, business_review_id=business_review_id, body=body.body)
    )


@router.get("/engagements/renewals/contracts/{contract_id}")
def renewal_now(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    """The recommendation computed now from the measured record (not stored)."""
    live = selectors.renewal_live(request.access, contract_id=contract_id)
    return {
        "contract_id": live.contract.pk,
        "outcome": live.recommendation.outcome,
        "evidence": {
            "record": live.evidence,
            "recommendation": services.recommendation_json(live.recommendation),
        },
    }


@router.post("/engagements/renewals/contracts/{contract_id}", response={201: RenewalOut})
def store_renewal(request: HttpRequest, contract_id: int) -> Status:
    return Status(201, services.renewal_store(request.access, contract_id=contract_id))


@router.get("/engagements/renewals", response=list[RenewalOut])
def list_renewals(request: HttpRequest, contract_id: int | None = None) -> Any:
    return list(selectors.renewal_list(request.access, contract_id=contract_id))


@router.get("/engagements/renewals/{renewal_id}", response=RenewalOut)
def get_renewal(request: HttpRequest, renewal_id: int) -> Any:
    return selectors.renewal_get(request.access, renewal_id=renewal_id)


@router.post("/engagements/renewals/{renewal_id}/decision", response=RenewalOut)
def decide_renewal(request: HttpRequest, renewal_id: int, body: RenewalDecisionIn) -> Any:
    return services.renewal_decide(
        request.access, renewal_id=renewal_id, decision=body.decision, note=body.note
    )
