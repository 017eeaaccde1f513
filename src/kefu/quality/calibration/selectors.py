"""Reads of calibration sessions; always scoped.

Who sees a session: QA leads (`MANAGE_SCORECARDS`) every session of their provider; a reviewer
the sessions they were invited to; the client's readers (`VIEW_REVIEWS`) the closed sessions of
their client. While a session is open nobody sees another reviewer's answers (blind): the lead
sees who has finished, not what they answered. Anything else is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, NotFound, PermissionDenied
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import selectors as desk_selectors
from kefu.quality.calibration import report as report_core
from kefu.quality.models import CalibrationScore, CalibrationSession, CalibrationStatus, Scorecard
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors as review_selectors
from kefu.tenancy import selectors as tenancy_selectors

PROVIDER_REVIEWER_ROLES = (Role.QA_INSPECTOR, Role.SUPERVISOR, Role.PROVIDER_ADMIN)
CLIENT_REVIEWER_ROLES = (Role.CLIENT_ADMIN, Role.CLIENT_MANAGER)  # the client's QA, when invited


def is_lead(scope: Scope) -> bool:
    return scope.is_provider and scope.has(QualityPerm.MANAGE_SCORECARDS)


def calibration_list(scope: Scope, *, status: str = "") -> QuerySet[CalibrationSession]:
    if not (scope.has(QualityPerm.CALIBRATE) or scope.has(QualityPerm.VIEW_REVIEWS)):
        raise PermissionDenied()
    queryset = CalibrationSession.objects.for_scope(scope).select_related(
        "client", "scorecard", "expert", "created_by"
    )
    if not is_lead(scope):
        invited = Q(
            pk__in=CalibrationScore.objects.for_scope(scope)
            .filter(reviewer_id=scope.user_id)
            .values("session_id")
        )
        if scope.has(QualityPerm.VIEW_REVIEWS) and not scope.is_provider:
            invited |= Q(status=CalibrationStatus.CLOSED)
        queryset = queryset.filter(invited)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.annotate(
        sheets=Count("scores"),
        submitted=Count("scores", filter=Q(scores__submitted_at__isnull=False)),
        conversations=Count("scores__conversation", distinct=True),
    )


def calibration_get(scope: Scope, *, session_id: int, for_update: bool = False) -> CalibrationSession:
    queryset = calibration_list(scope)
    if for_update:
        queryset = CalibrationSession.objects.for_scope(scope).filter(pk__in=queryset.values("pk"))
    return one_of(queryset, pk=session_id, for_update=for_update)


def calibration_sheets(scope: Scope, *, session: CalibrationSession) -> QuerySet[CalibrationScore]:
    """The sheets the actor may read: every one once closed, their own while open (blind)."""
    queryset = (
        CalibrationScore.objects.for_scope(scope)
        .filter(session=session)
        .select_related("reviewer", "conversation")
    )
    if session.status == CalibrationStatus.OPEN:
        queryset = queryset.filter(reviewer_id=scope.user_id)
    return queryset


def calibration_sheet_get(
    scope: Scope, *, session: CalibrationSession, conversation_id: int, for_update: bool = False
) -> CalibrationScore:
    """The actor's own sheet for one conversation of the session."""
    return one_of(
        CalibrationScore.objects.for_scope(scope),
        session=session,
        conversation_id=conversation_id,
        reviewer_id=scope.user_id,
        for_update=for_update,
    )


@dataclass(frozen=True)
class Progress:
    reviewer_id: int
    name: str
    submitted: int
    total: int


def calibration_progress(scope: Scope, *, session: CalibrationSession) -> list[Progress]:
    """Who has finished how many sheets (no answers: the session is blind while open)."""
    rows = (
        CalibrationScore.objects.for_scope(scope)
        .filter(session=session)
        .order_by()
        .values("reviewer_id", "reviewer__username", "reviewer__display_name")
        .annotate(total=Count("id"), submitted=Count("id", filter=Q(submitted_at__isnull=False)))
    )
    return sorted(
        (
            Progress(
                reviewer_id=r["reviewer_id"],
                name=r["reviewer__display_name"] or r["reviewer__username"],
                submitted=r["submitted"],
                total=r["total"],
            )
            for r in rows
        ),
        key=lambda p: p.name,
    )


def calibration_conversation_ids(scope: Scope, *, session: CalibrationSession) -> list[int]:
    return sorted(
        set(
            CalibrationScore.objects.for_scope(scope)
            .filter(session=session)
            .values_list("conversation_id", flat=True)
        )
    )


def calibration_messages(scope: Scope, *, session: CalibrationSession, conversation_id: int) -> list:
    if conversation_id not in calibration_conversation_ids(scope, session=session):
        raise NotFound()
    return desk_selectors.message_list(
        scope, conversation_id=conversation_id, limit=review_selectors.MESSAGES_SHOWN
    )


def calibration_report(scope: Scope, *, session: CalibrationSession) -> report_core.Report:
    """The agreement report; only once the session is closed (until then it would unblind it)."""
    if session.status != CalibrationStatus.CLOSED:
        raise Conflict(_("The report is ready when the session is closed."))
    sheets = [
        report_core.Sheet(
            conversation_id=s.conversation_id, reviewer_id=s.reviewer_id, answers=s.answers, score=s.score
        )
        for s in calibration_sheets(scope, session=session).filter(submitted_at__isnull=False)
    ]
    return report_core.build(
        review_selectors.definition(session.scorecard), sheets, expert_id=session.expert_id
    )


def reviewer_names(scope: Scope, *, session: CalibrationSession) -> dict[int, str]:
    return {p.reviewer_id: p.name for p in calibration_progress(scope, session=session)}


def reviewer_choices(scope: Scope, *, client_id: int) -> list[tuple[int, str]]:
    """Who may be invited: the provider's inspectors, leads and admins, and the client's QA."""
    if client_id not in scope.client_ids:
        raise NotFound()
    found: dict[int, str] = {}
    for organization_id, roles in (
        (scope.provider_id, PROVIDER_REVIEWER_ROLES),
        (client_id, CLIENT_REVIEWER_ROLES),
    ):
        if organization_id is None:
            continue
        organization = tenancy_selectors.organization_get(scope, organization_id=organization_id)
        for role in roles:
            for m in tenancy_selectors.membership_list_for_role(organization, role=role):
                found[m.user_id] = m.user.display_name or m.user.username
    return sorted(found.items(), key=lambda item: item[1])


def scorecard_choices(scope: Scope, *, client_id: int | None = None) -> QuerySet[Scorecard]:
    return review_selectors.scorecard_list(scope, client_id=client_id)


def conversation_choices(scope: Scope, *, client_id: int, limit: int = 40) -> list:
    """The client's latest finished conversations, for a lead picking a session's sample."""
    if client_id not in scope.client_ids:
        raise NotFound()
    filters = desk_selectors.ConversationFilter(client_id=client_id)
    return list(
        desk_selectors.conversation_list(scope, filters=filters)
        .filter(status__in=("resolved", "closed"))
        .order_by("-id")[:limit]
    )
