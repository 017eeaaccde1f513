"""Queues and their live figures, and agents' presence.

A client's managers read their own queues; providers' team leads and admins create and change
them. Presence: `POST /api/presence` for the caller, `POST /api/agents/{id}/presence` for a team
lead, `GET /api/agents/{id}/presence` for the agent or their lead. Errors: the API's one shape
(`config/api.py`).
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.core import clock
from kefu.core.errors import PermissionDenied
from kefu.routing import selectors, services
from kefu.routing.schemas import (
    AgentCapacityIn,
    AgentCapacityOut,
    AgentSkillsIn,
    AgentSkillsOut,
    CertificationIn,
    CertificationOut,
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
    SkillIn,
    SkillOut,
    SkillPatchIn,
    SplitOut,
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
        request.access, agent_id=request.access.user_id, state=payload.state, reason=payload.reason or ""
    )


@router.post("/agents/{agent_id}/presence", response=PresenceOut)
def set_agent_presence(request: HttpRequest, agent_id: int, payload: PresenceIn) -> object:
    return services.presence_set(
        request.access, agent_id=agent_id, state=payload.state, reason=payload.reason or ""
    )


@router.get("/agents/{agent_id}/presence", response=PresenceDayOut)
def get_agent_presence(request: HttpRequest, agent_id: int) -> object:
    return selectors.presence_today(request.access, user_id=agent_id)


# --- skills, capacities, certifications ----------------------------------------------------------
@router.get("/skills", response=list[SkillOut])
def list_skills(request: HttpRequest, kind: str | None = None) -> object:
    """The provider's skills (leads, provider admins, workforce planners)."""
    return selectors.skills_for_managers(request.access, kind=kind)


@router.post("/skills", response={201: SkillOut})
def create_skill(request: HttpRequest, payload: SkillIn) -> object:
    return Status(201, services.skill_define(request.access, kind=payload.kind, name=payload.name))


@router.patch("/skills/{skill_id}", response=SkillOut)
def update_skill(request: HttpRequest, skill_id: int, payload: SkillPatchIn) -> object:
    """Rename a skill or change its kind (not a queue skill's)."""
    return services.skill_update(request.access, skill_id=skill_id, kind=payload.kind, name=payload.name)


def _agent_skills(request: HttpRequest, agent_id: int) -> dict[str, Any]:
    skills, limits = selectors.agent_skills_get(request.access, user_id=agent_id)
    return {
        "user_id": agent_id,
        "skills": [
            {"skill_id": r.skill_id, "kind": r.skill.kind, "name": r.skill.name, "proficiency": r.proficiency}
            for r in skills
        ],
        "capacity": limits,
    }


@router.get("/agents/{agent_id}/skills", response=AgentSkillsOut)
def get_agent_skills(request: HttpRequest, agent_id: int) -> object:
    return _agent_skills(request, agent_id)


@router.put("/agents/{agent_id}/skills", response=AgentSkillsOut)
def put_agent_skills(request: HttpRequest, agent_id: int, payload: AgentSkillsIn) -> object:
    """Set the listed skills' levels (null takes one away); the agent's other skills stay."""
    services.agent_skills_put(
        request.access, user_id=agent_id, levels={s.skill_id: s.proficiency for s in payload.skills}
    )
    return _agent_skills(request, agent_id)


@router.put("/agents/{agent_id}/capacity", response=AgentCapacityOut)
def put_agent_capacity(request: HttpRequest, agent_id: int, payload: AgentCapacityIn) -> object:
    """The agent's own limit per listed channel (null: back to the queues' default)."""
    limits = services.agent_capacity_put(
        request.access, user_id=agent_id, limits={c.channel: c.max_concurrent for c in payload.capacity}
    )
    return {"user_id": agent_id, "capacity": limits}


def _certification(request: HttpRequest, cert: Any) -> dict[str, Any]:
    return {
        **{
            f: getattr(cert, f)
            for f in (
                "id",
                "user_id",
                "client_id",
                "valid_from",
                "valid_until",
                "granted_by_id",
                "note",
                "revoked_at",
            )
        },
        "status": selectors.certification_status(cert, now=clock.now()),
    }


@router.get("/certifications", response=list[CertificationOut])
def list_certifications(
    request: HttpRequest, client_id: int | None = None, user_id: int | None = None
) -> object:
    """The provider's certifications, newest first (trainers, leads, provider admins)."""
    rows = selectors.certifications_for_managers(request.access, client_id=client_id, user_id=user_id)
    return [_certification(request, c) for c in rows]


@router.post("/certifications", response={201: CertificationOut})
def create_certification(request: HttpRequest, payload: CertificationIn) -> object:
    cert = services.certification_create(
        request.access,
        user_id=payload.user_id,
        client_id=payload.client_id,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        note=payload.note,
    )
    return Status(201, _certification(request, cert))


@router.delete("/certifications/{certification_id}", response=CertificationOut)
def revoke_certification(request: HttpRequest, certification_id: int) -> object:
    """Revoke: the record stays, with `revoked_at`; the agent is no longer eligible from now."""
    return _certification(
        request, services.certification_revoke(request.access, certification_id=certification_id)
    )


# --- realised against planned split --------------------------------------------------------------
class PeriodQuery(Schema):
    date_from: str | None = Field(None, alias="from", description="YYYY-MM-DD (default: 6 days before `to`)")
    date_to: str | None = Field(None, alias="to", description="YYYY-MM-DD, inclusive (default: today)")


@router.get("/queues/{queue_id}/split", response=SplitOut)
def queue_split(request: HttpRequest, queue_id: int, period: Query[PeriodQuery]) -> object:
    """Planned shares against the share of the period's contacts each provider's agents took."""
    scope = request.access
    selectors.queue_get(scope, queue_id=queue_id)  # 404 before looking at the dates
    start, end = selectors.report_period(period.date_from, period.date_to)
    return selectors.queue_split(scope, queue_id=queue_id, start=start, end=end)
