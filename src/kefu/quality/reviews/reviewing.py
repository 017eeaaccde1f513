"""Answering a review: save the inspector's answers as they go, submit once complete, and the
seam auto-QA fills in (`review_prefill`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.models import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, PermissionDenied
from kefu.core.scope import Scope
from kefu.quality import scoring
from kefu.quality.models import Review, ReviewStatus
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors
from kefu.tenancy import services as tenancy_services

MAX_COMMENT = 1000
MAX_NOTES = 50


def _editable(scope: Scope, review_id: int) -> Review:
    scope.require(QualityPerm.REVIEW)
    if not scope.is_provider:
        raise PermissionDenied()
    review = selectors.review_get(scope, review_id=review_id, for_update=True)
    if review.status != ReviewStatus.PENDING:
        raise Conflict(_("This review is already submitted; an appeal can change it."))
    if review.agent_id == scope.user_id:
        raise PermissionDenied(_("Nobody reviews their own conversation."))
    if review.inspector_id not in (None, scope.user_id) and not scope.has(QualityPerm.MANAGE_SCORECARDS):
        raise PermissionDenied(_("This review is on another inspector's list."))
    return review


def _message_seqs(scope: Scope, review: Review) -> set[int]:
    return {m.seq for m in selectors.review_messages(scope, review=review)}


def clean_answers(
    definition: scoring.Definition,
    answers: Mapping[str, Any],
    comments: Mapping[str, str],
    anchors: Mapping[str, Any],
    seqs: set[int],
) -> tuple[dict[str, Any], dict[str, str], dict[str, int]]:
    """Answers, comments and anchors checked against the scorecard and the conversation."""
    clean: dict[str, Any] = {}
    for criterion_id, raw in answers.items():
        criterion = definition.criterion(str(criterion_id))
        if criterion is None:
            raise Invalid(_("Unknown criterion."), field=f"answers.{criterion_id}")
        if raw is None or raw == "":
            continue
        answer = scoring.normalize_answer(criterion, raw)
        if answer is None:
            raise Invalid(
                _("This answer does not fit the criterion's scale."), field=f"answers.{criterion_id}"
            )
        clean[criterion.id] = answer
    clean_comments: dict[str, str] = {}
    for criterion_id, text in comments.items():
        if definition.criterion(str(criterion_id)) is None:
            raise Invalid(_("Unknown criterion."), field=f"comments.{criterion_id}")
        text = str(text or "").strip()
        if len(text) > MAX_COMMENT:
            raise Invalid(
                _("At most %(length)d characters.") % {"length": MAX_COMMENT},
                field=f"comments.{criterion_id}",
            )
        if text:
            clean_comments[str(criterion_id)] = text
    clean_anchors: dict[str, int] = {}
    for criterion_id, seq in anchors.items():
        if definition.criterion(str(criterion_id)) is None:
            raise Invalid(_("Unknown criterion."), field=f"anchors.{criterion_id}")
        if seq in (None, ""):
            continue
        try:
            number = int(seq)
        except (TypeError, ValueError):
            number = -1
        if number not in seqs:
            raise Invalid(_("No such message in this conversation."), field=f"anchors.{criterion_id}")
        clean_anchors[str(criterion_id)] = number
    return clean, clean_comments, clean_anchors


def clean_notes(notes: list[Any], seqs: set[int]) -> list[dict[str, Any]]:
    result = []
    if len(notes) > MAX_NOTES:
        raise Invalid(_("At most %(n)d comments on messages.") % {"n": MAX_NOTES}, field="notes")
    for note in notes:
        if not isinstance(note, Mapping):
            raise Invalid(_("A comment names a message and says something."), field="notes")
        text = str(note.get("text") or "").strip()
        seq = note.get("seq")
        if not text or len(text) > MAX_COMMENT:
            raise Invalid(_("A comment of 1 to %(n)d characters.") % {"n": MAX_COMMENT}, field="notes")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq not in seqs:
            raise Invalid(_("No such message in this conversation."), field="notes")
        result.append({"seq": seq, "text": text})
    return result


def incomplete_message(result: scoring.Result, definition: scoring.Definition) -> Invalid:
    titles = {c.id: c.title for c in definition.criteria}
    if result.unanswered:
        first = result.unanswered[0]
        return Invalid(
            _("Answer every criterion: “%(title)s” is open.") % {"title": titles[first]}, field=first
        )
    if result.missing_comments:
        first = result.missing_comments[0]
        return Invalid(
            _("Say what went wrong with “%(title)s”: a failed criterion needs a comment.")
            % {"title": titles[first]},
            field=first,
        )
    return Invalid(_("Every criterion is N/A: nothing to score."), field="answers")


@transaction.atomic
def review_save(
    scope: Scope,
    *,
    review_id: int,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    anchors: Mapping[str, Any] | None = None,
    notes: list[Any] | None = None,
    submit: bool = False,
) -> Review:
    """Store the answers so far; with `submit`, score and close the review (complete answers
    and a comment on every failed criterion required)."""
    review = _editable(scope, review_id)
    definition = selectors.definition(review.scorecard)
    seqs = _message_seqs(scope, review)
    clean, clean_comments, clean_anchors = clean_answers(
        definition, answers, comments or {}, anchors or {}, seqs
    )
    review.answers, review.comments, review.anchors = clean, clean_comments, clean_anchors
    if notes is not None:
        review.notes = clean_notes(notes, seqs)
    if review.inspector_id is None:
        review.inspector_id = scope.user_id
    result = scoring.score(definition, clean, clean_comments)
    review.score, review.fatal = result.score, result.fatal
    fields = ["answers", "comments", "anchors", "notes", "inspector", "score", "fatal"]
    if submit:
        if not result.complete:
            raise incomplete_message(result, definition)
        if review.inspector_id != scope.user_id:
            review.inspector_id = scope.user_id  # a lead who finishes another's task becomes its reviewer
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = clock.now()
        fields += ["status", "submitted_at"]
    review.save(update_fields=fields)
    if submit:
        events.emit(  # the quality score (`qa_score`) is computed from these
            scope,
            EventType.REVIEW_FINALISED,
            conversation=review.conversation,
            at=review.submitted_at,
            agent_id=review.agent_id,
            data={"review_id": review.pk, "score": review.score, "fatal": review.fatal},
        )
        tenancy_services.audit_record(
            scope,
            action="quality.review_submit",
            target=review,
            client_id=review.client_id,
            data={"score": review.score, "fatal": review.fatal, "failed": list(result.failed)},
        )
    return review


@transaction.atomic
def review_prefill(scope: Scope, *, review_id: int, findings: list[Mapping[str, Any]]) -> Review:
    """Pre-fill an open review from findings `{criterion_id, answer, message_index, comment}`
    (auto-QA's, once connected): answers the inspector has not given yet are set, the message
    (0-based position in the conversation) becomes the criterion's anchor, the comment its
    comment. The inspector still edits and submits; the findings are kept as given."""
    review = _editable(scope, review_id)
    definition = selectors.definition(review.scorecard)
    messages = selectors.review_messages(scope, review=review)
    answers, comments, anchors = dict(review.answers), dict(review.comments), dict(review.anchors)
    for finding in findings:
        criterion = definition.criterion(str(finding.get("criterion_id", "")))
        if criterion is None:
            continue  # a finding the scorecard has no criterion for stays in `prefill` only
        answer = scoring.normalize_answer(criterion, finding.get("answer"))
        if answer is not None and criterion.id not in answers:
            answers[criterion.id] = answer
        index = finding.get("message_index")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(messages):
            anchors.setdefault(criterion.id, messages[index].seq)
        comment = str(finding.get("comment") or "").strip()[:MAX_COMMENT]
        if comment and not comments.get(criterion.id):
            comments[criterion.id] = comment
    review.answers, review.comments, review.anchors = answers, comments, anchors
    review.prefill = [dict(f) for f in findings]
    result = scoring.score(definition, answers, comments)
    review.score, review.fatal = result.score, result.fatal
    review.save(update_fields=["answers", "comments", "anchors", "prefill", "score", "fatal"])
    return review
