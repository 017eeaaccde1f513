"""Coaching endpoints. Thin: the scope, the schema in, one service or selector, the schema out."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.quality.coaching import selectors, services
from kefu.quality.coaching.schemas import (
    CoachingDoneIn,
    CoachingFollowUpIn,
    CoachingIn,
    CoachingOut,
    CoachingScheduleIn,
    CoachingTrendOut,
)
from kefu.quality.reviews import selectors as review_selectors

router = Router(tags=["quality"])


@router.get("/quality/coaching", response=list[CoachingOut])
@paginate(PageNumberPagination, page_size=100)
def list_coaching(
    request: HttpRequest,
    status: str = "",
    coach_id: int | None = None,
    agent_id: int | None = None,
    overdue: bool = False,
) -> object:
    """Coaches: the team's tasks; an agent: their own. `overdue`: open or scheduled, due before today."""
    filters = selectors.CoachingFilter(
        status=status,
        coach_id=coach_id,
        agent_id=agent_id,
        overdue_on=review_selectors.today() if overdue else None,
    )
    return selectors.coaching_list(request.access, filters=filters)


@router.post("/quality/coaching", response={201: CoachingOut})
def create_coaching(request: HttpRequest, payload: CoachingIn) -> Status[object]:
    return Status(201, services.coaching_create(request.access, **payload.dict()))


@router.get("/quality/coaching/{task_id}", response=CoachingOut)
def get_coaching(request: HttpRequest, task_id: int) -> object:
    return selectors.coaching_get(request.access, task_id=task_id)


@router.post("/quality/coaching/{task_id}/schedule", response=CoachingOut)
def schedule_coaching(request: HttpRequest, task_id: int, payload: CoachingScheduleIn) -> object:
    return services.coaching_schedule(request.access, task_id=task_id, **payload.dict())


@router.post("/quality/coaching/{task_id}/done", response=CoachingOut)
def finish_coaching(request: HttpRequest, task_id: int, payload: CoachingDoneIn) -> object:
    return services.coaching_done(request.access, task_id=task_id, **payload.dict())


@router.post("/quality/coaching/{task_id}/follow-up", response=CoachingOut)
def follow_up_coaching(request: HttpRequest, task_id: int, payload: CoachingFollowUpIn) -> object:
    return services.coaching_follow_up(request.access, task_id=task_id, review_id=payload.review_id)


@router.post("/quality/coaching/{task_id}/acknowledge", response=CoachingOut)
def acknowledge_coaching(request: HttpRequest, task_id: int) -> object:
    """The agent has read their task."""
    return services.coaching_acknowledge(request.access, task_id=task_id)


@router.get("/quality/coaching-suggestions", response=list[CoachingTrendOut])
def suggest_coaching(request: HttpRequest, threshold: float = 80, last: int = 5, kind: str = "qa") -> object:
    """Agents whose last `last` scores average below `threshold` and who have no open task."""
    return [
        asdict(t) for t in selectors.agents_below(request.access, threshold=threshold, last=last, kind=kind)
    ]
