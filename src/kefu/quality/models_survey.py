"""Surveys: each client's question sets (versioned like scorecards) and the invitations sent by
e-mail or SMS link (docs/quality-surveys.md). The answer itself is `SurveyAnswer` (models.py).

Kept apart from `models.py` so reviews and auto-QA keep theirs; `models.py` imports these so
Django finds them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class SurveyDefinition(TenantModel):
    """One version of a client's survey for a channel (blank: every channel). Saving a change
    stores the next version and makes it current; an answer keeps the version it was asked."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    family = models.PositiveBigIntegerField(_("survey"), default=0, db_index=True)  # first version's id
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    csat_text = models.CharField(_("satisfaction question (1–5)"), max_length=200)
    ask_nps = models.BooleanField(_("ask the 0–10 recommendation question (NPS)"), default=True)
    nps_text = models.CharField(_("recommendation question (0–10)"), max_length=200, blank=True)
    questions = models.JSONField(_("further questions"), default=list, blank=True)
    link_hours = models.PositiveSmallIntegerField(_("link valid for (hours)"), default=72)
    reminder_hours = models.PositiveSmallIntegerField(_("reminder after (hours, 0: none)"), default=24)
    # opt-in: a link goes out by itself after e-mail (e-mail link) and phone (SMS link) conversations
    auto_send = models.BooleanField(
        _("send the link automatically after e-mail and phone conversations"), default=False
    )
    send_delay_minutes = models.PositiveSmallIntegerField(_("send after (minutes)"), default=30)
    auto_since = models.DateTimeField(null=True, blank=True)  # conversations finished since then
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["name", "-version", "id"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="survey_definition_unique_version"),
        ]
        indexes = [models.Index(fields=["client", "channel", "is_current"], name="survey_definition_current")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SurveyMedium(models.TextChoices):
    CHAT = "chat", _("End of chat")
    EMAIL = "email", _("E-mail link")
    SMS = "sms", _("SMS link")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    LOGGED = "logged", _("Logged only (no SMS gateway)")
    FAILED = "failed", _("Not sent")


class SurveyInvitation(TenantModel):
    """A survey link for one conversation, sent by e-mail or SMS: signed, single-use, expiring.

    The row is its own outbox (the periodic job sends it and, once, the reminder); the address
    is read from the customer only when sending. `nonce` is in the signed token: a new
    invitation never accepts an old link.
    """

    conversation = models.ForeignKey("desk.Conversation", on_delete=models.PROTECT, related_name="+")
    definition = models.ForeignKey(SurveyDefinition, on_delete=models.PROTECT, related_name="invitations")
    medium = models.CharField(_("sent by"), max_length=10, choices=SurveyMedium.choices)
    nonce = models.CharField(max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    last_error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"))
    remind_at = models.DateTimeField(null=True, blank=True)  # None: no reminder (due or done)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # a worker is sending it

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="survey_invitation_outbox"),
            models.Index(fields=["remind_at"], name="survey_invitation_remind"),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id} {self.medium}"
