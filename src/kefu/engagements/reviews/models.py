"""Monthly business reviews of a signed contract, their improvement actions and comments, and the
renewal recommendations with the client's decision.

A review's figures are generated into `snapshot` (JSON) while it is a draft (it can be generated
again) and frozen when it is published, so a later correction of the event log does not rewrite
what both sides discussed. Actions belong to the engagement: raised in one review, an open action
is carried into every later review until someone marks it done. Comments are append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class BusinessReview(TenantModel):
    """One contract's review of one calendar month (provider and client both set)."""

    contract = models.ForeignKey("engagements.Contract", on_delete=models.PROTECT, related_name="+")
    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month reviewed
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    snapshot = models.JSONField(default=dict)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-month", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "month"], name="businessreview_once")]

    def __str__(self) -> str:
        return f"review {self.contract_id} {self.month:%Y-%m}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class ReviewAction(TenantModel):
    """An improvement action agreed in a review, owned by a user of either side."""

    engagement = models.ForeignKey("tenancy.Engagement", on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(BusinessReview, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=6, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ReviewComment(AppendOnly, TenantModel):
    """A comment on a review by a user of either side: written once, never edited."""

    review = models.ForeignKey(BusinessReview, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8)  # "provider" or "client": the author's side when written
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.review_id} by {self.author_id}"


class Outcome(models.TextChoices):
    RENEW = "renew", _("Renew")
    RENEGOTIATE = "renegotiate", _("Renegotiate")
    REPLACE = "replace", _("Replace")


class RenewalRecommendation(TenantModel):
    """A recommendation stored when asked for (who, when, the evidence), and the client's decision."""

    contract = models.ForeignKey("engagements.Contract", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("recommendation"), max_length=12, choices=Outcome.choices)
    evidence = models.JSONField(default=dict)  # the record and the rule, as computed
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Outcome.choices, blank=True)
    decision_note = models.TextField(_("reasons"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"renewal {self.contract_id} {self.outcome}"
