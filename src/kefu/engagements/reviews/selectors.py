"""Reads of business reviews, their actions and comments, and renewal recommendations; always
scoped (another tenant's id is 404, like one that does not exist). Reads never write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from kefu.analytics.metrics import timezones
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.contracts.models import Contract, ContractStatus, SlaTerm
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.reviews import figures, renewal
from kefu.engagements.reviews.models import (
    ActionStatus,
    BusinessReview,
    RenewalRecommendation,
    ReviewAction,
    ReviewComment,
)
from kefu.tenancy import selectors as tenancy_selectors

OWNER_ROLES = {
    "provider": ("provider_admin", "account_manager", "supervisor", "qa_inspector"),
    "client": ("client_admin", "client_manager"),
}
RENEWAL_WINDOW_DAYS = 90  # a contract is "approaching renewal" this close (or its notice period)


# --- reviews ---------------------------------------------------------------------------------
def review_list(
    scope: Scope, *, contract_id: int | None = None, month: date | None = None
) -> QuerySet[BusinessReview]:
    scope.require(EngagementPerm.REVIEW_VIEW)
    reviews = BusinessReview.objects.for_scope(scope).select_related("contract", "provider", "client")
    if contract_id is not None:
        reviews = reviews.filter(contract_id=contract_id)
    if month is not None:
        reviews = reviews.filter(month=month)
    return reviews.order_by("-month", "client__name", "-id")


def review_get(scope: Scope, *, business_review_id: int, for_update: bool = False) -> BusinessReview:
    return one_of(review_list(scope), pk=business_review_id, for_update=for_update)


def review_find(scope: Scope, *, contract: Contract, month: date) -> BusinessReview | None:
    return review_list(scope, contract_id=contract.pk, month=month).first()


def reviewable_contracts(scope: Scope) -> list[Contract]:
    """The signed contracts in force the actor may review (the generate form's choices)."""
    if not scope.has(EngagementPerm.CONTRACT_VIEW):
        return []
    return list(contract_selectors.contract_list(scope, status=ContractStatus.SIGNED))


def month_start(review: BusinessReview) -> datetime:
    return datetime.combine(review.month, time.min, tzinfo=timezones.client_time_zone(review.client_id))


def action_list(scope: Scope, *, review: BusinessReview) -> list[ReviewAction]:
    """The review's own actions, and those raised in earlier reviews of the engagement that were
    still open when its month began (carried over: open, or done since)."""
    scope.require(EngagementPerm.REVIEW_VIEW)
    carried = Q(review__month__lt=review.month) & (
        Q(status=ActionStatus.OPEN) | Q(done_at__gte=month_start(review))
    )
    return list(
        ReviewAction.objects.for_scope(scope)
        .filter(engagement_id=review.engagement_id)
        .filter(Q(review=review) | carried)
        .select_related("owner", "done_by", "review")
        .order_by("-status", "due_on", "id")  # open ("open" > "done") first, then by due date
    )


def action_get(scope: Scope, *, review_action_id: int, for_update: bool = False) -> ReviewAction:
    scope.require(EngagementPerm.REVIEW_VIEW)
    return one_of(
        ReviewAction.objects.for_scope(scope).select_related("review"),
        pk=review_action_id,
        for_update=for_update,
    )


def comment_list(review: BusinessReview) -> list[ReviewComment]:
    """The comments of a review the caller already holds (read through its scoped getter)."""
    return list(review.comments.select_related("author").order_by("created_at", "id"))


def owner_choices(review_or_contract: BusinessReview | Contract) -> list[tuple[int, str, str]]:
    """Who may own an action: the people of either side who answer for the relationship
    (user id, name, side)."""
    found: dict[int, tuple[int, str, str]] = {}
    for side, organization in (
        ("provider", review_or_contract.provider),
        ("client", review_or_contract.client),
    ):
        if organization is None:
            continue
        for role in OWNER_ROLES[side]:
            for member in tenancy_selectors.membership_list_for_role(organization, role=role):
                found.setdefault(member.user_id, (member.user_id, str(member.user), side))
    return sorted(found.values(), key=lambda row: (row[2] != "provider", row[1]))


# --- renewal ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Live:
    """A recommendation computed now (not stored): the core's answer and its evidence."""

    contract: Contract
    recommendation: renewal.Recommendation
    evidence: dict[str, Any]


def renewal_live(scope: Scope, *, contract_id: int, as_of: date | None = None) -> Live:
    scope.require(EngagementPerm.REVIEW_VIEW)
    contract = contract_selectors.contract_get(scope, contract_id=contract_id)
    when = as_of or figures.today_of(contract)
    record, evidence = figures.renewal_record(contract, as_of=when)
    return Live(contract, renewal.recommend(record), evidence)


def renewal_list(scope: Scope, *, contract_id: int | None = None) -> QuerySet[RenewalRecommendation]:
    scope.require(EngagementPerm.REVIEW_VIEW)
    rows = RenewalRecommendation.objects.for_scope(scope).select_related(
        "contract", "created_by", "decided_by", "client", "provider"
    )
    if contract_id is not None:
        rows = rows.filter(contract_id=contract_id)
    return rows.order_by("-created_at", "-id")


def renewal_get(scope: Scope, *, renewal_id: int, for_update: bool = False) -> RenewalRecommendation:
    return one_of(renewal_list(scope), pk=renewal_id, for_update=for_update)


def renewal_due(contract: Contract, today: date) -> date | None:
    """The renewal or termination date coming up within the notice period (at least 90 days)."""
    window = timedelta(days=max(RENEWAL_WINDOW_DAYS, contract.notice_days))
    dates = [
        d for d in (contract.renews_on, contract.ends_on) if d is not None and today <= d <= today + window
    ]
    return min(dates) if dates else None


def approaching_renewal(scope: Scope) -> list[tuple[Contract, date]]:
    """The signed contracts whose renewal or termination date is near, soonest first."""
    found = []
    for contract in reviewable_contracts(scope):
        due = renewal_due(contract, figures.today_of(contract))
        if due is not None:
            found.append((contract, due))
    return sorted(found, key=lambda row: (row[1], row[0].pk))


def signed_term_thresholds() -> set[float]:
    """The seconds of every service-level term of a signed contract, across tenants: a system
    read for the rollups' thresholds (configuration, not data)."""
    rows = SlaTerm.all_tenants.filter(contract__status=ContractStatus.SIGNED, threshold_s__isnull=False)
    return {float(t) for t in rows.values_list("threshold_s", flat=True).distinct()}


def terms_in_force(*, client_id: int, today: date) -> list[SlaTerm]:
    """The SLA terms of the client's signed contracts in force today, whichever provider: a system
    read for the dashboard's targets (a target is the client's agreement, shown to whoever may
    read the client's figures)."""
    return list(
        SlaTerm.all_tenants.filter(
            contract__client_id=client_id,
            contract__status=ContractStatus.SIGNED,
            contract__starts_on__lte=today,
        )
        .filter(Q(contract__ends_on__isnull=True) | Q(contract__ends_on__gte=today))
        .order_by("contract_id", "position", "id")
    )
