"""Tenancy's entries in the navigation (gathered by `kefu.core.navigation`): the organisation's
settings, and every member's own account last."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.tenancy.permissions import TenancyPerm

ENTRIES = (
    NavEntry(_("Members"), "members", TenancyPerm.VIEW_MEMBERS, order=500),
    NavEntry(_("Audit log"), "audit_log", TenancyPerm.VIEW_AUDIT, order=510),
    NavEntry(_("Access log"), "access_log", TenancyPerm.VIEW_ACCESS_LOG, order=520),
    NavEntry(_("Security"), "security", TenancyPerm.MANAGE_SECURITY, order=530),
    NavEntry(_("My account"), "account", None, order=900),
)
