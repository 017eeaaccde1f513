"""The sentences of the reports' audit codes (`tenancy.audit_sentences` renders them); registered
from `ReportsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.reports.models import ReportKind
from kefu.tenancy import audit_sentences


def register() -> None:
    audit_sentences.register(
        "reports.generate",
        _("%(actor)s made the %(kind)s of %(period)s"),
        values={"kind": audit_sentences.choice_label(ReportKind)},
    )
    audit_sentences.register(
        "reports.send",
        _("%(actor)s sent %(target)s to %(to)s"),
        values={"to": lambda to: ", ".join(to) if isinstance(to, list) else str(to)},
    )
    audit_sentences.register("reports.recipient_add", _("%(actor)s added the report recipient %(email)s"))
    audit_sentences.register(
        "reports.recipient_remove", _("%(actor)s removed the report recipient %(email)s")
    )
    audit_sentences.register_key("period", _("Period"))
    audit_sentences.register_key("email", _("E-mail"))
