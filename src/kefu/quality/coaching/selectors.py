"""Reads of coaching tasks; always scoped.

Who sees which task: coaches (`COACH`: leads, inspectors, the admin) every task of their
provider — the team's, with filters for their own and the overdue ones; an agent
(`OWN_COACHING` alone) their own tasks. The client's staff see none (coaching is the provider's
own business). Anything else is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, PermissionDenied
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.quality import autoqa_selectors
from kefu.quality.coaching import focus
from kefu.quality.models import CoachingStatus, CoachingTask, Review, ReviewStatus
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors as review_selectors
from kefu.tenancy import selectors as tenancy_selectors

COACH_ROLES = (Role.SUPERVISOR, Role.QA_INSPECTOR, Role.PROVIDER_ADMIN)
OPEN_STATUSES = (CoachingStatus.OPEN, CoachingStatus.SCHEDULED)


def is_coach(scope: Scope) -> bool:
    return scope.is_provider and scope.has(QualityPerm.COACH)


@dataclass(frozen=True)
class CoachingFilter:
    status: str = ""
    coach_id: int | None = None
    agent_id: int | None = None
    overdue_on: date | None = None  # open or scheduled and due before this day


def coaching_list(scope: Scope, *, filters: CoachingFilter | None = None) -> QuerySet[CoachingTask]:
    queryset = CoachingTask.objects.for_scope(scope).select_related(
        "agent", "coach", "client", "review", "follow_up"
    )
    if is_coach(scope):
        pass
    elif scope.is_provider and scope.has(QualityPerm.OWN_COACHING):
        queryset = queryset.filter(agent_id=scope.user_id)
    else:
        raise PermissionDenied()
    f = filters or CoachingFilter()
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.coach_id is not None:
        queryset = queryset.filter(coach_id=f.coach_id)
    if f.agent_id is not None:
        queryset = queryset.filter(agent_id=f.agent_id)
    if f.overdue_on is not None:
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_on__lt=f.overdue_on)
    return queryset


def coaching_get(scope: Scope, *, task_id: int, for_update: bool = False) -> CoachingTask:
    return one_of(coaching_list(scope), pk=task_id, for_update=for_update)


def coaching_counts(scope: Scope, *, today: date) -> dict[str, int]:
    """Open, overdue and unacknowledged tasks the actor should look at (badges)."""
    if not (scope.has(QualityPerm.COACH) or scope.has(QualityPerm.OWN_COACHING)) or not scope.is_provider:
        return {"open": 0, "overdue": 0, "unacknowledged": 0}
    queryset = coaching_list(scope)
    if is_coach(scope):
        queryset = queryset.filter(Q(coach_id=scope.user_id) | Q(coach__isnull=True))
    pending = queryset.filter(status__in=OPEN_STATUSES)
    return {
        "open": pending.count(),
        "overdue": pending.filter(due_on__lt=today).count(),
        "unacknowledged": queryset.filter(agent_id=scope.user_id, acknowledged_at__isnull=True).count(),
    }


def follow_up_candidates(scope: Scope, *, task: CoachingTask) -> list[Review]:
    """Later submitted reviews of the agent for the same client that answer a focus criterion,
    newest first."""
    criteria = [c["id"] for c in task.criteria]
    queryset = (
        review_selectors.review_list(
            scope,
            filters=review_selectors.ReviewFilter(
                status=ReviewStatus.SUBMITTED, agent_id=task.agent_id, client_id=task.client_id
            ),
        )
        .filter(submitted_at__gt=task.created_at)
        .order_by("-submitted_at", "-id")
    )
    if task.review_id is not None:
        queryset = queryset.exclude(pk=task.review_id)
    return [
        r
        for r in queryset[:50]
        if focus.covers(review_selectors.definition(r.scorecard), r.answers, criteria)
    ]


def coach_choices(scope: Scope) -> list[tuple[int, str]]:
    """The provider's leads, inspectors and admins, who may coach."""
    return _members(scope, COACH_ROLES)


def agent_choices(scope: Scope) -> list[tuple[int, str]]:
    return _members(scope, (Role.AGENT,))


def _members(scope: Scope, roles: tuple[Role, ...]) -> list[tuple[int, str]]:
    if scope.provider_id is None:
        return []
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.provider_id)
    found: dict[int, str] = {}
    for role in roles:
        for m in tenancy_selectors.membership_list_for_role(organization, role=role):
            found[m.user_id] = m.user.display_name or m.user.username
    return sorted(found.items(), key=lambda item: item[1])


@dataclass(frozen=True)
class Trend:
    agent_id: int
    kind: str  # "qa" or "autoqa"
    scores: tuple[float | None, ...]  # newest first
    average: float | None


def agent_trend(scope: Scope, *, agent_id: int, client_id: int | None, kind: str, last: int) -> Trend:
    """The agent's last `last` human review scores ("qa") or auto-QA scores ("autoqa"); the two
    are never mixed."""
    if kind == "autoqa":
        results = autoqa_selectors.autoqa_result_list(scope).filter(agent_id=agent_id)
        if client_id is not None:
            results = results.filter(client_id=client_id)
        scores = [
            float(s) for s in results.order_by("-finished_at", "-id").values_list("score", flat=True)[:last]
        ]
    else:
        reviews = review_selectors.review_list(
            scope,
            filters=review_selectors.ReviewFilter(
                status=ReviewStatus.SUBMITTED, agent_id=agent_id, client_id=client_id
            ),
        )
        scores = list(reviews.order_by("-submitted_at", "-id").values_list("score", flat=True)[:last])
    return Trend(agent_id=agent_id, kind=kind, scores=tuple(scores), average=focus.trend_average(scores))


def trend_reviews(scope: Scope, *, agent_id: int, client_id: int | None, last: int) -> list[Review]:
    return list(
        review_selectors.review_list(
            scope,
            filters=review_selectors.ReviewFilter(
                status=ReviewStatus.SUBMITTED, agent_id=agent_id, client_id=client_id
            ),
        ).order_by("-submitted_at", "-id")[:last]
    )


def agents_below(scope: Scope, *, threshold: float, last: int, kind: str = "qa") -> list[Trend]:
    """Agents whose average over their last `last` scores is below `threshold` and who have no
    open coaching task: the lead's suggestions."""
    if not is_coach(scope):
        raise PermissionDenied()
    if not 0 < threshold <= 100:
        raise Invalid(_("Give a threshold between 0 and 100."), field="threshold")
    if not 1 <= last <= 50:
        raise Invalid(_("Count 1 to %(n)d scores.") % {"n": 50}, field="last")
    if kind not in ("qa", "autoqa"):
        raise Invalid(_("The trend is of review scores or auto-QA scores."), field="kind")
    busy = set(coaching_list(scope).filter(status__in=OPEN_STATUSES).values_list("agent_id", flat=True))
    found = []
    for agent_id, _name in agent_choices(scope):
        if agent_id in busy:
            continue
        trend = agent_trend(scope, agent_id=agent_id, client_id=None, kind=kind, last=last)
        if len(trend.scores) >= last and trend.average is not None and trend.average < threshold:
            found.append(trend)
    return sorted(found, key=lambda t: t.average or 0)
