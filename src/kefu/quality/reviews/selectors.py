"""Reads of scorecards, rules, reviews, appeals and inspectors' workload; always scoped.

Who sees which review: holders of `VIEW_REVIEWS` every review of their scope (a client's
staff only submitted ones, of their own client); an agent (`OWN_REVIEWS`) only their own
submitted reviews. Anything else is 404, like a review that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import selectors as desk_selectors
from kefu.quality import scoring
from kefu.quality.models import (
    Appeal,
    AppealStatus,
    BreakInPeriod,
    QaPolicy,
    Review,
    ReviewStatus,
    Scorecard,
    SurveyAnswer,
)
from kefu.quality.permissions import QualityPerm
from kefu.tenancy import selectors as tenancy_selectors

MESSAGES_SHOWN = 500  # a review shows the conversation's first messages up to this many

# --- scorecards and rules --------------------------------------------------------------------


def _require_any(scope: Scope, *permissions: str) -> None:
    if not any(scope.has(p) for p in permissions):
        raise PermissionDenied()


def scorecard_list(
    scope: Scope, *, client_id: int | None = None, current_only: bool = True
) -> QuerySet[Scorecard]:
    _require_any(scope, QualityPerm.VIEW_REVIEWS, QualityPerm.OWN_REVIEWS)
    queryset = Scorecard.objects.for_scope(scope).select_related("client", "provider")
    # all versions: each scorecard's together, newest first
    queryset = queryset.filter(is_current=True) if current_only else queryset.order_by("family", "-version")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset


def scorecard_get(scope: Scope, *, scorecard_id: int, for_update: bool = False) -> Scorecard:
    return one_of(scorecard_list(scope, current_only=False), pk=scorecard_id, for_update=for_update)


def scorecard_versions(scope: Scope, *, scorecard: Scorecard) -> list[Scorecard]:
    return list(
        scorecard_list(scope, current_only=False).filter(family=scorecard.family).order_by("-version")
    )


def scorecard_for(scope: Scope, *, client_id: int, channel: str) -> Scorecard | None:
    """The current scorecard the scope's provider uses for this client and channel: one for the
    channel wins over one for every channel; None when the client has none."""
    queryset = scorecard_list(scope, client_id=client_id).filter(Q(channel=channel) | Q(channel=""))
    if scope.provider_id is not None:
        queryset = queryset.filter(provider_id=scope.provider_id)
    rows = list(queryset.order_by("-channel", "name", "id")[:1])
    return rows[0] if rows else None


def definition(scorecard: Scorecard) -> scoring.Definition:
    return scoring.parse_definition(scorecard.definition)


def qa_policy_get(scope: Scope, *, client_id: int) -> QaPolicy:
    """The scope's provider's rules for a client (unsaved defaults when none were set)."""
    _require_any(scope, QualityPerm.VIEW_REVIEWS, QualityPerm.MANAGE_SCORECARDS)
    if client_id not in scope.client_ids:
        raise NotFound()
    queryset = QaPolicy.objects.for_scope(scope).filter(client_id=client_id)
    if scope.provider_id is not None:
        queryset = queryset.filter(provider_id=scope.provider_id)
    found = queryset.order_by("id").first()
    return found or QaPolicy(provider_id=scope.provider_id, client_id=client_id)


def break_in_list(scope: Scope, *, client_id: int) -> QuerySet[BreakInPeriod]:
    """The break-in periods the scope sees for a client (a client sees its providers')."""
    if client_id not in scope.client_ids:
        raise NotFound()
    return BreakInPeriod.objects.for_scope(scope).filter(client_id=client_id).select_related("agent")


def break_in_get(scope: Scope, *, period_id: int) -> BreakInPeriod:
    return one_of(BreakInPeriod.objects.for_scope(scope), pk=period_id)


def break_in_covers(periods: list[BreakInPeriod], *, agent_id: int | None, day: date) -> bool:
    """Whether `day` lies in a period for this agent or for everyone."""
    return any(
        p.starts_on <= day <= p.ends_on and (p.agent_id is None or p.agent_id == agent_id) for p in periods
    )


def agent_ids(scope: Scope) -> set[int]:
    """The acting provider's agents (whom a break-in period may name)."""
    if scope.provider_id is None:
        return set()
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.provider_id)
    return {m.user_id for m in tenancy_selectors.membership_list_for_role(organization, role="agent")}


def appeal_window_days(scope: Scope, review: Review) -> int:
    """Days an agent has to appeal this review (the provider's rule for the client, default 3)."""
    found = (
        QaPolicy.objects.for_scope(scope)
        .filter(provider_id=review.provider_id, client_id=review.client_id)
        .first()
    )
    return found.appeal_window_days if found else QaPolicy._meta.get_field("appeal_window_days").default


# --- reviews ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilter:
    status: str = ""
    inspector_id: int | None = None
    agent_id: int | None = None
    client_id: int | None = None
    reason: str = ""


def review_list(scope: Scope, *, filters: ReviewFilter | None = None) -> QuerySet[Review]:
    queryset = Review.objects.for_scope(scope).select_related(
        "scorecard", "agent", "inspector", "client", "conversation", "appeal"
    )
    if scope.has(QualityPerm.VIEW_REVIEWS):
        if not scope.is_provider:
            queryset = queryset.filter(status=ReviewStatus.SUBMITTED)
    elif scope.has(QualityPerm.OWN_REVIEWS):
        queryset = queryset.filter(agent_id=scope.user_id, status=ReviewStatus.SUBMITTED)
    else:
        raise PermissionDenied()
    f = filters or ReviewFilter()
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.inspector_id is not None:
        queryset = queryset.filter(inspector_id=f.inspector_id)
    if f.agent_id is not None:
        queryset = queryset.filter(agent_id=f.agent_id)
    if f.client_id is not None:
        queryset = queryset.filter(client_id=f.client_id)
    if f.reason:
        queryset = queryset.filter(reason=f.reason)
    return queryset


