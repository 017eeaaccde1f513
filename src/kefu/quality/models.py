"""Quality management data; so far the customer's satisfaction answer (CSAT)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class SurveyAnswer(TenantModel):
    """The customer's 1–5 rating of one conversation; one per conversation (the first counts)."""

    conversation = models.ForeignKey("desk.Conversation", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(_("answered at"))

    class Meta(TenantModel.Meta):
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation"], name="survey_answer_one_per_conversation"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_answer_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}: {self.score}"


# Auto-QA keeps its rows in a module of its own (models_autoqa.py); Django finds models here.
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult, AutoQaRules  # noqa: E402
from kefu.quality.models_review import (  # noqa: E402, F401  (Django finds models through this module)
    Appeal,
    AppealStatus,
    BreakInPeriod,
    QaPolicy,
    Review,
    ReviewStatus,
    SampleReason,
    Scorecard,
)

__all__ = ["AutoQaFinding", "AutoQaResult", "AutoQaRules", "SurveyAnswer"]
