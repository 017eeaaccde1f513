"""Permissions of workforce management: volume history, forecasts, staffing, schedules."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class WorkforcePerm(StrEnum):
    VIEW = "workforce.view"
    PLAN = "workforce.plan"
    VIEW_OWN_SCHEDULE = "workforce.view_own_schedule"  # an agent's own published shifts and requests
    APPROVE_REQUESTS = "workforce.approve_requests"  # decide agents' swap, leave and change requests


_OWN = WorkforcePerm.VIEW_OWN_SCHEDULE
_APPROVE = WorkforcePerm.APPROVE_REQUESTS

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {WorkforcePerm.VIEW, WorkforcePerm.PLAN, _OWN, _APPROVE},
    Role.WORKFORCE_PLANNER: {WorkforcePerm.VIEW, WorkforcePerm.PLAN, _OWN, _APPROVE},
    Role.SUPERVISOR: {WorkforcePerm.VIEW, _OWN, _APPROVE},
    Role.AGENT: {_OWN},
    Role.QA_INSPECTOR: {_OWN},
    Role.TRAINER: {_OWN},
    Role.ACCOUNT_MANAGER: {WorkforcePerm.VIEW, _OWN},
    Role.CLIENT_ADMIN: {WorkforcePerm.VIEW},
    Role.CLIENT_MANAGER: {WorkforcePerm.VIEW},
    Role.PLATFORM_ADMIN: {WorkforcePerm.VIEW},
}
