"""The sentences of quoting's audit codes (`tenancy.audit_sentences` renders them); registered from
`EngagementsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.tenancy import audit_sentences


def register() -> None:
    audit_sentences.register("engagements.cost_model_create", _("%(actor)s added the cost model %(target)s"))
    audit_sentences.register(
        "engagements.cost_model_update", _("%(actor)s changed the cost model %(target)s")
    )
    audit_sentences.register("engagements.intake_create", _("%(actor)s filled in the intake %(target)s"))
    audit_sentences.register("engagements.intake_update", _("%(actor)s changed the intake %(target)s"))
    audit_sentences.register(
        "engagements.quote_create", _("%(actor)s made quote %(target)s with the options %(seats)s seats")
    )
    audit_sentences.register("engagements.quote_send", _("%(actor)s sent quote %(target)s to the client"))
    audit_sentences.register(
        "engagements.quote_accept", _("%(actor)s accepted quote %(target)s with %(seats)s seats")
    )
    audit_sentences.register("engagements.quote_decline", _("%(actor)s declined quote %(target)s"))
    audit_sentences.register(
        "engagements.rfq_create", _("%(actor)s asked %(providers)s to quote on %(target)s")
    )
    audit_sentences.register(
        "engagements.rfq_weigh", _("%(actor)s changed the weights and ratings of %(target)s")
    )
    audit_sentences.register(
        "engagements.rfq_decide", _("%(actor)s chose %(provider)s with %(seats)s seats for %(target)s")
    )
    audit_sentences.register(
        "engagements.directory_list", _("%(actor)s listed the organisation in the provider directory")
    )
    audit_sentences.register(
        "engagements.directory_unlist", _("%(actor)s removed the organisation from the provider directory")
    )
    audit_sentences.register(
        "engagements.directory_update", _("%(actor)s changed the organisation's directory profile")
    )
    audit_sentences.register_key("listed", _("Listed"))
    audit_sentences.register_key("seats", _("Seats"))
    audit_sentences.register_key("providers", _("Providers"))
    audit_sentences.register_key("provider", _("Provider"))
    audit_sentences.register_key("version", _("Version"))