def review_get(scope: Scope, *, review_id: int, for_update: bool = False) -> Review:
    return one_of(review_list(scope), pk=review_id, for_update=for_update)


def review_next(scope: Scope, *, after: Review | None = None) -> Review | None:
    """The actor's next open review task (by due date), skipping `after`: the `]` key."""
    if not scope.has(QualityPerm.REVIEW):
        return None
    queryset = review_list(
        scope, filters=ReviewFilter(status=ReviewStatus.PENDING, inspector_id=scope.user_id)
    )
    if after is not None:
        queryset = queryset.exclude(pk=after.pk)
    return queryset.order_by("due_at", "id").first()


def review_messages(scope: Scope, *, review: Review) -> list:
    """The reviewed conversation's messages, oldest first (internal notes included: they show
    what the agent knew)."""
    return desk_selectors.message_list(scope, conversation_id=review.conversation_id, limit=MESSAGES_SHOWN)


def review_conversation_rating(scope: Scope, *, review: Review) -> int | None:
    answer = SurveyAnswer.objects.for_scope(scope).filter(conversation_id=review.conversation_id).first()
    return answer.score if answer else None


def appeal_deadline(scope: Scope, review: Review) -> datetime | None:
    if review.submitted_at is None:
        return None
    return review.submitted_at + timedelta(days=appeal_window_days(scope, review))


# --- appeals ---------------------------------------------------------------------------------


def appeal_list(scope: Scope, *, status: str = "") -> QuerySet[Appeal]:
    """Appeals on the reviews the actor sees (an agent: their own)."""
    reviews = review_list(scope)
    queryset = (
        Appeal.objects.for_scope(scope)
        .filter(review__in=reviews)
        .select_related(
            "review", "review__agent", "review__inspector", "review__client", "raised_by", "decided_by"
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def appeal_get(scope: Scope, *, appeal_id: int, for_update: bool = False) -> Appeal:
    return one_of(appeal_list(scope), pk=appeal_id, for_update=for_update)


def open_appeal_count(scope: Scope) -> int:
    if not scope.has(QualityPerm.DECIDE_APPEALS):
        return 0
    return appeal_list(scope, status=AppealStatus.OPEN).count()


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def check_day(day: date) -> None:
    """Days a sample or a workload can be about (dates near the calendar's ends overflow)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(_("Choose a day between 2000 and 2100."), field="day")


def today() -> date:
    return timezone.localdate(clock.now())


# --- workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    inspector_id: int
    name: str
    open: int
    due_today: int
    overdue: int
    done_today: int
    done_week: int
    average_score: float | None


def workload(scope: Scope, *, day: date) -> list[Workload]:
    """Per inspector of the scope's reviews: open tasks, due today, overdue, finished today and in
    the last 7 days, and the average score they gave."""
    scope.require(QualityPerm.VIEW_REVIEWS)
    if not scope.is_provider:
        raise PermissionDenied()
    check_day(day)
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=1)
    week = start - timedelta(days=6)
    pending = Q(status=ReviewStatus.PENDING)
    done = Q(status=ReviewStatus.SUBMITTED)
    rows = (
        review_list(scope)
        .exclude(inspector__isnull=True)
        .order_by()
        .values("inspector_id", "inspector__username", "inspector__display_name")
        .annotate(
            open=Count("id", filter=pending),
            due_today=Count("id", filter=pending & Q(due_at__gte=start, due_at__lt=end)),
            overdue=Count("id", filter=pending & Q(due_at__lt=start)),
            done_today=Count("id", filter=done & Q(submitted_at__gte=start, submitted_at__lt=end)),
            done_week=Count("id", filter=done & Q(submitted_at__gte=week, submitted_at__lt=end)),
        )
    )
    scores: dict[int, list[float]] = {}
    for inspector_id, value in (
        review_list(scope, filters=ReviewFilter(status=ReviewStatus.SUBMITTED))
        .exclude(score__isnull=True)
        .values_list("inspector_id", "score")
    ):
        scores.setdefault(inspector_id, []).append(value)
    result = [
        Workload(
            inspector_id=row["inspector_id"],
            name=row["inspector__display_name"] or row["inspector__username"],
            open=row["open"],
            due_today=row["due_today"],
            overdue=row["overdue"],
            done_today=row["done_today"],
            done_week=row["done_week"],
            average_score=(
                round(sum(scores[row["inspector_id"]]) / len(scores[row["inspector_id"]]), 1)
                if scores.get(row["inspector_id"])
                else None
            ),
        )
        for row in rows
    ]
    return sorted(result, key=lambda w: (-w.open, w.name))


def open_loads(scope: Scope, *, inspector_ids: list[int]) -> dict[int, int]:
    """Open review tasks per inspector of the scope's provider, over all its clients: the load
    an inspector carries, though the sampling job's scope holds one client (hence `all_tenants`,
    keyed by the provider)."""
    loads = dict.fromkeys(inspector_ids, 0)
    rows = (
        Review.all_tenants.filter(
            provider_id=scope.provider_id, status=ReviewStatus.PENDING, inspector_id__in=inspector_ids
        )
        .order_by()
        .values("inspector_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        loads[row["inspector_id"]] = row["n"]
    return loads
