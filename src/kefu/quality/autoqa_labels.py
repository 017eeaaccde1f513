"""What each auto-QA check and severity is called, in the reader's language (the core has ids only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

CHECK_LABELS: dict[str, Any] = {
    "greeting_missing": _("No greeting"),
    "greeting_no_shop_name": _("Greeting without the shop's name"),
    "greeting_no_agent_name": _("Greeting without the agent's name"),
    "closing_missing": _("No closing phrase"),
    "slow_first_response": _("Slow first response"),
    "slow_response": _("Slow response"),
    "forbidden_word": _("Forbidden word"),
    "forbidden_promise": _("Forbidden promise"),
    "pii_exposed": _("Customer data written out in full"),
    "negative_sentiment": _("Customer left unhappy"),
    "empathy_missing": _("No empathy after a complaint"),
    "politeness_missing": _("No polite wording"),
    "question_unanswered": _("Question left unanswered"),
}

EXPLANATIONS: dict[str, Any] = {
    "greeting_missing": _("The agent's first message does not greet the customer."),
    "greeting_no_shop_name": _("The greeting does not name the shop (%(shop)s)."),
    "greeting_no_agent_name": _("The greeting does not give the agent's name (%(agent)s)."),
    "closing_missing": _("The agent's last message has no closing phrase."),
    "slow_first_response": _(
        "The customer waited %(waited_s)s s for the first answer; the target is %(target_s)s s."
    ),
    "slow_response": _("The customer waited %(waited_s)s s for an answer; the target is %(target_s)s s."),
    "forbidden_word": _("The agent wrote a forbidden word."),
    "forbidden_promise": _("The agent made a promise the rules forbid."),
    "pii_exposed": _("The agent wrote out %(kind)s in full; it should stay masked."),
    "negative_sentiment": _("The customer's last message reads negative."),
    "empathy_missing": _("The customer complained and the agent's next reply shows no empathy."),
    "politeness_missing": _("None of the agent's messages uses polite wording."),
    "question_unanswered": _("Nobody answered this question of the customer's."),
}

SEVERITY_LABELS: dict[str, Any] = {
    "critical": _("Critical"),
    "major": _("Major"),
    "minor": _("Minor"),
}

PII_KINDS: dict[str, Any] = {
    "phone": _("a phone number"),
    "id_card": _("an ID card number"),
    "card": _("a card or account number"),
    "address": _("an address"),
}

SENTIMENT_LABELS: dict[str, Any] = {
    "negative": _("negative"),
    "neutral": _("neutral"),
    "positive": _("positive"),
}


def check_label(check_id: str) -> str:
    return str(CHECK_LABELS.get(check_id, check_id))


def explanation(check_id: str, params: Mapping[str, Any]) -> str:
    template = EXPLANATIONS.get(check_id)
    if template is None:
        return check_label(check_id)
    values = dict(params)
    if "kind" in values:
        values["kind"] = str(PII_KINDS.get(str(values["kind"]), values["kind"]))
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return check_label(check_id)


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(severity, severity))
