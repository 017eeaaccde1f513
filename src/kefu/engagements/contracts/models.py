"""Contracts between a provider and a client, their SLA terms, the frozen signed text, reminders.

A `Contract` row is one version: drafted, approved by both sides, then signed. Signing writes a
`SignedContract` (append-only: the version's full text and terms as JSON and its SHA-256), and
from then on the version is never edited; an amendment is a new version (`previous` points at
the one it amends, which becomes superseded when the amendment is signed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Superseded")


class PaymentTerms(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every six months")
    ANNUAL = "annual", _("Annually")


class FloorWindow(models.TextChoices):
    NONE = "", _("No floor")
    DAY = "day", _("Each day")
    WEEK = "week", _("Each week")


class Consequence(models.TextChoices):
    NONE = "none", _("None (reported only)")
    CREDIT = "credit", _("Service credit (can be earned back)")
    PENALTY = "penalty", _("Penalty")
    BONUS = "bonus", _("Bonus")


class Contract(TenantModel):
    """One version of a provider's contract with a client (provider and client both set)."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    # the accepted quote the contract was drawn up from (its seats and prices): traceable both ways
    quote = models.ForeignKey(
        "engagements.Quote", on_delete=models.PROTECT, null=True, blank=True, related_name="contracts"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    scope_of_work = models.TextField(_("scope of work"), blank=True)
    channels = models.JSONField(_("channels"), default=list)
    service_hours = models.CharField(_("service hours"), max_length=120, blank=True)
    seats = models.PositiveIntegerField(_("seats"), default=0)
    service_types = models.CharField(_("service types"), max_length=300, blank=True)
    training_support = models.TextField(_("training support"), blank=True)
    handover_method = models.TextField(_("handover method"), blank=True)
    quality_method = models.TextField(_("quality assessment method"), blank=True)
    reporting_duties = models.TextField(_("reporting duties"), blank=True)
    payment_terms = models.CharField(
        _("payment terms"), max_length=12, choices=PaymentTerms.choices, default=PaymentTerms.QUARTERLY
    )
    monthly_fee = models.DecimalField(_("monthly fee (yuan)"), max_digits=12, decimal_places=2, default=0)
    # pricing terms (billing/pricing_terms.py): the model of quoting.pricing.MODELS and its rates
    pricing_model = models.CharField(_("pricing model"), max_length=20, default="fixed_monthly")
    pricing_rates = models.JSONField(_("rates"), default=dict, blank=True)
    at_risk_pct = models.DecimalField(
        _("fee at risk per month (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    bonus_cap_pct = models.DecimalField(
        _("bonus cap per month (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    confidentiality = models.TextField(_("confidentiality terms"), blank=True)
    data_processing = models.TextField(_("data-processing terms"), blank=True)
    starts_on = models.DateField(_("starts on"))
    renews_on = models.DateField(_("renewal date"), null=True, blank=True)
    ends_on = models.DateField(_("termination date"), null=True, blank=True)
    notice_days = models.PositiveIntegerField(_("remind this many days before"), default=30)
    provider_approved_at = models.DateTimeField(null=True, blank=True)
    provider_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_approved_at = models.DateTimeField(null=True, blank=True)
    client_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "-starts_on", "-version", "-id"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class SlaTerm(TenantModel):
    """A promise measured by one metric of the dictionary, with its consequence."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="terms")
    position = models.PositiveIntegerField(default=0)
    metric_id = models.CharField(_("metric"), max_length=60)
    target = models.FloatField(_("target"))
    # service level ("X % answered within Y s"): the Y of this promise, in seconds; None for
    # metrics that take no threshold (the dictionary's `Metric.params`)
    threshold_s = models.FloatField(_("answered within (seconds)"), null=True, blank=True)
    floor_window = models.CharField(
        _("floor window"), max_length=4, choices=FloorWindow.choices, default=FloorWindow.NONE, blank=True
    )
    floor_target = models.FloatField(_("floor"), null=True, blank=True)
    exclusions = models.TextField(_("exclusions"), blank=True)
    consequence = models.CharField(
        _("consequence"), max_length=8, choices=Consequence.choices, default=Consequence.NONE
    )
    step = models.FloatField(_("per step of"), default=1.0)
    rate_pct = models.FloatField(_("percent of the monthly fee per step"), default=0.0)
    cap_pct = models.FloatField(_("cap (percent of the monthly fee)"), null=True, blank=True)
    floor_rate_pct = models.FloatField(_("percent of the monthly fee per missed floor window"), default=0.0)
    earn_back_periods = models.PositiveIntegerField(_("earned back after this many months met"), default=0)

    class Meta(TenantModel.Meta):
        ordering = ["contract_id", "position", "id"]

    def __str__(self) -> str:
        within = f" @{self.threshold_s:g}s" if self.threshold_s is not None else ""
        return f"{self.metric_id} {self.target}{within}"


class SignedContract(AppendOnly, TenantModel):
    """The frozen text of a signed version: written once, with the hash of its canonical JSON."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="signed")
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"signed {self.contract_id} {self.sha256[:12]}"


class ReminderKind(models.TextChoices):
    RENEWAL = "renewal", _("Renewal")
    TERMINATION = "termination", _("Termination")


class ContractReminder(AppendOnly, TenantModel):
    """A renewal or termination date coming up, announced once to both sides."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.JSONField(default=list)

    class Meta(TenantModel.Meta):
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "due_on"], name="contractreminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.contract_id} {self.due_on}"
