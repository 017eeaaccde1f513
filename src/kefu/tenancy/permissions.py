"""Permissions of the tenancy app: members, audit, security settings, API tokens."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class TenancyPerm(StrEnum):
    VIEW_MEMBERS = "tenancy.view_members"
    MANAGE_MEMBERS = "tenancy.manage_members"
    VIEW_AUDIT = "tenancy.view_audit"
    VIEW_ACCESS_LOG = "tenancy.view_access_log"
    MANAGE_SECURITY = "tenancy.manage_security"
    VIEW_ORGANIZATIONS = "tenancy.view_organizations"
    MANAGE_ORGANIZATIONS = "tenancy.manage_organizations"


_ADMIN = {
    TenancyPerm.VIEW_MEMBERS,
    TenancyPerm.MANAGE_MEMBERS,
    TenancyPerm.VIEW_AUDIT,
    TenancyPerm.VIEW_ACCESS_LOG,
    TenancyPerm.MANAGE_SECURITY,
    TenancyPerm.VIEW_ORGANIZATIONS,
}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(_ADMIN),
    Role.CLIENT_ADMIN: set(_ADMIN),
    Role.PLATFORM_ADMIN: {*_ADMIN, TenancyPerm.MANAGE_ORGANIZATIONS},
    Role.SUPERVISOR: {TenancyPerm.VIEW_MEMBERS, TenancyPerm.VIEW_ORGANIZATIONS},
    Role.ACCOUNT_MANAGER: {TenancyPerm.VIEW_MEMBERS, TenancyPerm.VIEW_ORGANIZATIONS},
    Role.WORKFORCE_PLANNER: {TenancyPerm.VIEW_MEMBERS, TenancyPerm.VIEW_ORGANIZATIONS},
    Role.QA_INSPECTOR: {TenancyPerm.VIEW_ORGANIZATIONS},
    Role.TRAINER: {TenancyPerm.VIEW_MEMBERS, TenancyPerm.VIEW_ORGANIZATIONS},
    Role.AGENT: {TenancyPerm.VIEW_ORGANIZATIONS},
    Role.CLIENT_MANAGER: {
        TenancyPerm.VIEW_MEMBERS,
        TenancyPerm.VIEW_ORGANIZATIONS,
        TenancyPerm.VIEW_ACCESS_LOG,
    },
    Role.CLIENT_L2: {TenancyPerm.VIEW_ORGANIZATIONS},
    Role.CLIENT_VIEWER: {TenancyPerm.VIEW_ORGANIZATIONS},
}
