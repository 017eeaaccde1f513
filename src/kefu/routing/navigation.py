"""Routing's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.routing.permissions import RoutingPerm

ENTRIES = (NavEntry(_("Queues"), "routing_queues", RoutingPerm.VIEW_QUEUES, order=150),)
