"""The floor's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.floor.permissions import FloorPerm

ENTRIES = (
    NavEntry(_("Wallboard"), "floor_wallboard", FloorPerm.VIEW_WALLBOARD, order=130),
    NavEntry(_("Floor alarms"), "floor_alarms", FloorPerm.MANAGE_ALARMS, order=131),
    NavEntry(_("Emergency plans"), "floor_plans", FloorPerm.MANAGE_ALARMS, order=132),
)
