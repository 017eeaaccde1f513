"""The sentences of the engagements' audit codes (`tenancy.audit_sentences` renders them);
the onboarding codes, registered from `EngagementsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.engagements.onboarding.models import DiligenceStatus, ItemStatus, RiskCategory
from kefu.tenancy import audit_sentences


def register() -> None:
    item_status = audit_sentences.choice_label(ItemStatus)
    audit_sentences.CHANGE_KEYS.update({"item_status", "risk_score"})
    sentences = {
        "engagements.checklist_seed": (_("%(actor)s created the onboarding checklist of %(target)s"), {}),
        "engagements.item_update": (
            _("%(actor)s updated the onboarding item %(target)s: %(item_status)s"),
            {"item_status": item_status},
        ),
        "engagements.phrases_import": (
            _("%(actor)s imported quick phrases for %(target)s: %(created)s new, %(updated)s updated"),
            {},
        ),
        "engagements.phase_create": (
            _("%(actor)s planned a handover phase: %(share)s %% from %(starts_on)s"),
            {},
        ),
        "engagements.phase_delete": (_("%(actor)s deleted a planned handover phase of %(share)s %%"), {}),
        "engagements.phase_start": (
            _("%(actor)s started the handover phase of %(share)s %%: %(queues)s"),
            {},
        ),
        "engagements.risk_create": (
            _("%(actor)s added the risk %(target)s (likelihood × impact %(risk_score)s)"),
            {"risk_category": audit_sentences.choice_label(RiskCategory)},
        ),
        "engagements.risk_update": (_("%(actor)s updated the risk %(target)s: %(risk_score)s"), {}),
        "engagements.risk_review_due": (_("The risk %(target)s is due for review (%(review)s)"), {}),
        "engagements.diligence_update": (
            _("%(actor)s recorded a due-diligence finding on %(target)s: %(finding)s"),
            {"finding": audit_sentences.choice_label(DiligenceStatus)},
        ),
    }
    for action, (sentence, values) in sentences.items():
        audit_sentences.register(action, sentence, values=values)
    for key, label in (
        ("item_status", _("Checklist status")),
        ("share", _("Share of the traffic (%)")),
        ("starts_on", _("Starts on")),
        ("ends_on", _("Ends on")),
        ("queues", _("Queues")),
        ("created", _("New")),
        ("updated", _("Updated")),
        ("skipped", _("Rows skipped")),
        ("risk_category", _("Risk category")),
        ("risk_score", _("Likelihood × impact")),
        ("review", _("Review date")),
        ("finding", _("Finding")),
    ):
        audit_sentences.register_key(key, label)
