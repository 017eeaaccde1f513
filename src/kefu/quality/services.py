"""Writes of quality management: storing the customer's survey answer (the surveys package
checks it against the definition asked; the chat widget calls this directly)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.quality.models import SurveyAnswer
from kefu.quality.permissions import QualityPerm

MAX_COMMENT_LENGTH = 1000
ANSWERABLE_STATUSES = frozenset({"resolved", "closed"})  # the prompt comes at the end


class AlreadyAnswered(Conflict):
    code = "already_answered"


class NotFinished(Conflict):
    code = "not_finished"


@transaction.atomic
def survey_answer_record(
    scope: Scope,
    *,
    conversation_id: int,
    score: int,
    comment: str = "",
    channel: str = "",
    nps: int | None = None,
    answers: dict[str, Any] | None = None,
    definition: Any = None,
    medium: str = "chat",
) -> SurveyAnswer:
    """Store the answer once per conversation and log `survey_answered` with it (the 1–5 score,
    the 0–10 `nps` when asked, the medium and the definition's version: metrics read these).

    The conversation row is locked so two tabs answering at once give one answer and a
    conflict, not two answers.
    """
    scope.require(QualityPerm.RECORD_SURVEY)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid(_("Choose a score from 1 to 5."), field="score")
    if nps is not None and (isinstance(nps, bool) or not isinstance(nps, int) or not 0 <= nps <= 10):
        raise Invalid(_("Choose a score from %(low)d to %(high)d.") % {"low": 0, "high": 10}, field="nps")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise Invalid(_("At most %(length)d characters.") % {"length": MAX_COMMENT_LENGTH}, field="comment")
    if conversation.status not in ANSWERABLE_STATUSES:
        raise NotFinished(_("This conversation is not finished yet."))
    if SurveyAnswer.objects.for_scope(scope).filter(conversation_id=conversation.pk).exists():
        raise AlreadyAnswered(_("This conversation was already rated."))
    now = clock.now()
    try:
        with transaction.atomic():
            answer = SurveyAnswer.objects.create(
                provider_id=conversation.provider_id,
                client_id=conversation.client_id,
                conversation_id=conversation.pk,
                score=score,
                comment=comment,
                channel=channel or conversation.channel,
                at=now,
                nps=nps,
                answers=answers or {},
                definition=definition,
                medium=medium,
            )
    except IntegrityError:
        raise AlreadyAnswered(_("This conversation was already rated.")) from None
    events.emit(
        scope,
        EventType.SURVEY_ANSWERED,
        conversation=conversation,
        at=now,
        agent_id=conversation.assignee_id,
        data=_event_data(score=score, nps=nps, comment=bool(comment), medium=medium, definition=definition),
    )
    return answer


def _event_data(
    *, score: int, nps: int | None, comment: bool, medium: str, definition: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"score": score, "scale": 5, "comment": comment, "medium": medium}
    if nps is not None:
        data["nps"] = nps
    if definition is not None:
        data["survey"] = {"id": definition.family, "version": definition.version}
    return data
