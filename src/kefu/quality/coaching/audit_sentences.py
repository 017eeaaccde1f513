"""The sentences of coaching's audit codes; registered from `QualityConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def _source(value: Any) -> str:
    from kefu.quality.models import CoachingSource

    return audit_sentences.choice_label(CoachingSource)(value)


def _criteria(value: Any) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list) and value else "—"


def _score(value: Any) -> str:
    return "—" if value is None else f"{float(value):g}"


def _when(value: Any) -> str:
    return "—" if not value else str(value)[:16].replace("T", " ")


def register() -> None:
    audit_sentences.register(
        "quality.coaching_create",
        _("%(actor)s started coaching %(target)s (from %(source)s)"),
        values={"source": _source, "criteria": _criteria},
    )
    audit_sentences.register(
        "quality.coaching_schedule", _("%(actor)s scheduled the coaching %(target)s"), values={"at": _when}
    )
    audit_sentences.register("quality.coaching_done", _("%(actor)s finished the coaching %(target)s"))
    audit_sentences.register(
        "quality.coaching_follow_up",
        _("%(actor)s scored the follow-up of the coaching %(target)s"),
        values={"score": _score},
    )
    audit_sentences.register(
        "quality.coaching_acknowledge", _("%(actor)s acknowledged the coaching %(target)s")
    )
    audit_sentences.CHANGE_KEYS.add("at")
    audit_sentences.register_key("source", _("Source"))
    audit_sentences.register_key("criteria", _("Focus criteria"))
    audit_sentences.register_key("at", _("Session time"))
