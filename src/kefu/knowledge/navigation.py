"""Knowledge's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.knowledge.permissions import KnowledgePerm

ENTRIES = (NavEntry(_("Quick phrases"), "quick_phrases", KnowledgePerm.VIEW_PHRASES, order=200),)
