"""Routing's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.routing.permissions import RoutingPerm

ENTRIES = (
    NavEntry(_("Queues"), "routing_queues", RoutingPerm.VIEW_QUEUES, order=150),
    NavEntry(_("Skills"), "routing_skill_grid", RoutingPerm.MANAGE_SKILLS, order=151),
    NavEntry(_("Certifications"), "routing_certifications", RoutingPerm.CERTIFY, order=152),
)
