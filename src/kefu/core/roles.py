"""The roles a membership can carry, and how permissions are gathered from the apps.

Each app declares its own permission enum and the grants per role in its
`permissions.py` (`GRANTS: dict[Role, set[str]]`); `permissions_for(role)` unions them,
so an app adds permissions without touching a central table.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from django.utils.translation import gettext_lazy as _

from kefu.core.registry import app_modules
from kefu.core.scope import OrgKind


class Role(StrEnum):
    PROVIDER_ADMIN = "provider_admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    QA_INSPECTOR = "qa_inspector"
    TRAINER = "trainer"
    WORKFORCE_PLANNER = "workforce_planner"
    ACCOUNT_MANAGER = "account_manager"
    CLIENT_ADMIN = "client_admin"
    CLIENT_MANAGER = "client_manager"
    CLIENT_L2 = "client_l2"
    CLIENT_VIEWER = "client_viewer"
    PLATFORM_ADMIN = "platform_admin"


ROLE_LABELS: dict[Role, object] = {
    Role.PROVIDER_ADMIN: _("Provider admin"),
    Role.SUPERVISOR: _("Team lead"),
    Role.AGENT: _("Agent"),
    Role.QA_INSPECTOR: _("QA inspector"),
    Role.TRAINER: _("Trainer"),
    Role.WORKFORCE_PLANNER: _("Workforce planner"),
    Role.ACCOUNT_MANAGER: _("Account manager"),
    Role.CLIENT_ADMIN: _("Client admin"),
    Role.CLIENT_MANAGER: _("Client manager"),
    Role.CLIENT_L2: _("Client after-sales staff (L2)"),
    Role.CLIENT_VIEWER: _("Client viewer"),
    Role.PLATFORM_ADMIN: _("Platform admin"),
}

ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.PROVIDER: (
        Role.PROVIDER_ADMIN,
        Role.SUPERVISOR,
        Role.AGENT,
        Role.QA_INSPECTOR,
        Role.TRAINER,
        Role.WORKFORCE_PLANNER,
        Role.ACCOUNT_MANAGER,
    ),
    OrgKind.CLIENT: (Role.CLIENT_ADMIN, Role.CLIENT_MANAGER, Role.CLIENT_L2, Role.CLIENT_VIEWER),
    OrgKind.PLATFORM: (Role.PLATFORM_ADMIN,),
}

ADMIN_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.CLIENT_ADMIN, Role.PLATFORM_ADMIN})


def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


@cache
def permissions_for(role: str) -> frozenset[str]:
    """Union of every installed app's grants for this role."""
    granted: set[str] = set()
    for module in app_modules("permissions"):
        for grant_role, perms in getattr(module, "GRANTS", {}).items():
            if grant_role == role:
                granted.update(str(p) for p in perms)
    return frozenset(granted)


def all_permissions() -> frozenset[str]:
    return frozenset().union(*(permissions_for(role) for role in Role))
