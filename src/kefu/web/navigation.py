"""The navigation, per permission: a link shows only when its page would let the user in."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.connectors.permissions import ConnectorPerm
from kefu.core.scope import Scope
from kefu.desk.permissions import DeskPerm
from kefu.knowledge.permissions import KnowledgePerm
from kefu.tenancy.permissions import TenancyPerm
from kefu.workforce.permissions import WorkforcePerm


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


_ITEMS: tuple[tuple[object, str, str | None], ...] = (
    (_("Home"), "home", None),
    (_("Workspace"), "desk_inbox", DeskPerm.VIEW),
    (_("Quick phrases"), "quick_phrases", KnowledgePerm.VIEW_PHRASES),
    (_("Chat widgets"), "widget_list", ConnectorPerm.VIEW),
    (_("Channels"), "channel_settings", ConnectorPerm.VIEW),
    (_("Workforce"), "workforce", WorkforcePerm.VIEW),
    (_("My schedule"), "workforce_my_schedule", WorkforcePerm.VIEW_OWN_SCHEDULE),
    (_("Members"), "members", TenancyPerm.VIEW_MEMBERS),
    (_("Audit log"), "audit_log", TenancyPerm.VIEW_AUDIT),
    (_("Access log"), "access_log", TenancyPerm.VIEW_ACCESS_LOG),
    (_("Security"), "security", TenancyPerm.MANAGE_SECURITY),
    (_("My account"), "account", None),
)


def navigation_for(scope: Scope, current_path: str) -> list[NavItem]:
    items = []
    for label, url_name, permission in _ITEMS:
        if permission is not None and not scope.has(permission):
            continue
        url = reverse(url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append(NavItem(label=str(label), url=url, active=active))
    return items
