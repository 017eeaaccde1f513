"""Analytics' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.analytics.permissions import AnalyticsPerm, EventLogPerm
from kefu.core.navigation import NavEntry

ENTRIES = (
    # Everyone who reads figures: a provider's operations, a client's own, an agent's own card.
    NavEntry(_("Dashboards"), "dashboards", AnalyticsPerm.VIEW_METRICS, order=440),
    # Every member may read what the figures mean (no permission needed).
    NavEntry(_("Metric dictionary"), "metric_dictionary", None, order=450),
    NavEntry(_("Event log digests"), "event_log_digests", EventLogPerm.VIEW_DIGESTS, order=550),
)
