"""The sentences of calibration's audit codes; registered from `QualityConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def _number(value: Any) -> str:
    return "—" if value is None else f"{float(value):g}"


def register() -> None:
    audit_sentences.register(
        "quality.calibration_create", _("%(actor)s opened the calibration session %(target)s")
    )
    audit_sentences.register(
        "quality.calibration_close",
        _("%(actor)s closed the calibration session %(target)s: agreement %(agreement)s %%"),
        values={"agreement": _number, "alpha": _number},
    )
    audit_sentences.register_key("conversations", _("Conversations"))
    audit_sentences.register_key("reviewers", _("Reviewers"))
    audit_sentences.register_key("sheets", _("Scores submitted"))
    audit_sentences.register_key("agreement", _("Agreement (%)"))
    audit_sentences.register_key("alpha", _("Krippendorff's alpha (mean)"))
