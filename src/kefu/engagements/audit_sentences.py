"""The sentences of the engagements' audit codes (`tenancy.audit_sentences` renders them); registered
from `EngagementsConfig.ready()`. Each sub-package adds its codes here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.analytics.metrics.dictionary import METRICS
from kefu.tenancy import audit_sentences


def _side(value: object) -> str:
    return str({"provider": _("provider"), "client": _("client")}.get(str(value), value))


def _metric_name(value: object) -> str:
    metric = METRICS.get(str(value))
    return str(metric.name) if metric is not None else str(value)


def register() -> None:
    register_contracts()
    register_billing()


def _outcome(value: object) -> str:
    return str({"confirm": _("confirmed"), "correct": _("corrected")}.get(str(value), value))


def register_billing() -> None:
    audit_sentences.register("engagements.invoice_create", _("%(actor)s drafted the invoice %(target)s"))
    audit_sentences.register(
        "engagements.invoice_recompute", _("%(actor)s measured the invoice %(target)s again")
    )
    audit_sentences.register("engagements.invoice_issue", _("%(actor)s issued the invoice %(target)s"))
    audit_sentences.register("engagements.invoice_dispute", _("%(actor)s disputed the invoice %(target)s"))
    audit_sentences.register(
        "engagements.invoice_resolve",
        _("%(actor)s answered the dispute of %(target)s: %(invoice_outcome)s"),
        values={"invoice_outcome": _outcome},
    )
    audit_sentences.register("engagements.invoice_pay", _("%(actor)s recorded the payment of %(target)s"))
    audit_sentences.register_key("invoice_number", _("Invoice"))
    audit_sentences.register_key("invoice_outcome", _("Outcome"), _outcome)
    audit_sentences.register_key("total", _("Total (yuan)"))
    audit_sentences.register(
        "engagements.sales_statement_import", _("%(actor)s uploaded the sales statement %(target)s")
    )
    audit_sentences.register(
        "engagements.sales_statement_supersede",
        _("The sales statement %(target)s was replaced by a newer upload"),
    )
    audit_sentences.register(
        "engagements.sales_statement_confirm", _("%(actor)s confirmed the sales statement %(target)s")
    )
    audit_sentences.register(
        "engagements.sales_statement_dispute", _("%(actor)s disputed the sales statement %(target)s")
    )
    audit_sentences.register_key("month", _("Month"))
    audit_sentences.register_key("rows", _("Orders"))
    audit_sentences.register_key("net", _("Net sales (yuan)"))
    audit_sentences.register_key("contract_id", _("Contract"))
    audit_sentences.register_key("superseded_by", _("Replaced by a newer upload"), lambda v: f"#{v}")


def register_contracts() -> None:
    audit_sentences.register("engagements.contract_create", _("%(actor)s drafted the contract %(target)s"))
    audit_sentences.register(
        "engagements.contract_update", _("%(actor)s changed the draft contract %(target)s")
    )
    audit_sentences.register(
        "engagements.contract_term_add", _("%(actor)s added the SLA term %(sla_metric)s to %(target)s")
    )
    audit_sentences.register(
        "engagements.contract_term_update", _("%(actor)s changed the SLA term %(sla_metric)s of %(target)s")
    )
    audit_sentences.register(
        "engagements.contract_term_remove", _("%(actor)s removed the SLA term %(sla_metric)s from %(target)s")
    )
    audit_sentences.register(
        "engagements.contract_approve",
        _("%(actor)s approved %(target)s for the %(side)s"),
        values={"side": _side},
    )
    audit_sentences.register("engagements.contract_sign", _("%(target)s was signed by both sides"))
    audit_sentences.register("engagements.contract_amend", _("%(actor)s started amendment %(target)s"))
    audit_sentences.register_key("sla_metric", _("Metric"), _metric_name)
    audit_sentences.register_key("side", _("Side"), _side)
    audit_sentences.register_key("sha256", _("Fingerprint (SHA-256)"))
    audit_sentences.register_key("version", _("Version"))
    audit_sentences.register_key("fields", _("Fields"))
    audit_sentences.register_key("target_value", _("Target"))
