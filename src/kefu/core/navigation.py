"""Navigation entries, declared by each app in its `navigation.py` (`ENTRIES`).

The shell (`kefu.web.navigation`) shows the entries the actor's permissions allow, sorted by
`order`; it reads them here, so it imports no app and no app's permissions. Orders in use:
0 home, 100 desk, 200 knowledge, 250 quality, 300 connectors, 400 workforce, 450 analytics,
500 tenancy, 900 account.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kefu.core.registry import app_modules


@dataclass(frozen=True)
class NavEntry:
    label: object  # a lazy translation, rendered in the request's language
    url_name: str
    permission: str | None  # None: every member sees it
    order: int


@cache
def nav_entries() -> tuple[NavEntry, ...]:
    """Every installed app's entries, by order (ties keep INSTALLED_APPS order)."""
    entries = [entry for module in app_modules("navigation") for entry in getattr(module, "ENTRIES", ())]
    return tuple(sorted(entries, key=lambda entry: entry.order))
