"""Writes of calibration: a QA lead opens a session (conversations, reviewers, due date, the
expert), each reviewer scores blind with the scorecard, the lead closes it and the report is
readable. A calibration sheet is never a `Review`: the agent's results do not change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.quality import scoring
from kefu.quality.calibration import selectors
from kefu.quality.models import CalibrationScore, CalibrationSession, CalibrationStatus
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import reviewing
from kefu.quality.reviews import selectors as review_selectors
from kefu.tenancy import services as tenancy_services

MAX_TITLE = 120
MAX_CONVERSATIONS = 30
MAX_REVIEWERS = 20


def _ids(values: Sequence[Any], field: str) -> list[int]:
    found: list[int] = []
    for value in values:
        if isinstance(value, bool):
            raise Invalid(_("Choose from the list."), field=field)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Invalid(_("Choose from the list."), field=field) from None
        if number not in found:
            found.append(number)
    return found


@transaction.atomic
def calibration_create(
    scope: Scope,
    *,
    client_id: int,
    title: str,
    conversation_ids: Sequence[Any],
    reviewer_ids: Sequence[Any],
    due_at: datetime,
    scorecard_id: int | None = None,
    expert_id: int | None = None,
) -> CalibrationSession:
    """Open a session: one empty sheet per conversation and reviewer."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    if client_id not in scope.client_ids:
        raise NotFound(field="client_id")
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise Invalid(_("Give a title of 1 to %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    conversations = _ids(conversation_ids, "conversation_ids")
    if not 1 <= len(conversations) <= MAX_CONVERSATIONS:
        raise Invalid(
            _("Choose 1 to %(n)d conversations.") % {"n": MAX_CONVERSATIONS}, field="conversation_ids"
        )
    for conversation_id in conversations:
        try:
            conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
        except NotFound:
            raise NotFound(_("No such conversation."), field="conversation_ids") from None
        if conversation.client_id != client_id:
            raise NotFound(_("No such conversation."), field="conversation_ids")
    reviewers = _ids(reviewer_ids, "reviewer_ids")
    # who they are before how many: another tenant's people read as unknown, whatever their number
    allowed = dict(selectors.reviewer_choices(scope, client_id=client_id))
    if any(r not in allowed for r in reviewers):
        raise NotFound(_("Unknown reviewer."), field="reviewer_ids")
    if not 2 <= len(reviewers) <= MAX_REVIEWERS:
        raise Invalid(_("Invite 2 to %(n)d reviewers.") % {"n": MAX_REVIEWERS}, field="reviewer_ids")
    if expert_id is not None and expert_id not in reviewers:
        raise Invalid(_("The expert is one of the reviewers."), field="expert_id")
    if scorecard_id is not None:
        scorecard = review_selectors.scorecard_get(scope, scorecard_id=scorecard_id)
        if scorecard.client_id != client_id or scorecard.provider_id != scope.provider_id:
            raise NotFound(_("No such scorecard."), field="scorecard_id")
    else:
        first = desk_selectors.conversation_get(scope, conversation_id=conversations[0])
        found = review_selectors.scorecard_for(scope, client_id=client_id, channel=first.channel)
        if found is None:
            raise Conflict(_("This client has no scorecard yet."))
        scorecard = found
    now = clock.now()
    if due_at <= now:
        raise Invalid(_("Choose a due date in the future."), field="due_at")
    session = CalibrationSession.objects.create(
        provider_id=scope.provider_id,
        client_id=client_id,
        title=title,
        scorecard=scorecard,
        due_at=due_at,
        expert_id=expert_id,
        created_by_id=scope.user_id,
        created_at=now,
    )
    CalibrationScore.objects.bulk_create(
        CalibrationScore(
            provider_id=scope.provider_id,
            client_id=client_id,
            session=session,
            conversation_id=conversation_id,
            reviewer_id=reviewer_id,
        )
        for conversation_id in conversations
        for reviewer_id in reviewers
    )
    tenancy_services.audit_record(
        scope,
        action="quality.calibration_create",
        target=session,
        client_id=client_id,
        data={"conversations": len(conversations), "reviewers": len(reviewers)},
    )
    return session


@transaction.atomic
def calibration_score_save(
    scope: Scope,
    *,
    session_id: int,
    conversation_id: int,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    submit: bool = False,
) -> CalibrationScore:
    """Store the actor's answers for one conversation; `submit` needs them complete (the same
    rules as a review: every criterion, a comment on a failed one). Changeable until closed."""
    scope.require(QualityPerm.CALIBRATE)
    session = selectors.calibration_get(scope, session_id=session_id)
    if session.status != CalibrationStatus.OPEN:
        raise Conflict(_("This calibration session is closed."))
    sheet = selectors.calibration_sheet_get(
        scope, session=session, conversation_id=conversation_id, for_update=True
    )
    definition = review_selectors.definition(session.scorecard)
    clean, clean_comments, _anchors = reviewing.clean_answers(definition, answers, comments or {}, {}, set())
    result = scoring.score(definition, clean, clean_comments)
    if submit and not result.complete:
        raise reviewing.incomplete_message(result, definition)
    sheet.answers, sheet.comments = clean, clean_comments
    sheet.score, sheet.fatal = result.score, result.fatal
    if submit:
        sheet.submitted_at = clock.now()
    sheet.save(update_fields=["answers", "comments", "score", "fatal", "submitted_at"])
    return sheet


@transaction.atomic
def calibration_close(scope: Scope, *, session_id: int) -> CalibrationSession:
    """Close the session: answers become visible and the report readable; unfinished sheets stay
    out of it."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    session = selectors.calibration_get(scope, session_id=session_id, for_update=True)
    if session.status != CalibrationStatus.OPEN:
        raise Conflict(_("This calibration session is already closed."))
    submitted = CalibrationScore.objects.for_scope(scope).filter(session=session, submitted_at__isnull=False)
    if not submitted.exists():
        raise Conflict(_("Nobody has submitted a score yet."))
    session.status = CalibrationStatus.CLOSED
    session.closed_at = clock.now()
    session.save(update_fields=["status", "closed_at"])
    report = selectors.calibration_report(scope, session=session)
    tenancy_services.audit_record(
        scope,
        action="quality.calibration_close",
        target=session,
        client_id=session.client_id,
        data={"sheets": submitted.count(), "agreement": report.percent, "alpha": report.mean_alpha},
    )
    return session
