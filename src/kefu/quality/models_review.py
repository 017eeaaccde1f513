"""Human quality review: scorecards (versioned), each client's sampling and appeal rules, the
review of one conversation, and the agent's appeal against it (docs/quality-reviews.md).

Kept apart from `models.py` so auto-QA can grow its own models beside these; `models.py`
imports them so Django finds them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


def _default_percentages() -> dict[str, int]:
    return {"chat": 100, "email": 20, "phone": 10, "api": 10}


class Scorecard(TenantModel):
    """One version of a scorecard. Saving a change stores a new row with the next version in the
    same family and makes it current; reviews keep pointing at the version they used."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=10, blank=True)  # blank: every channel
    family = models.PositiveBigIntegerField(_("scorecard"), default=0, db_index=True)  # first version's id
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    definition = models.JSONField(_("sections and criteria"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["name", "-version", "id"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="scorecard_unique_version"),
        ]
        indexes = [models.Index(fields=["client", "channel", "is_current"], name="scorecard_current")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class QaPolicy(TenantModel):
    """A provider's sampling and appeal rules for one client."""

    percent_by_channel = models.JSONField(_("share reviewed per channel (%)"), default=_default_percentages)
    new_agent_days = models.PositiveSmallIntegerField(_("break-in period (days)"), default=30)
    new_agent_percent = models.PositiveSmallIntegerField(
        _("share reviewed in the break-in period (%)"), default=100
    )
    include_complaints = models.BooleanField(_("review every complaint"), default=True)
    include_low_ratings = models.BooleanField(_("review every rating of 2 or less"), default=True)
    due_days = models.PositiveSmallIntegerField(_("days to finish a review"), default=1)
    appeal_window_days = models.PositiveSmallIntegerField(_("days to appeal"), default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["provider", "client"], name="qa_policy_one_per_client"),
        ]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    SUBMITTED = "submitted", _("Reviewed")


class SampleReason(models.TextChoices):
    RANDOM = "random", _("Random sample")
    NEW_AGENT = "new_agent", _("Agent in break-in period")
    COMPLAINT = "complaint", _("Complaint")
    LOW_RATING = "low_rating", _("Low rating")
    MANUAL = "manual", _("Chosen by hand")


class Review(TenantModel):
    """A human review of one conversation against one scorecard version: first a task on an
    inspector's list, then the submitted answers and score. One per conversation and provider,
    so the nightly sampling can run again without duplicates."""

    conversation = models.ForeignKey("desk.Conversation", on_delete=models.PROTECT, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reason = models.CharField(_("why reviewed"), max_length=12, choices=SampleReason.choices)
    sample_day = models.DateField(_("sample day"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)  # criterion id → answer
    comments = models.JSONField(default=dict, blank=True)  # criterion id → comment
    anchors = models.JSONField(default=dict, blank=True)  # criterion id → message seq
    notes = models.JSONField(default=list, blank=True)  # [{"seq": int, "text": str}]: comments on messages
    prefill = models.JSONField(default=list, blank=True)  # findings it was pre-filled from (auto-QA)
    score = models.FloatField(_("score"), null=True, blank=True)
    fatal = models.BooleanField(_("fatal item failed"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "conversation"], name="review_one_per_conversation"),
        ]
        indexes = [
            models.Index(fields=["inspector", "status"], name="review_inspector_status"),
            models.Index(fields=["agent", "status"], name="review_agent_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    UPHELD = "upheld", _("Review upheld")
    AMENDED = "amended", _("Review amended")


class Appeal(TenantModel):
    """The agent's appeal (申诉) against a submitted review, decided (复核) by a second reviewer."""

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="appeal")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision"), blank=True)
    score_before = models.FloatField(null=True, blank=True)
    score_after = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False), name="appeal_decided_has_time"
            ),
        ]


class BreakInPeriod(TenantModel):
    """Dates in which an agent (or, with no agent, everyone answering for the client) counts as in
    the break-in period for sampling, whatever their start date: a new engagement's first weeks.
    Sampling gives such conversations the policy's break-in share (`new_agent_percent`)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))  # inclusive
    note = models.CharField(_("note"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="break_in_dates_ordered"
            ),
        ]
