"""Client after-sales rules: who answers an after-sales contact, the provider or the client's
own L2 staff. Pure (no Django): the service gathers the facts, this decides.

Rules are tried in order; the first enabled rule whose conditions all hold decides. No
match means the provider handles it. Conditions (every one given must hold):

| key | holds when |
| --- | --- |
| `categories` | the category equals one of them or lies below it (`退换货` matches `退换货/退货`) |
| `min_order_value` | the order value is known and >= it |
| `keywords` | one of them appears in the customer's messages (case-insensitive) |
| `min_previous_cases` | the customer had at least this many earlier cases |
| `min_previous_complaints` | … at least this many earlier complaints or disputes |
| `channels` | the conversation's channel is one of them |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

PROVIDER_HANDLES = "provider_handles"
ESCALATE_TO_L2 = "escalate_to_l2"
ACTIONS = (PROVIDER_HANDLES, ESCALATE_TO_L2)
CONDITION_KEYS = frozenset(
    {"categories", "min_order_value", "keywords", "min_previous_cases", "min_previous_complaints", "channels"}
)


@dataclass(frozen=True)
class Facts:
    """What is known about the contact when the rules run."""

    category: str = ""
    order_value: Decimal | None = None
    text: str = ""  # the customer's messages, joined
    previous_cases: int = 0
    previous_complaints: int = 0
    channel: str = ""


@dataclass(frozen=True)
class Rule:
    id: int | None
    name: str
    conditions: Mapping[str, Any] = field(default_factory=dict)
    action: str = PROVIDER_HANDLES
    tier: str = "l2"
    provider_access: str = ""  # "" = the client's default
    enabled: bool = True


@dataclass(frozen=True)
class Decision:
    action: str
    rule: Rule | None  # None: no rule matched, the default applies
    reasons: tuple[str, ...] = ()  # the conditions that held, for the audit trail

    @property
    def escalate(self) -> bool:
        return self.action == ESCALATE_TO_L2


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in value or () if str(v).strip()]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None


def validate_conditions(conditions: Mapping[str, Any]) -> dict[str, Any]:
    """Normalised conditions, or ValueError naming the first bad key (services turn it into Invalid)."""
    if not isinstance(conditions, Mapping):
        raise ValueError("conditions must be an object")
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise ValueError(f"unknown condition: {sorted(unknown)[0]}")
    clean: dict[str, Any] = {}
    for key in ("categories", "keywords", "channels"):
        if key in conditions:
            clean[key] = _strings(conditions[key])
    if conditions.get("min_order_value") is not None:
        if _decimal(conditions["min_order_value"]) < 0:
            raise ValueError("min_order_value must be >= 0")
        clean["min_order_value"] = str(_decimal(conditions["min_order_value"]))
    for key in ("min_previous_cases", "min_previous_complaints"):
        if conditions.get(key) is not None:
            value = conditions[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a whole number >= 0")
            clean[key] = value
    return clean


def _holds(key: str, expected: Any, facts: Facts) -> bool:
    if key == "categories":
        return any(facts.category == c or facts.category.startswith(c + "/") for c in expected)
    if key == "min_order_value":
        return facts.order_value is not None and facts.order_value >= _decimal(expected)
    if key == "keywords":
        text = facts.text.casefold()
        return any(k.casefold() in text for k in expected)
    if key == "min_previous_cases":
        return facts.previous_cases >= expected
    if key == "min_previous_complaints":
        return facts.previous_complaints >= expected
    if key == "channels":
        return facts.channel in expected
    return False  # an unknown key never matches: fail towards "no rule", not a wrong escalation


def matches(rule: Rule, facts: Facts) -> tuple[str, ...] | None:
    """The conditions that held, or None when one did not."""
    held = []
    for key, expected in rule.conditions.items():
        if expected in (None, [], ""):
            continue
        if not _holds(key, expected, facts):
            return None
        held.append(key)
    return tuple(held)


def evaluate(rules: Sequence[Rule], facts: Facts) -> Decision:
    """The first enabled matching rule decides; otherwise the provider handles it."""
    for rule in rules:
        if not rule.enabled:
            continue
        held = matches(rule, facts)
        if held is not None:
            return Decision(action=rule.action, rule=rule, reasons=held)
    return Decision(action=PROVIDER_HANDLES, rule=None)
