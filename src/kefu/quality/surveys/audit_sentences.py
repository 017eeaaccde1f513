"""The sentences of the survey audit codes (`tenancy.audit_sentences` renders them); registered
from `QualityConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def _medium(value: Any) -> str:
    from kefu.quality.models import SurveyMedium

    return audit_sentences.choice_label(SurveyMedium)(value)


def register() -> None:
    audit_sentences.register("quality.survey_create", _("%(actor)s created the survey %(target)s"))
    audit_sentences.register(
        "quality.survey_update", _("%(actor)s saved version %(version)s of the survey %(target)s")
    )
    audit_sentences.register(
        "quality.survey_send",
        _("%(actor)s sent a survey link for %(target)s by %(medium)s"),
        values={"medium": _medium},
    )
    audit_sentences.register_key("medium", _("Sent by"))
