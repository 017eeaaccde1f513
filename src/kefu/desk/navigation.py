"""The desk's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.desk.permissions import DeskPerm

ENTRIES = (
    NavEntry(_("Workspace"), "desk_inbox", DeskPerm.VIEW, order=100),
    NavEntry(_("After-sales cases"), "desk_cases", DeskPerm.VIEW, order=110),
    NavEntry(_("Service hours and SLA"), "desk_sla", DeskPerm.VIEW, order=120),
)
