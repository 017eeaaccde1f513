"""Intakes, cost models and quotes (docs/engagements-quotes.md).

The shapes of an intake and a cost model live in `quoting.intake` (pure) and are stored as JSON,
so the page, the API and `kefu quote` read one format; a quote keeps the computed object it was
sent with, so a later change of rates never changes a quote a client holds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class CostModelRecord(TenantModel):
    """A provider's editable rates per seat-month and margin (provider row, no client)."""

    name = models.CharField(_("name"), max_length=120)
    data = models.JSONField(_("rates"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Intake(TenantModel):
    """What a client needs, filled by the client or by an account manager with them.

    Editable until it is quoted; a quoted intake is frozen so every quote version prices the
    same facts (a changed need is a new intake).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being filled in")
        QUOTED = "quoted", _("Quoted")

    title = models.CharField(_("title"), max_length=160)
    data = models.JSONField(_("intake"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Quote(TenantModel):
    """One version of a provider's quote on an intake: options, staffing and prices as sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Replaced by a newer version")

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="quotes")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    cost_model = models.JSONField(_("cost model used"), default=dict)
    result = models.JSONField(_("quote"), default=dict)
    note = models.TextField(_("note to the client"), blank=True)
    accepted_seats = models.PositiveIntegerField(_("accepted option (seats)"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["intake_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "provider", "version"], name="quote_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.intake.title} v{self.version}"


class Rfq(TenantModel):
    """A client's request for quotes: several providers quote on one of its intakes; the client
    compares them with its weights and records the decision and its reasons. A client row; only
    the client's pages read it (providers quote the intake and never see this comparison)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Comparing quotes")
        DECIDED = "decided", _("Decided")

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="rfqs")
    title = models.CharField(_("title"), max_length=160)
    provider_ids = models.JSONField(_("invited providers"), default=list)
    weights = models.JSONField(_("weights"), default=dict)
    assessments = models.JSONField(_("ratings"), default=dict)  # {provider id: {criterion: 0–5}}
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    chosen_quote = models.ForeignKey(Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_reason = models.TextField(_("reasons"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
