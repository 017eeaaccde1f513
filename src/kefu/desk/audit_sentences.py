"""The sentences of the desk's audit codes (`tenancy.audit_sentences` renders them); registered
from `DeskConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.desk import labels
from kefu.desk.models import ProviderAccess, Status, Tier
from kefu.tenancy import audit_sentences


def register() -> None:
    tier, status, access = (
        audit_sentences.choice_label(Tier),
        audit_sentences.choice_label(Status),
        audit_sentences.choice_label(ProviderAccess),
    )
    sentences = {
        "desk.conversation_escalate": (
            _("%(actor)s escalated %(target)s to %(tier)s: reason %(reason)s"),
            {"tier": tier, "from": status, "provider_access": access},
        ),
        "desk.conversation_deescalate": (
            _("%(actor)s handed %(target)s back to the provider: reason %(reason)s"),
            {"tier": tier, "from": status, "to": status},
        ),
        "desk.conversation_tags": (
            _("%(actor)s changed the tags of %(target)s: added %(added)s, removed %(removed)s"),
            {"added": labels.tag_label, "removed": labels.tag_label},
        ),
        "desk.conversation_resolution_code": (
            _("%(actor)s set the resolution code of %(target)s to %(to)s"),
            {"from": labels.resolution_label, "to": labels.resolution_label},
        ),
        "desk.conversation_order": (
            _("%(actor)s linked the order %(order_number)s to %(target)s"),
            {},
        ),
        "desk.category_create": (_("%(actor)s added the category %(target)s"), {}),
        "desk.category_update": (_("%(actor)s changed the category %(path)s"), {}),
        "desk.category_delete": (_("%(actor)s deleted the category %(path)s"), {}),
        "desk.custom_status_create": (_("%(actor)s added the status %(target)s"), {}),
        "desk.custom_status_update": (_("%(actor)s changed the status %(target)s"), {"maps_to": status}),
        "desk.custom_status_delete": (_("%(actor)s deleted the status %(target)s"), {}),
        "desk.service_calendar_set": (_("%(actor)s changed the service calendar"), {}),
        "desk.sla_policy_create": (_("%(actor)s added an SLA policy"), {}),
        "desk.sla_policy_update": (_("%(actor)s changed an SLA policy"), {}),
        "desk.sla_policy_delete": (_("%(actor)s deleted an SLA policy"), {}),
        "desk.settings_set": (
            _("%(actor)s set the provider's access to escalated conversations: %(provider_access)s"),
            {"provider_access": access},
        ),
        "desk.case_owner": (_("%(actor)s changed the owner of %(target)s: %(from)s → %(to)s"), {}),
        "desk.case_due": (
            _("%(actor)s changed the due date of %(target)s: %(from)s → %(to)s"),
            {"from": labels.local_datetime, "to": labels.local_datetime},
        ),
        "desk.after_sales_rule_create": (_("%(actor)s added the after-sales rule %(target)s"), {}),
        "desk.after_sales_rule_update": (_("%(actor)s changed the after-sales rule %(target)s"), {}),
        "desk.after_sales_rule_delete": (_("%(actor)s deleted the after-sales rule %(target)s"), {}),
    }
    for action, (sentence, values) in sentences.items():
        audit_sentences.register(action, sentence, values=values)
    for key, label in (
        ("tier", _("Tier")),
        ("provider_access", _("Provider access")),
        ("rule_id", _("Rule (id)")),
        ("maps_to", _("Counts as")),
        ("pauses_sla", _("Pauses the SLA")),
    ):
        audit_sentences.register_key(key, label)
