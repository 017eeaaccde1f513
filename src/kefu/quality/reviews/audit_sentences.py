"""The sentences of quality review's audit codes (`tenancy.audit_sentences` renders them);
registered from `QualityConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def _score(value: Any) -> str:
    return "—" if value is None else f"{float(value):g}"


def _outcome(value: Any) -> str:
    from kefu.quality.models import AppealStatus

    return audit_sentences.choice_label(AppealStatus)(value)


def _fatal(value: Any) -> str:
    return gettext("yes") if value else gettext("no")


def register() -> None:
    # these keys hold [before, after] in this app's records: they read "85.71 → 100"
    audit_sentences.CHANGE_KEYS.update({"score", "version", "inspector"})
    audit_sentences.register("quality.scorecard_create", _("%(actor)s created the scorecard %(target)s"))
    audit_sentences.register(
        "quality.scorecard_update", _("%(actor)s saved version %(version)s of the scorecard %(target)s")
    )
    audit_sentences.register("quality.policy_set", _("%(actor)s changed the sampling and appeal rules"))
    audit_sentences.register("quality.review_create", _("%(actor)s chose %(target)s for review"))
    audit_sentences.register(
        "quality.review_assign", _("%(actor)s handed the review %(target)s to another inspector")
    )
    audit_sentences.register(
        "quality.review_submit",
        _("%(actor)s submitted the review %(target)s: score %(score)s"),
        values={"score": _score, "fatal": _fatal},
    )
    audit_sentences.register("quality.appeal_create", _("%(actor)s appealed the review %(target)s"))
    audit_sentences.register(
        "quality.appeal_decide",
        _("%(actor)s decided the appeal on %(target)s: %(outcome)s, score %(score)s"),
        values={"outcome": _outcome, "score": _score},
    )
    audit_sentences.register(
        "quality.break_in_create",
        _("%(actor)s set a break-in period with more reviews, %(starts_on)s to %(ends_on)s"),
    )
    audit_sentences.register("quality.break_in_delete", _("%(actor)s removed a break-in period"))
    audit_sentences.register_key("starts_on", _("Starts on"))
    audit_sentences.register_key("ends_on", _("Ends on"))
    audit_sentences.register_key("score", _("Score"))
    audit_sentences.register_key("outcome", _("Outcome"))
    audit_sentences.register_key("fatal", _("Fatal item failed"))
    audit_sentences.register_key("failed", _("Failed criteria"))
    audit_sentences.register_key("changed", _("Changed criteria"))
    audit_sentences.register_key("note", _("Decision"))
    audit_sentences.register_key("percent_by_channel", _("Share reviewed per channel"))
    audit_sentences.register_key("appeal_window_days", _("Days to appeal"))
    audit_sentences.register_key("inspector", _("Inspector"))
    audit_sentences.register_key("version", _("Version"))
