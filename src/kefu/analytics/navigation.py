"""Analytics' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry

# Every member may read what the figures mean (no permission needed).
ENTRIES = (NavEntry(_("Metric dictionary"), "metric_dictionary", None, order=450),)
