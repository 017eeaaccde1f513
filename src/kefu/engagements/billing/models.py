"""Invoices: one version per row, drawn from a contract's pricing terms and a measured period.

A draft's lines are computed when it is created (and again on "recompute"); issuing freezes
them (the row is never edited again except for its status). A disputed invoice is either
confirmed (issued again) or corrected: the correction is a new version (`previous`) and the
disputed one becomes superseded. Every transition is audited (who, when).
"""

from __future__ import annotations

from decimal import Decimal

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
    # the typed sales figure is only a correction of the confirmed statements' net sales, with its reason
    sales_correction = models.DecimalField(
        _("correction of the sales for commission (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    sales_correction_note = models.TextField(_("reason for the sales correction"), blank=True)
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


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the other side's confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    SUPERSEDED = "superseded", _("Replaced by a newer upload")


class StatementSide(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    CLIENT = "client", _("Client")


class SalesStatement(TenantModel):
    """The shop's sales export of one month for a `base_commission` contract (客服销售额).

    One upload per row; a new upload of the same engagement and month supersedes the previous
    one (kept). Uploaded by one side, confirmed or disputed by the other; only a confirmed
    statement feeds an invoice's commission line.
    """

    contract = models.ForeignKey(
        "engagements.Contract", on_delete=models.PROTECT, related_name="sales_statements"
    )
    month = models.DateField(_("month"))  # its first day
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    side = models.CharField(_("uploaded by"), max_length=8, choices=StatementSide.choices)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("orders"), default=0)
    paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    refunded = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=0)
    net = models.DecimalField(_("net sales"), max_digits=14, decimal_places=2, default=0)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispute_reason = models.TextField(_("reason for the dispute"), blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-month", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.month:%Y-%m})"


class SalesStatementRow(TenantModel):
    """One order of a statement, as the shop exported it (tenant keys copied from the statement)."""

    statement = models.ForeignKey(SalesStatement, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("row"))
    order_number = models.CharField(_("order number"), max_length=120)
    ordered_at = models.DateTimeField(_("order time"))
    paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2)
    refunded = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=0)
    agent_name = models.CharField(_("agent"), max_length=120, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["line", "id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "order_number"], name="sales_row_order_once")
        ]

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded
