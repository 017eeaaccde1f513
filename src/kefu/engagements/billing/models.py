"""Invoices: one version per row, drawn from a contract's pricing terms and a measured period.

A draft's lines are computed when it is created (and again on "recompute"); issuing freezes
them (the row is never edited again except for its status). A disputed invoice is either
confirmed (issued again) or corrected: the correction is a new version (`previous`) and the
disputed one becomes superseded. Every transition is audited (who, when).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    DISPUTED = "disputed", _("Disputed")
    PAID = "paid", _("Paid")
    SUPERSEDED = "superseded", _("Replaced by a corrected version")


class Invoice(TenantModel):
    contract = models.ForeignKey("engagements.Contract", on_delete=models.PROTECT, related_name="invoices")
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    number = models.CharField(_("number"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    pricing_model = models.CharField(_("pricing model"), max_length=20)
    rates = models.JSONField(_("rates"), default=dict)
    usage = models.JSONField(_("measured usage"), default=dict)  # the figures behind the lines
    sla = models.JSONField(_("SLA money"), default=dict)  # per month: credits, bonus, earned back
    lines = models.JSONField(_("lines"), default=list)
    sales = models.DecimalField(_("sales for commission (yuan)"), max_digits=14, decimal_places=2, default=0)
    adjustment = models.DecimalField(_("correction (yuan)"), max_digits=14, decimal_places=2, default=0)
    adjustment_note = models.TextField(_("reason for the correction"), blank=True)
    net = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=0)
    vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    dispute_reason = models.TextField(_("reason for the dispute"), blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disputed_at = models.DateTimeField(null=True, blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-period_start", "-version", "-id"]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"
