"""Reports' entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.reports.permissions import ReportPerm

ENTRIES = (
    NavEntry(_("Reports"), "reports_archive", ReportPerm.VIEW, order=460),
    NavEntry(_("Monthly KPI review"), "reports_monthly", ReportPerm.VIEW, order=465),
)
