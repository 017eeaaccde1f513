"""The navigation, per permission: a link shows only when its page would let the user in.

Each app declares its entries in its own `navigation.py`; the shell reads them through
`kefu.core.navigation` and imports no app (an import-linter contract keeps it so).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry, nav_entries
from kefu.core.scope import Scope

ENTRIES = (NavEntry(_("Home"), "home", None, order=0),)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def navigation_for(scope: Scope, current_path: str) -> list[NavItem]:
    items = []
    for entry in nav_entries():
        if entry.permission is not None and not scope.has(entry.permission):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append(NavItem(label=str(entry.label), url=url, active=active))
    return items
