"""The contact event log: every metric is computed from these rows, never typed in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class EventType(models.TextChoices):
    """What happened to a contact; docs/event-log.md says when each is written."""

    OFFERED = "offered", _("Offered")
    QUEUED = "queued", _("Queued")
    ASSIGNED = "assigned", _("Assigned")
    FIRST_RESPONSE = "first_response", _("First response")
    MESSAGE_IN = "message_in", _("Message in")
    MESSAGE_OUT = "message_out", _("Message out")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated")
    DEESCALATED = "deescalated", _("De-escalated")
    HELD = "held", _("Held")
    RESUMED = "resumed", _("Resumed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    ABANDONED = "abandoned", _("Abandoned")
    SURVEY_ANSWERED = "survey_answered", _("Survey answered")
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_STATUS = "case_status", _("Case status changed")
    CASE_RESOLVED = "case_resolved", _("Case resolved")
    CASE_LINKED = "case_linked", _("Conversation linked to a case")
    STATUS_CHANGED = "status_changed", _("Custom status changed")


class ContactEvent(AppendOnly, TenantModel):
    """One thing that happened to one conversation, written in the same transaction as the change.

    `conversation_id` and `case_id` are plain integers, not foreign keys: analytics reads
    the log without depending on the desk app, and the log outlives archived conversations.
    """

    type = models.CharField(_("type"), max_length=20, choices=EventType.choices)
    at = models.DateTimeField(_("at"))
    conversation_id = models.BigIntegerField(_("conversation"))  # indexed with `at`, see Meta
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    queue = models.CharField(_("queue"), max_length=60, null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    value_s = models.FloatField(_("value (wall seconds)"), null=True, blank=True)
    value_business_s = models.FloatField(_("value (business seconds)"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["provider", "client", "type", "at"], name="contactevent_tenant_type_at"),
            models.Index(fields=["conversation_id", "at"], name="contactevent_conversation_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.type} #{self.conversation_id}"
