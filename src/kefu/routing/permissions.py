"""Permissions of routing: queues, skills, presence, certifications."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class RoutingPerm(StrEnum):
    VIEW_QUEUES = "routing.view_queues"  # a client's managers: their own queues, read-only
    MANAGE_QUEUES = "routing.manage_queues"
    MANAGE_SKILLS = "routing.manage_skills"  # agents' skills and capacities
    PRESENCE_OWN = "routing.presence_own"  # set one's own state
    PRESENCE_TEAM = "routing.presence_team"  # set and read the provider's agents' states
    CERTIFY = "routing.certify"


_P = RoutingPerm
GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(RoutingPerm),
    Role.SUPERVISOR: {
        _P.VIEW_QUEUES,
        _P.MANAGE_QUEUES,
        _P.MANAGE_SKILLS,
        _P.PRESENCE_OWN,
        _P.PRESENCE_TEAM,
        _P.CERTIFY,
    },
    Role.WORKFORCE_PLANNER: {_P.VIEW_QUEUES, _P.MANAGE_SKILLS, _P.PRESENCE_OWN},
    Role.AGENT: {_P.PRESENCE_OWN},
    Role.QA_INSPECTOR: {_P.PRESENCE_OWN},
    Role.TRAINER: {_P.PRESENCE_OWN, _P.CERTIFY},
    Role.ACCOUNT_MANAGER: {_P.VIEW_QUEUES, _P.PRESENCE_OWN},
    Role.CLIENT_ADMIN: {_P.VIEW_QUEUES},
    Role.CLIENT_MANAGER: {_P.VIEW_QUEUES},
    Role.PLATFORM_ADMIN: {_P.VIEW_QUEUES},
}
