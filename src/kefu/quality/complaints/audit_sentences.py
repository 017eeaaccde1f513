"""The sentences of the complaints register's audit codes; registered from `QualityConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def _choice(name: str) -> Any:
    from kefu.quality import models

    return audit_sentences.choice_label(getattr(models, name))


def register() -> None:
    audit_sentences.CHANGE_KEYS.update({"severity", "category", "owner", "due", "status"})
    audit_sentences.register(
        "quality.complaint_create",
        _("%(actor)s registered the complaint %(target)s (%(severity)s)"),
        values={"severity": _choice("ComplaintSeverity"), "source": _choice("ComplaintSource")},
    )
    audit_sentences.register("quality.complaint_update", _("%(actor)s triaged the complaint %(target)s"))
    audit_sentences.register(
        "quality.complaint_status",
        _("%(actor)s moved the complaint %(target)s: %(status)s"),
        values={"status": _choice("ComplaintStatus")},
    )
    audit_sentences.register(
        "quality.complaint_callback",
        _("%(actor)s recorded the callback on the complaint %(target)s"),
        values={"outcome": _choice("CallbackOutcome")},
    )
    audit_sentences.register(
        "quality.complaint_link", _("%(actor)s linked contacts to the complaint %(target)s")
    )
    audit_sentences.register(
        "quality.complaint_category_create", _("%(actor)s added the complaint category %(target)s")
    )
    audit_sentences.register_key("severity", _("Severity"))
    audit_sentences.register_key("source", _("Source"))
    audit_sentences.register_key("category", _("Category"))
    audit_sentences.register_key("owner", _("Owner"))
    audit_sentences.register_key("due", _("Due"))
    audit_sentences.register_key("status", _("Status"))
    audit_sentences.register_key("resolution", _("Resolution"))
    audit_sentences.register_key("planned", _("Callback planned"))
    audit_sentences.register_key("conversations", _("Conversations"))
    audit_sentences.register_key("case", _("Case"))
