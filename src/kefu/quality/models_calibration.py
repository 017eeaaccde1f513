"""Calibration sessions (several reviewers score the same conversations blind) and coaching tasks
(an agent's focused improvement with their lead); docs/quality-calibration.md.

Kept apart from `models.py` like reviews and auto-QA; `models.py` imports them so Django finds
them. A calibration score is never a `Review`: it does not count towards the agent's results.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class CalibrationStatus(models.TextChoices):
    OPEN = "open", _("Scoring")
    CLOSED = "closed", _("Closed")


class CalibrationSession(TenantModel):
    """A QA lead's session: the conversations and reviewers are its `CalibrationScore` rows (one
    per conversation and reviewer); answers stay hidden from the other reviewers until closed."""

    title = models.CharField(_("title"), max_length=120)
    scorecard = models.ForeignKey("quality.Scorecard", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=CalibrationStatus.choices, default=CalibrationStatus.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    expert = models.ForeignKey(  # the reviewer whose answers are the reference, if any
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False), name="calibration_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CalibrationScore(TenantModel):
    """One reviewer's blind answers for one conversation of a session; empty until submitted."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="scores")
    conversation = models.ForeignKey("desk.Conversation", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)  # criterion id → answer
    comments = models.JSONField(default=dict, blank=True)  # criterion id → comment
    score = models.FloatField(_("score"), null=True, blank=True)
    fatal = models.BooleanField(_("fatal item failed"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["session", "conversation", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "conversation", "reviewer"], name="calibration_score_once"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"], name="calibration_reviewer")]

    def __str__(self) -> str:
        return f"{self.session_id}/#{self.conversation_id}"


class CoachingSource(models.TextChoices):
    REVIEW = "review", _("A review")
    APPEAL = "appeal", _("An appeal outcome")
    TREND = "trend", _("A score trend")


class CoachingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Coached")
    FOLLOWED_UP = "followed_up", _("Follow-up scored")


class CoachingTask(TenantModel):
    """Coaching of one agent by a lead on a few criteria, until a later review of the agent on
    the same criteria (the follow-up) shows the effect."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=CoachingSource.choices)
    review = models.ForeignKey(  # the review it came from (also for an appeal outcome)
        "quality.Review", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trend = models.JSONField(default=dict, blank=True)  # {"kind", "threshold", "reviews", "average"}
    criteria = models.JSONField(default=list, blank=True)  # [{"id", "title"}]: the focus criteria
    baseline = models.FloatField(_("score before"), null=True, blank=True)  # on the focus criteria
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CoachingStatus.choices, default=CoachingStatus.OPEN
    )
    due_on = models.DateField(_("due"))
    scheduled_at = models.DateTimeField(_("session time"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    follow_up = models.ForeignKey(
        "quality.Review", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_score = models.FloatField(_("follow-up score"), null=True, blank=True)
    # the reminders job: the due day it reminded of (due soon / overdue), each told once per due day
    soon_reminded_for = models.DateField(null=True, blank=True)
    overdue_reminded_for = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["agent", "status"], name="coaching_agent_status"),
            models.Index(fields=["coach", "status"], name="coaching_coach_status"),
        ]

    def __str__(self) -> str:
        agent = self.agent.display_name or self.agent.username if self.agent_id else ""
        return f"{agent} #{self.pk}"
