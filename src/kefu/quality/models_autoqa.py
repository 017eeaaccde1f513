"""Auto-QA rows: each client's rules, one result per conversation and its findings.

Kept apart from human reviews (scorecards): an auto score is never averaged with a human one.
A result carries the rules version and the last message it read, so the nightly job inspects a
conversation again only when either changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class AutoQaRules(TenantModel):
    """One client's auto-QA rules as its provider keeps them (`revision` goes up on each save)."""

    forbidden_words = models.JSONField(_("forbidden words"), default=list, blank=True)
    forbidden_promises = models.JSONField(_("forbidden promises"), default=list, blank=True)
    greeting_template = models.CharField(_("greeting template"), max_length=300)
    shop_aliases = models.JSONField(_("shop short names"), default=list, blank=True)
    closing_phrases = models.JSONField(_("closing phrases"), default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["provider", "client"], name="autoqa_rules_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"auto-QA rules {self.provider_id}/{self.client_id} r{self.revision}"


class AutoQaResult(TenantModel):
    """The latest auto-QA of one conversation."""

    conversation = models.ForeignKey("desk.Conversation", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("auto score"))
    rules_version = models.CharField(_("rules version"), max_length=40)
    message_seq = models.PositiveIntegerField()  # the conversation's last message when inspected
    findings_count = models.PositiveIntegerField(default=0)
    critical_count = models.PositiveIntegerField(default=0)
    sentiment = models.JSONField(default=list, blank=True)  # [{"seq", "label", "score"}]
    finished_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    run_at = models.DateTimeField(_("inspected at"))
    trigger = models.CharField(max_length=10)  # "job" or "demand"

    class Meta(TenantModel.Meta):
        ordering = ["-finished_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation"], name="autoqa_result_one_per_conversation"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="autoqa_result_score_0_100"),
        ]
        indexes = [
            models.Index(fields=["provider", "client", "finished_at"], name="autoqa_result_tenant_day")
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}: {self.score}"


class AutoQaFinding(TenantModel):
    result = models.ForeignKey(AutoQaResult, on_delete=models.CASCADE, related_name="findings")
    check_id = models.CharField(_("check"), max_length=40)
    severity = models.CharField(_("severity"), max_length=10)
    message_seq = models.PositiveIntegerField(null=True)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    evidence = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["result_id", "message_seq", "start", "id"]

    def __str__(self) -> str:
        return f"{self.check_id}@{self.message_seq}"
