"""Quality management data: the customer's survey answer (CSAT, NPS, further questions); reviews,
auto-QA and survey definitions live in their own modules, imported at the end."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class SurveyAnswer(TenantModel):
    """The customer's answer for one conversation; one per conversation (the first counts).

    `score` is the 1–5 satisfaction (CSAT, always asked); `nps` the 0–10 recommendation when the
    survey asked it; `answers` the further questions by id of the `definition` version asked.
    """

    conversation = models.ForeignKey("desk.Conversation", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(_("answered at"))
    nps = models.PositiveSmallIntegerField(
        _("recommendation (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    answers = models.JSONField(_("further answers"), default=dict, blank=True)
    definition = models.ForeignKey(
        "quality.SurveyDefinition", on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    medium = models.CharField(_("answered through"), max_length=10, default="chat")

    class Meta(TenantModel.Meta):
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation"], name="survey_answer_one_per_conversation"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_answer_score_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="survey_answer_nps_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}: {self.score}"


# Auto-QA keeps its rows in a module of its own (models_autoqa.py); Django finds models here.
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult, AutoQaRules  # noqa: E402
from kefu.quality.models_calibration import (  # noqa: E402, F401  (calibration and coaching)
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    CoachingSource,
    CoachingStatus,
    CoachingTask,
)
from kefu.quality.models_complaint import (  # noqa: E402, F401  (the complaints register)
    CallbackOutcome,
    Complaint,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
)
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
from kefu.quality.models_survey import (  # noqa: E402, F401  (Django finds models through this module)
    InvitationStatus,
    SurveyDefinition,
    SurveyInvitation,
    SurveyMedium,
)

__all__ = ["AutoQaFinding", "AutoQaResult", "AutoQaRules", "SurveyAnswer"]
