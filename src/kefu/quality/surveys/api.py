"""Survey endpoints: definitions (a change is a new version), the links of a conversation (send
one by e-mail or SMS), its answer. Thin: the scope, the schema in, one service or selector."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.core.errors import NotFound
from kefu.quality import selectors as quality_selectors
from kefu.quality.surveys import answers, selectors, services
from kefu.quality.surveys.schemas import (
    SurveyAnswerOut,
    SurveyAnswerRowOut,
    SurveyIn,
    SurveyLinkIn,
    SurveyLinkOut,
    SurveyOut,
    SurveyUpdateIn,
)

router = Router(tags=["quality"])


def _questions(questions: list | None) -> list[dict[str, Any]] | None:
    return None if questions is None else [q.dict(exclude_none=True) for q in questions]


@router.get("/quality/surveys", response=list[SurveyOut])
@paginate(PageNumberPagination, page_size=100)
def list_surveys(request: HttpRequest, client_id: int | None = None, all_versions: bool = False) -> object:
    return selectors.definition_list(request.access, client_id=client_id, current=not all_versions)


@router.post("/quality/surveys", response={201: SurveyOut})
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[object]:
    values = payload.dict(exclude={"client_id", "questions"})
    return Status(
        201,
        services.survey_definition_create(
            request.access, client_id=payload.client_id, questions=_questions(payload.questions), **values
        ),
    )


@router.get("/quality/surveys/{survey_id}", response=SurveyOut)
def get_survey(request: HttpRequest, survey_id: int) -> object:
    return selectors.definition_get(request.access, definition_id=survey_id)


@router.put("/quality/surveys/{survey_id}", response={201: SurveyOut})
def update_survey(request: HttpRequest, survey_id: int, payload: SurveyUpdateIn) -> Status[object]:
    """Stores a new version (201) and makes it current; answers keep the version they were asked."""
    values = payload.dict(exclude={"questions"}, exclude_none=True)
    return Status(
        201,
        services.survey_definition_update(
            request.access, definition_id=survey_id, questions=_questions(payload.questions), **values
        ),
    )


@router.get("/quality/conversations/{conversation_id}/survey-links", response=list[SurveyLinkOut])
def list_survey_links(request: HttpRequest, conversation_id: int) -> object:
    return list(selectors.invitation_list(request.access, conversation_id=conversation_id))


@router.post("/quality/conversations/{conversation_id}/survey-links", response={201: SurveyLinkOut})
def send_survey_link(request: HttpRequest, conversation_id: int, payload: SurveyLinkIn) -> Status[object]:
    """Queues a signed, single-use link (sent by the `quality.surveys` job; one reminder later)."""
    return Status(
        201,
        services.survey_invitation_create(
            request.access, conversation_id=conversation_id, medium=payload.medium
        ),
    )


@router.get("/quality/conversations/{conversation_id}/survey-answer", response=SurveyAnswerOut)
def get_survey_answer(request: HttpRequest, conversation_id: int) -> object:
    answer = quality_selectors.survey_answer_list(request.access, conversation_id=conversation_id).first()
    if answer is None:
        raise NotFound()
    return answer


@router.get("/quality/survey-answers", response=list[SurveyAnswerRowOut])
@paginate(PageNumberPagination, page_size=100)
def list_survey_answers(
    request: HttpRequest,
    client_id: int | None = None,
    channel: str = "",
    agent_id: int | None = None,
    score: int | None = None,
    nps: str = "",
    date_from: str = "",
    date_to: str = "",
) -> object:
    """Answers across conversations, newest first. `nps`: `promoter` (9–10), `passive` (7–8) or
    `detractor` (0–6); `agent_id`: the conversation's assignee; `date_from`, `date_to`
    (YYYY-MM-DD): the day answered. (Plain parameters: the paginated route cannot resolve
    postponed annotations of other types.)"""
    filters = answers.AnswerFilter(
        client_id=client_id,
        channel=channel,
        agent_id=agent_id,
        score=score,
        nps=nps,
        date_from=answers.day(date_from, field="date_from"),
        date_to=answers.day(date_to, field="date_to"),
    )
    return answers.answer_list(request.access, filters=filters)
