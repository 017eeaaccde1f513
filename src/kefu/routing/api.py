"""Queues and their live figures, and agents' presence.

A client's managers read their own queues; providers' team leads and admins create and change
them. Presence: `POST /api/presence` for the caller, `POST /api/agents/{id}/presence` for a team
lead, `GET /api/agents/{id}/presence` for the agent or their lead. Errors: the API's one shape
(`config/api.py`).
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from kefu.core.errors import PermissionDenied
from kefu.routing import selectors, services
from kefu.routing.schemas import (
    PresenceDayOut,
    PresenceIn,
    PresenceOut,
    QueueCreateIn,
    QueueDetailOut,
    QueueFieldsIn,
    QueueOut,
    QueuePatchIn,
    QueueProviderOut,
    QueueStatsOut,
    SharesIn,
)

router = Router(tags=["routing"])


def _detail(request: HttpRequest, queue_id: int) -> dict[str, Any]:
    scope = request.access
    queue = selectors.queue_get(scope, queue_id=queue_id)
    required = selectors.queue_required_skills(scope, queue_id=queue_id) if scope.is_provider else []
    return {
        **QueueOut.from_orm(queue).dict(),
        "providers": [
            {"provider_id": p.provider_id, "share_percent": p.share_percent}
            for p in selectors.queue_providers(scope, queue_id=queue_id)
        ],
        "required_skills": [
            {
                "skill_id": r.skill_id,
                "name": r.skill.name,
                "kind": r.skill.kind,
                "min_proficiency": r.min_proficiency,
            }
            for r in required
        ],
    }


def _skills(payload: QueueFieldsIn) -> list[tuple[int, int]] | None:
    if payload.required_skills is None:
        return None
    return [(s.skill_id, s.min_proficiency) for s in payload.required_skills]


@router.get("/queues", response=list[QueueOut])
def list_queues(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.queue_list(request.access, client_id=client_id)


@router.post("/queues", response={201: QueueDetailOut})
def create_queue(request: HttpRequest, payload: QueueCreateIn) -> object:
    fields = payload.dict(exclude_unset=True, exclude={"client_id", "name", "required_skills"})
    queue = services.queue_create(
        request.access,
        client_id=payload.client_id,
        name=payload.name,
        required_skills=_skills(payload) or (),
        **fields,
    )
    return Status(201, _detail(request, queue.pk))


@router.get("/queues/{queue_id}", response=QueueDetailOut)
def get_queue(request: HttpRequest, queue_id: int) -> object:
    return _detail(request, queue_id)


@router.patch("/queues/{queue_id}", response=QueueDetailOut)
def update_queue(request: HttpRequest, queue_id: int, payload: QueuePatchIn) -> object:
    fields = payload.dict(exclude_unset=True, exclude={"required_skills"})
    services.queue_update(request.access, queue_id=queue_id, required_skills=_skills(payload), **fields)
    return _detail(request, queue_id)


@router.put("/queues/{queue_id}/providers", response=list[QueueProviderOut])
def set_queue_providers(request: HttpRequest, queue_id: int, payload: SharesIn) -> object:
    """The planned split of the queue's traffic between the providers serving its client."""
    shares: dict[int, int] = {}
    for share in payload.shares:
        shares[share.provider_id] = shares.get(share.provider_id, 0) + share.share_percent
    return services.queue_providers_set(request.access, queue_id=queue_id, shares=shares)


@router.get("/queues/{queue_id}/stats", response=QueueStatsOut)
def queue_stats(request: HttpRequest, queue_id: int) -> object:
    """Waiting contacts, the longest wait, today's service level so far, agents by state."""
    return selectors.queue_stats(request.access, queue_id=queue_id)


@router.post("/presence", response=PresenceOut)
def set_my_presence(request: HttpRequest, payload: PresenceIn) -> object:
    if request.access.user_id is None:
        raise PermissionDenied()
    return services.presence_set(
        request.access, agent_id=request.access.user_id, state=payload.state, reason=payload.reason
    )


@router.post("/agents/{agent_id}/presence", response=PresenceOut)
def set_agent_presence(request: HttpRequest, agent_id: int, payload: PresenceIn) -> object:
    return services.presence_set(
        request.access, agent_id=agent_id, state=payload.state, reason=payload.reason
    )


@router.get("/agents/{agent_id}/presence", response=PresenceDayOut)
def get_agent_presence(request: HttpRequest, agent_id: int) -> object:
    return selectors.presence_today(request.access, user_id=agent_id)
