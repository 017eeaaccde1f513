"""Writes of coaching: a task from a review, an appeal outcome or a score trend; scheduled, done,
acknowledged by the agent, and closed by the follow-up score (a later review of the agent on
the same criteria, linked). Every step is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.quality import autoqa_selectors, scoring
from kefu.quality.coaching import focus, selectors
from kefu.quality.models import (
    AppealStatus,
    CoachingSource,
    CoachingStatus,
    CoachingTask,
    Review,
    ReviewStatus,
)
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors as review_selectors
from kefu.tenancy import services as tenancy_services

MAX_NOTES = 2000
MAX_FOCUS = 10
TREND_KINDS = ("qa", "autoqa")
MAX_TREND_REVIEWS = 50


def _require_coach(scope: Scope) -> None:
    scope.require(QualityPerm.COACH)
    if not scope.is_provider:
        raise PermissionDenied()


def _notes(notes: str) -> str:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise Invalid(_("At most %(length)d characters.") % {"length": MAX_NOTES}, field="notes")
    return notes


def _focus(review: Review | None, criteria: Sequence[str] | None, default: list[str]) -> list[dict[str, str]]:
    """The focus criteria as `{id, title}` (titles kept: later scorecard versions may rename)."""
    chosen = list(dict.fromkeys(str(c) for c in criteria)) if criteria is not None else default
    if len(chosen) > MAX_FOCUS:
        raise Invalid(_("At most %(n)d focus criteria.") % {"n": MAX_FOCUS}, field="criteria")
    if review is None:
        if chosen:
            raise Invalid(_("Focus criteria come from a review's scorecard."), field="criteria")
        return []
    definition = review_selectors.definition(review.scorecard)
    result = []
    for criterion_id in chosen:
        criterion = definition.criterion(criterion_id)
        if criterion is None:
            raise Invalid(_("Unknown criterion."), field="criteria")
        result.append({"id": criterion.id, "title": criterion.title})
    return result


def _coach(scope: Scope, coach_id: int | None, agent_id: int) -> int:
    chosen = scope.user_id if coach_id is None else coach_id
    if chosen not in dict(selectors.coach_choices(scope)) or chosen == agent_id:
        raise NotFound(_("Unknown coach."), field="coach_id")
    return chosen  # type: ignore[return-value]


@transaction.atomic
def coaching_create(
    scope: Scope,
    *,
    due_on: date,
    review_id: int | None = None,
    appeal_id: int | None = None,
    agent_id: int | None = None,
    client_id: int | None = None,
    trend_kind: str = "qa",
    threshold: float | None = None,
    last: int | None = None,
    criteria: Sequence[str] | None = None,
    notes: str = "",
    coach_id: int | None = None,
) -> CoachingTask:
    """A coaching task from a review (`review_id`), an appeal outcome (`appeal_id`) or a trend
    (`agent_id`, `threshold`, `last`: the agent's last scores average below the threshold).
    Focus criteria default to the review's failed ones (a trend: the most often failed)."""
    _require_coach(scope)
    if sum(x is not None for x in (review_id, appeal_id, agent_id)) != 1:
        raise Invalid(_("Start from a review, an appeal or an agent's trend."), field="source")
    if due_on < review_selectors.today():
        raise Invalid(_("The due date cannot be in the past."), field="due_on")
    trend: dict[str, Any] = {}
    review: Review | None
    if appeal_id is not None:
        appeal = review_selectors.appeal_get(scope, appeal_id=appeal_id)
        if appeal.status == AppealStatus.OPEN:
            raise Conflict(_("Coaching follows the appeal's decision."))
        review, source = appeal.review, CoachingSource.APPEAL
    elif review_id is not None:
        review, source = review_selectors.review_get(scope, review_id=review_id), CoachingSource.REVIEW
    else:
        review, source = None, CoachingSource.TREND
    if review is not None:
        if review.status != ReviewStatus.SUBMITTED or review.agent_id is None:
            raise Conflict(_("Coaching starts from a submitted review of an agent."))
        target_agent, target_client = review.agent_id, review.client_id
        definition = review_selectors.definition(review.scorecard)
        failed = [
            c.id for c in definition.criteria if c.id in review.answers and _failed(definition, review, c.id)
        ]
        criteria_rows = _focus(review, criteria, failed)
        baseline = focus.focus_score(
            definition, review.answers, [c["id"] for c in criteria_rows], review.score
        )
    else:
        target_agent, target_client, criteria_rows, baseline, trend = _from_trend(
            scope, agent_id, client_id, trend_kind, threshold, last, criteria
        )
        review = trend.pop("review", None)
    now = clock.now()
    task = CoachingTask.objects.create(
        provider_id=scope.provider_id,
        client_id=target_client,
        agent_id=target_agent,
        coach_id=_coach(scope, coach_id, target_agent),
        source=source,
        review=review,
        trend=trend,
        criteria=criteria_rows,
        baseline=baseline,
        notes=_notes(notes),
        due_on=due_on,
        created_by_id=scope.user_id,
        created_at=now,
    )
    tenancy_services.audit_record(
        scope,
        action="quality.coaching_create",
        target=task,
        client_id=task.client_id,
        data={"source": source, "criteria": [c["title"] for c in criteria_rows]},
    )
    return task


def _failed(definition: scoring.Definition, review: Review, criterion_id: str) -> bool:
    criterion = definition.criterion(criterion_id)
    return criterion is not None and scoring.is_failed(criterion, review.answers.get(criterion_id))


def _from_trend(
    scope: Scope,
    agent_id: int | None,
    client_id: int | None,
    kind: str,
    threshold: float | None,
    last: int | None,
    criteria: Sequence[str] | None,
) -> tuple[int, int, list[dict[str, str]], float | None, dict[str, Any]]:
    if agent_id not in dict(selectors.agent_choices(scope)):
        raise NotFound(_("Unknown agent."), field="agent_id")
    if kind not in TREND_KINDS:
        raise Invalid(_("The trend is of review scores or auto-QA scores."), field="trend_kind")
    if threshold is None or not 0 < threshold <= 100:
        raise Invalid(_("Give a threshold between 0 and 100."), field="threshold")
    if last is None or not 1 <= last <= MAX_TREND_REVIEWS:
        raise Invalid(_("Count 1 to %(n)d scores.") % {"n": MAX_TREND_REVIEWS}, field="last")
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound(field="client_id")
    trend = selectors.agent_trend(scope, agent_id=agent_id, client_id=client_id, kind=kind, last=last)
    if len(trend.scores) < last or trend.average is None or trend.average >= threshold:
        raise Conflict(
            _("The agent's last %(n)d scores do not average below %(threshold)g.")
            % {"n": last, "threshold": threshold}
        )
    latest = selectors.trend_reviews(scope, agent_id=agent_id, client_id=client_id, last=last)
    review = latest[0] if latest else None
    default: list[str] = []
    if kind == "qa":
        default = focus.most_failed((review_selectors.definition(r.scorecard), r.answers) for r in latest)
    criteria_rows = _focus(review, criteria, default) if review is not None else _focus(None, criteria, [])
    if review is not None:
        baseline = (
            trend.average
            if not criteria_rows
            else focus.trend_average(
                [
                    focus.focus_score(
                        review_selectors.definition(r.scorecard),
                        r.answers,
                        [c["id"] for c in criteria_rows],
                        r.score,
                    )
                    for r in latest
                ]
            )
        )
    else:
        baseline = trend.average
    if client_id is None:
        client_id = review.client_id if review is not None else _agent_client(scope, agent_id, kind)
    data = {"kind": kind, "threshold": threshold, "last": last, "average": trend.average, "review": review}
    return agent_id, client_id, criteria_rows, baseline, data  # type: ignore[return-value]


def _agent_client(scope: Scope, agent_id: int, kind: str) -> int:
    found = autoqa_selectors.autoqa_result_list(scope).filter(agent_id=agent_id).order_by("-id").first()
    if found is None:
        raise Invalid(_("Choose the client."), field="client_id")
    return found.client_id


def _task(scope: Scope, task_id: int) -> CoachingTask:
    _require_coach(scope)
    return selectors.coaching_get(scope, task_id=task_id, for_update=True)


@transaction.atomic
def coaching_schedule(
    scope: Scope, *, task_id: int, at: datetime | None, notes: str | None = None
) -> CoachingTask:
    """Set (or move) the coaching session's time."""
    task = _task(scope, task_id)
    if at is None:
        raise Invalid(_("Give a valid date and time."), field="at")
    if task.status not in selectors.OPEN_STATUSES:
        raise Conflict(_("This coaching is already done."))
    before = task.scheduled_at
    task.scheduled_at, task.status = at, CoachingStatus.SCHEDULED
    fields = ["scheduled_at", "status"]
    if notes is not None:
        task.notes = _notes(notes)
        fields.append("notes")
    task.save(update_fields=fields)
    tenancy_services.audit_record(
        scope,
        action="quality.coaching_schedule",
        target=task,
        client_id=task.client_id,
        data={"at": [before.isoformat() if before else None, at.isoformat()]},
    )
    return task


@transaction.atomic
def coaching_done(scope: Scope, *, task_id: int, notes: str | None = None) -> CoachingTask:
    """The coaching took place; what was agreed goes into the notes."""
    task = _task(scope, task_id)
    if task.status not in selectors.OPEN_STATUSES:
        raise Conflict(_("This coaching is already done."))
    task.status, task.done_at = CoachingStatus.DONE, clock.now()
    fields = ["status", "done_at"]
    if notes is not None:
        task.notes = _notes(notes)
        fields.append("notes")
    task.save(update_fields=fields)
    tenancy_services.audit_record(
        scope, action="quality.coaching_done", target=task, client_id=task.client_id
    )
    return task


@transaction.atomic
def coaching_follow_up(scope: Scope, *, task_id: int, review_id: int | None = None) -> CoachingTask:
    """Link a later review of the agent answering the focus criteria (the newest one when none is
    named) and keep its score on them: the effect of the coaching."""
    task = _task(scope, task_id)
    if review_id is not None:  # another tenant's or a missing review: 404 before any state check
        review_selectors.review_get(scope, review_id=review_id)
    if task.status != CoachingStatus.DONE:
        raise Conflict(_("Score the follow-up after the coaching is done."))
    candidates = selectors.follow_up_candidates(scope, task=task)
    if review_id is None:
        if not candidates:
            raise Conflict(_("No later review of this agent covers the focus criteria yet."))
        review = candidates[0]
    else:
        review = next((r for r in candidates if r.pk == review_id), None)  # type: ignore[assignment]
        if review is None:
            raise NotFound(
                _("Choose a later review of this agent that answers the focus criteria."), field="review_id"
            )
    definition = review_selectors.definition(review.scorecard)
    task.follow_up = review
    task.follow_up_score = focus.focus_score(
        definition, review.answers, [c["id"] for c in task.criteria], review.score
    )
    task.status = CoachingStatus.FOLLOWED_UP
    task.save(update_fields=["follow_up", "follow_up_score", "status"])
    tenancy_services.audit_record(
        scope,
        action="quality.coaching_follow_up",
        target=task,
        client_id=task.client_id,
        data={"score": [task.baseline, task.follow_up_score]},
    )
    return task


@transaction.atomic
def coaching_acknowledge(scope: Scope, *, task_id: int) -> CoachingTask:
    """The agent has read the task (once)."""
    scope.require(QualityPerm.OWN_COACHING)
    task = selectors.coaching_get(scope, task_id=task_id, for_update=True)
    if task.agent_id != scope.user_id:
        raise NotFound()
    if task.acknowledged_at is not None:
        raise Conflict(_("Already acknowledged."))
    task.acknowledged_at = clock.now()
    task.save(update_fields=["acknowledged_at"])
    tenancy_services.audit_record(
        scope, action="quality.coaching_acknowledge", target=task, client_id=task.client_id
    )
    return task
