"""Engagements' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.engagements.permissions import EngagementPerm

ENTRIES = (NavEntry(_("Onboarding"), "onboarding", EngagementPerm.VIEW_ONBOARDING, order=480),)
