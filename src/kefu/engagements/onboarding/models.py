"""Onboarding rows. Each hangs off a `tenancy.Engagement` and carries its provider and client as
tenant keys, so both sides read them through `.for_scope()`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class Side(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    CLIENT = "client", _("Client")


class ItemKind(models.TextChoices):
    PRODUCT_MATERIAL = "product_material", _("Product material")
    QUICK_PHRASES = "quick_phrases", _("Quick-phrase export")
    FAQ = "faq", _("FAQ")
    AFTER_SALES = "after_sales", _("After-sales rules")
    ORDER_REMARKS = "order_remarks", _("Order rules: remarks")
    FLAG_COLOURS = "flag_colours", _("Order rules: flag colours")
    SHIPPING_TIMES = "shipping_times", _("Order rules: shipping times")
    COURIERS = "couriers", _("Order rules: couriers")
    SCHEDULES = "schedules", _("Current schedules")
    ACCOUNT_MANAGERS = "account_managers", _("Named account managers on both sides")
    OTHER = "other", _("Other")


class ItemStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_NEEDED = "not_needed", _("Not needed")


class ChecklistItem(TenantModel):
    """One thing to hand over before the provider can answer for the client."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("item"), max_length=20, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)  # for "other"
    owner_side = models.CharField(_("who delivers"), max_length=10, choices=Side.choices)
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.TODO)
    due_on = models.DateField(_("due"), null=True, blank=True)
    note = models.TextField(_("notes"), blank=True)
    link = models.URLField(_("link to the files"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["engagement_id", "position", "id"]

    def __str__(self) -> str:
        return self.title or str(ItemKind(self.kind).label)


class HandoverPhase(TenantModel):
    """A step of the gradual handover: from `starts_on`, the provider takes `share_percent` of the
    client's traffic on the engagement's queues (routing's planned split)."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.CASCADE, related_name="+")
    share_percent = models.PositiveSmallIntegerField(
        _("share of the traffic (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    starts_on = models.DateField(_("starts on"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    queue_ids = models.JSONField(default=list, blank=True)  # the queues it was applied to

    class Meta(TenantModel.Meta):
        ordering = ["engagement_id", "starts_on", "share_percent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "starts_on"], name="handover_phase_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.share_percent}% {self.starts_on}"


class RiskCategory(models.TextChoices):
    QUALITY_DROP = "quality_drop", _("Quality drop")
    DATA_LEAK = "data_leak", _("Data leak")
    IP_EXPOSURE = "ip_exposure", _("IP exposure")
    CONTRACT_BREACH = "contract_breach", _("Contract breach")
    KEY_PERSON_LOSS = "key_person_loss", _("Key-person loss")
    ATTRITION = "attrition", _("Attrition")
    SYSTEM_OUTAGE = "system_outage", _("System outage")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Risk(TenantModel):
    """One entry of an engagement's risk register; its score is likelihood × impact (1–25)."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=RiskCategory.choices)
    title = models.CharField(_("risk"), max_length=160)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    owner_side = models.CharField(_("owner's side"), max_length=10, choices=Side.choices)
    owner_name = models.CharField(_("owner"), max_length=60)
    mitigations = models.TextField(_("mitigations"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review_on = models.DateField(_("next review"))
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    reminded_on = models.DateField(null=True, blank=True)  # the review date last reminded of
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["status", "-likelihood", "-impact", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class DiligenceArea(models.TextChoices):
    SECURITY = "security", _("Security posture")
    FINANCES = "finances", _("Finances")
    REFERENCES = "references", _("References")


class DiligenceStatus(models.TextChoices):
    OPEN = "open", _("Not checked yet")
    SATISFACTORY = "satisfactory", _("Satisfactory")
    CONCERN = "concern", _("Concern")


class DiligenceItem(TenantModel):
    """One question the client checks about a new provider before handing over."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.CASCADE, related_name="+")
    area = models.CharField(_("area"), max_length=12, choices=DiligenceArea.choices)
    question = models.CharField(_("question"), max_length=200)
    status = models.CharField(
        _("finding"), max_length=12, choices=DiligenceStatus.choices, default=DiligenceStatus.OPEN
    )
    note = models.TextField(_("notes"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["engagement_id", "position", "id"]

    def __str__(self) -> str:
        return self.question
