"""Workforce's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.workforce.permissions import WorkforcePerm

ENTRIES = (
    NavEntry(_("Workforce"), "workforce", WorkforcePerm.VIEW, order=400),
    NavEntry(_("My schedule"), "workforce_my_schedule", WorkforcePerm.VIEW_OWN_SCHEDULE, order=410),
)
