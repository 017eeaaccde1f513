"""Permissions of workforce management: volume history, forecasts, staffing, schedules."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class WorkforcePerm(StrEnum):
    VIEW = "workforce.view"
    PLAN = "workforce.plan"


GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {WorkforcePerm.VIEW, WorkforcePerm.PLAN},
    Role.WORKFORCE_PLANNER: {WorkforcePerm.VIEW, WorkforcePerm.PLAN},
    Role.SUPERVISOR: {WorkforcePerm.VIEW},
    Role.ACCOUNT_MANAGER: {WorkforcePerm.VIEW},
    Role.CLIENT_ADMIN: {WorkforcePerm.VIEW},
    Role.CLIENT_MANAGER: {WorkforcePerm.VIEW},
    Role.PLATFORM_ADMIN: {WorkforcePerm.VIEW},
}
