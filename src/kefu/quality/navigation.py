"""Quality's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.quality.autoqa_permissions import AutoQaPerm

ENTRIES = (NavEntry(_("Auto-QA"), "quality_autoqa", AutoQaPerm.VIEW, order=430),)
