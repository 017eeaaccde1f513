"""Reads of quality management; scoped like every tenant table."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.quality.models import SurveyAnswer
from kefu.quality.permissions import QualityPerm


def survey_answer_list(scope: Scope, *, conversation_id: int | None = None) -> QuerySet[SurveyAnswer]:
    scope.require(QualityPerm.VIEW_SURVEYS)
    queryset = SurveyAnswer.objects.for_scope(scope)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    return queryset


def survey_answered(scope: Scope, *, conversation_id: int) -> bool:
    """Whether the prompt should still be shown; for the channel that asks."""
    return SurveyAnswer.objects.for_scope(scope).filter(conversation_id=conversation_id).exists()
