"""Engagements' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.engagements.permissions import EngagementPerm

ENTRIES = (
    NavEntry(_("Contracts"), "contracts_list", EngagementPerm.CONTRACT_VIEW, order=470),
    NavEntry(_("Quotes"), "engagements_quotes", EngagementPerm.QUOTE_VIEW, order=480),
    NavEntry(_("Onboarding"), "onboarding", EngagementPerm.VIEW_ONBOARDING, order=490),
    NavEntry(_("Business reviews"), "reviews_list", EngagementPerm.REVIEW_VIEW, order=475),
    NavEntry(_("Invoices"), "invoices_list", EngagementPerm.INVOICE_VIEW, order=495),
)
