"""The complaints register's rows (docs/quality-complaints.md); the workflow itself is the pure
core `quality.complaints.workflow`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class ComplaintStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ComplaintSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintSource(models.TextChoices):
    CONVERSATION = "conversation", _("From a conversation")
    CASE = "case", _("From a case")
    CLIENT = "client", _("Lodged by the client")
    STAFF = "staff", _("Entered by staff")


class CallbackOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Reached, satisfied")
    UNSATISFIED = "unsatisfied", _("Reached, still unhappy")
    UNREACHABLE = "unreachable", _("Could not be reached")
    WAIVED = "waived", _("No callback needed")


class ComplaintCategory(TenantModel):
    """A root-cause category of one client's list (物流, 商品质量, 服务态度…)."""

    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Complaint(TenantModel):
    """One complaint of the register, whatever channel it came by."""

    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=ComplaintSource.choices)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    customer_name = models.CharField(_("customer"), max_length=120, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=ComplaintSeverity.choices)
    category = models.ForeignKey(
        ComplaintCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    callback_planned_at = models.DateTimeField(_("callback planned"), null=True, blank=True)
    callback_done_at = models.DateTimeField(_("callback done"), null=True, blank=True)
    callback_outcome = models.CharField(
        _("callback outcome"), max_length=12, choices=CallbackOutcome.choices, blank=True
    )
    callback_note = models.TextField(_("callback note"), blank=True)
    conversations = models.ManyToManyField("desk.Conversation", related_name="+", blank=True)
    cases = models.ManyToManyField("desk.Case", related_name="+", blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    # the reminders job (docs/quality-complaints.md): the due date / planned callback time it
    # reminded of, so each is told once and a moved date is told again
    overdue_noticed_for = models.DateTimeField(null=True, blank=True)
    callback_noticed_for = models.DateTimeField(null=True, blank=True)
    soon_noticed_for = models.DateTimeField(null=True, blank=True)  # "due within 24 hours"

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "client", "created_at"], name="complaint_tenant_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"
