"""The connectors' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.connectors.permissions import ConnectorPerm
from kefu.core.navigation import NavEntry

ENTRIES = (
    NavEntry(_("Chat widgets"), "widget_list", ConnectorPerm.VIEW, order=300),
    NavEntry(_("Channels"), "channel_settings", ConnectorPerm.VIEW, order=310),
)
