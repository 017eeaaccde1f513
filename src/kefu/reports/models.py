"""The report archive: what was sent to a client, frozen with the digest it was computed from.

A report is written once (`AppendOnly`): its `snapshot` holds every figure and record shown,
`digests` the event log's chain heads of the period's last day, and `sha256` the hash of both,
so a client can tell a report it received from one shown later. Sending is a separate row
(`ReportDelivery`): sending never touches the report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class ReportKind(models.TextChoices):
    DAILY = "daily", _("Daily report")
    MONTHLY = "monthly", _("Monthly KPI review")


class Report(AppendOnly, TenantModel):
    """One provider's report to one client for one period (a day or a calendar month)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    tz = models.CharField(_("time zone"), max_length=64)
    snapshot = models.JSONField(_("figures"))
    digests = models.JSONField(_("event log digests"), default=list)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-period_start", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "client", "kind", "period_start"], name="report_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id} {self.period_start}"


class ReportDelivery(AppendOnly, TenantModel):
    """A report e-mailed to the client's recipients (who, when, by whom or by the morning job)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="deliveries")
    sent_at = models.DateTimeField(_("sent"))
    recipients = models.JSONField(_("recipients"), default=list)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"report {self.report_id} sent {self.sent_at:%Y-%m-%d %H:%M}"


class ReportRecipient(TenantModel):
    """An address that receives the client's reports (the client's row: `provider` is null)."""

    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["client", "email"], name="reportrecipient_unique")]

    def __str__(self) -> str:
        return self.email
