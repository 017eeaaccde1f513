"""Appeals (申诉/复核): the agent appeals a submitted review within the client's window; a
second reviewer (neither the first reviewer nor the agent) upholds or amends it. The outcome
and the score change are audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import formats
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.models import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.quality import scoring
from kefu.quality.models import Appeal, AppealStatus, ReviewStatus
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import reviewing, selectors
from kefu.tenancy import services as tenancy_services

MAX_REASON = 2000
OUTCOMES = (AppealStatus.UPHELD, AppealStatus.AMENDED)


@transaction.atomic
def appeal_create(scope: Scope, *, review_id: int, reason: str) -> Appeal:
    scope.require(QualityPerm.APPEAL)
    review = selectors.review_get(scope, review_id=review_id, for_update=True)
    if review.agent_id != scope.user_id:
        raise NotFound()
    if review.status != ReviewStatus.SUBMITTED:
        raise Conflict(_("Only a submitted review can be appealed."))
    if Appeal.objects.for_scope(scope).filter(review=review).exists():
        raise Conflict(_("This review was already appealed."))
    deadline = selectors.appeal_deadline(scope, review)
    if deadline is None or clock.now() > deadline:
        when = (
            formats.date_format(django_timezone.localtime(deadline), "SHORT_DATETIME_FORMAT")
            if deadline
            else ""
        )
        raise Conflict(_("The time to appeal this review ended on %(when)s.") % {"when": when})
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise Invalid(_("Give a reason of 1 to %(n)d characters.") % {"n": MAX_REASON}, field="reason")
    appeal = Appeal.objects.create(
        provider_id=review.provider_id,
        client_id=review.client_id,
        review=review,
        raised_by_id=scope.user_id,
        reason=reason,
        score_before=review.score,
        created_at=clock.now(),
    )
    tenancy_services.audit_record(
        scope,
        action="quality.appeal_create",
        target=review,
        client_id=review.client_id,
        data={"reason": reason},
    )
    return appeal


@transaction.atomic
def appeal_decide(
    scope: Scope,
    *,
    appeal_id: int,
    outcome: str,
    note: str,
    answers: Mapping[str, Any] | None = None,
    comments: Mapping[str, str] | None = None,
) -> Appeal:
    """Uphold the review as it is, or amend its answers (and so its score)."""
    scope.require(QualityPerm.DECIDE_APPEALS)
    if not scope.is_provider:
        raise PermissionDenied()
    appeal = selectors.appeal_get(scope, appeal_id=appeal_id, for_update=True)
    review = selectors.review_get(scope, review_id=appeal.review_id, for_update=True)
    if scope.user_id in (review.inspector_id, review.agent_id):
        raise PermissionDenied(
            _("A second reviewer decides an appeal: not the first reviewer, not the agent.")
        )
    if appeal.status != AppealStatus.OPEN:
        raise Conflict(_("This appeal is already decided."))
    if outcome not in OUTCOMES:
        raise Invalid(_("Uphold or amend."), field="outcome")
    note = (note or "").strip()
    if not note or len(note) > MAX_REASON:
        raise Invalid(_("Explain the decision in 1 to %(n)d characters.") % {"n": MAX_REASON}, field="note")
    before = review.score
    changed: list[str] = []
    if outcome == AppealStatus.AMENDED:
        definition = selectors.definition(review.scorecard)
        merged = {**review.answers, **(answers or {})}
        merged_comments = {**review.comments, **(comments or {})}
        seqs = {m.seq for m in selectors.review_messages(scope, review=review)}
        clean, clean_comments, _anchors = reviewing.clean_answers(
            definition, merged, merged_comments, {}, seqs
        )
        result = scoring.score(definition, clean, clean_comments)
        if not result.complete:
            raise reviewing.incomplete_message(result, definition)
        changed = sorted(k for k in clean if review.answers.get(k) != clean[k])
        if not changed:
            raise Invalid(_("Change at least one answer to amend the review, or uphold it."), field="answers")
        review.answers, review.comments = clean, clean_comments
        review.score, review.fatal = result.score, result.fatal
        review.save(update_fields=["answers", "comments", "score", "fatal"])
        events.emit(  # `qa_score` takes the amended score
            scope,
            EventType.REVIEW_RESCORED,
            conversation=review.conversation,
            agent_id=review.agent_id,
            data={"review_id": review.pk, "score": review.score, "fatal": review.fatal, "before": before},
        )
    appeal.status = outcome
    appeal.decision_note = note
    appeal.decided_by_id = scope.user_id
    appeal.decided_at = clock.now()
    appeal.score_after = review.score
    appeal.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "score_after"])
    tenancy_services.audit_record(
        scope,
        action="quality.appeal_decide",
        target=review,
        client_id=review.client_id,
        data={"outcome": outcome, "score": [before, review.score], "changed": changed, "note": note},
    )
    return appeal
