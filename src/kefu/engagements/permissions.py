"""Permissions of engagements: intake and quotes, contracts, onboarding and handover."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class EngagementPerm(StrEnum):
    """One member per duty; each sub-package adds its own."""

    # onboarding/: the checklist, handover plan, break-in and risk register, seen by both sides
    VIEW_ONBOARDING = "engagements.view_onboarding"
    # tick the items of one's own side, import quick phrases, keep the risk register
    MANAGE_ONBOARDING = "engagements.manage_onboarding"
    # the provider's plan: handover phases (applied to routing's split) and break-in periods
    PLAN_HANDOVER = "engagements.plan_handover"


_VIEW = {EngagementPerm.VIEW_ONBOARDING}
_MANAGE = {*_VIEW, EngagementPerm.MANAGE_ONBOARDING}
_PLAN = {*_MANAGE, EngagementPerm.PLAN_HANDOVER}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(_PLAN),
    Role.ACCOUNT_MANAGER: set(_PLAN),
    Role.SUPERVISOR: set(_MANAGE),
    Role.QA_INSPECTOR: set(_VIEW),
    Role.CLIENT_ADMIN: set(_MANAGE),
    Role.CLIENT_MANAGER: set(_MANAGE),
    Role.CLIENT_VIEWER: set(_VIEW),
}
