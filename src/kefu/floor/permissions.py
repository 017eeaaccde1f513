"""Permissions of the floor: the wallboard, alarms, emergency plans, supervisor actions."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class FloorPerm(StrEnum):
    VIEW_WALLBOARD = "floor.view_wallboard"  # a client's managers: their own queues, counts only
    VIEW_AGENTS = "floor.view_agents"  # who is in which state, adherence (provider side only)
    SUPERVISE = "floor.supervise"  # move, take over, monitor, whisper
    MANAGE_ALARMS = "floor.manage_alarms"  # thresholds and emergency plans; acknowledge, run steps
    NOTICES = "floor.notices"  # hear one's own floor notices (a call-in to standby)


_P = FloorPerm
GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(FloorPerm),
    Role.SUPERVISOR: set(FloorPerm),
    Role.AGENT: {_P.NOTICES},
    Role.QA_INSPECTOR: {_P.NOTICES},
    Role.TRAINER: {_P.NOTICES},
    Role.WORKFORCE_PLANNER: {_P.VIEW_WALLBOARD, _P.VIEW_AGENTS, _P.NOTICES},
    Role.ACCOUNT_MANAGER: {_P.VIEW_WALLBOARD, _P.NOTICES},
    Role.CLIENT_ADMIN: {_P.VIEW_WALLBOARD},
    Role.CLIENT_MANAGER: {_P.VIEW_WALLBOARD},
}
