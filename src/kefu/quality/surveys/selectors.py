"""Reads of surveys: definitions (current and past versions), invitations and answers, scoped
like every tenant table; the current definition for a conversation's client and channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import selectors as desk_selectors
from kefu.quality.models import SurveyAnswer, SurveyDefinition, SurveyInvitation
from kefu.quality.permissions import QualityPerm
from kefu.quality.surveys import questions as core


def definition_list(
    scope: Scope, *, client_id: int | None = None, current: bool = True
) -> QuerySet[SurveyDefinition]:
    scope.require(QualityPerm.VIEW_SURVEYS)
    rows = SurveyDefinition.objects.for_scope(scope).select_related("client", "provider")
    if current:
        rows = rows.filter(is_current=True)
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    return rows


def definition_get(scope: Scope, *, definition_id: int, for_update: bool = False) -> SurveyDefinition:
    scope.require(QualityPerm.VIEW_SURVEYS)
    rows = SurveyDefinition.objects.for_scope(scope).select_related(
        "client"
    )  # outer join: None for all clients
    return one_of(rows, pk=definition_id, for_update=for_update)


def definition_versions(scope: Scope, *, definition: SurveyDefinition) -> list[SurveyDefinition]:
    return list(
        SurveyDefinition.objects.for_scope(scope).filter(family=definition.family).order_by("-version")
    )


def definition_for(
    scope: Scope, *, provider_id: int | None, client_id: int, channel: str
) -> SurveyDefinition | None:
    """The current definition a conversation is asked with: its channel's, else the client's
    every-channel one; of the conversation's provider first, else the client's own."""
    rows = SurveyDefinition.objects.for_scope(scope).filter(
        client_id=client_id, is_current=True, channel__in=(channel, "")
    )
    candidates = sorted(
        rows,
        key=lambda d: (d.provider_id != provider_id, d.channel != channel, d.pk),
    )
    return candidates[0] if candidates else None


def questions_of(definition: SurveyDefinition) -> list[core.Question]:
    """The stored further questions (checked when saved; a broken row reads as none)."""
    try:
        return core.parse_questions(definition.questions)
    except core.DefinitionError:
        return []


def invitation_list(scope: Scope, *, conversation_id: int) -> QuerySet[SurveyInvitation]:
    """The links sent for a conversation: for those who read answers and those who send links."""
    if not scope.has(QualityPerm.SEND_SURVEYS):
        scope.require(QualityPerm.VIEW_SURVEYS)
    desk_selectors.conversation_get(scope, conversation_id=conversation_id)  # another's: NotFound
    return SurveyInvitation.objects.for_scope(scope).filter(conversation_id=conversation_id)


def invitation_for_link(invitation_id: int, nonce: str) -> SurveyInvitation | None:
    """The invitation of a verified link (the signature is checked first: `links.read_token`);
    acts for nobody, so it reads across tenants by the signed id and nonce only."""
    return (
        SurveyInvitation.all_tenants.select_related("definition", "client", "conversation")
        .filter(pk=invitation_id, nonce=nonce)
        .first()
    )


@dataclass(frozen=True)
class AnswerView:
    """An answer as the side panel shows it: the further answers with their questions."""

    score: int
    nps: int | None
    comment: str
    at: Any
    medium: str
    version: int | None
    answers: list[tuple[str, str]]

    @property
    def stars(self) -> str:
        return "★" * self.score + "☆" * (5 - self.score)


def answer_view(scope: Scope, *, conversation_id: int) -> AnswerView | None:
    scope.require(QualityPerm.VIEW_SURVEYS)
    answer = (
        SurveyAnswer.objects.for_scope(scope)
        .select_related("definition")
        .filter(conversation_id=conversation_id)
        .first()
    )
    if answer is None:
        return None
    asked = questions_of(answer.definition) if answer.definition else []
    shown = [(q.text, str(answer.answers[q.id])) for q in asked if q.id in (answer.answers or {})]
    return AnswerView(
        score=answer.score,
        nps=answer.nps,
        comment=answer.comment,
        at=answer.at,
        medium=answer.medium,
        version=answer.definition.version if answer.definition else None,
        answers=shown,
    )
