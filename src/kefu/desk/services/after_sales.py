"""A client's after-sales rules and their evaluation on a conversation (which may escalate it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.desk import after_sales_rules, selectors
from kefu.desk.models import AfterSalesRule, Channel, ProviderAccess, RuleAction, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _choice, _require_write, _settings_client, _text
from kefu.desk.services.escalation import conversation_escalate
from kefu.tenancy import services as tenancy_services


def _rule_values(
    *, name: str, conditions: dict[str, Any], action: str, tier: str, provider_access: str
) -> dict[str, Any]:
    name = _text(name, "name", 120)
    if not name:
        raise Invalid(_("Name the rule."), field="name")
    try:
        clean = after_sales_rules.validate_conditions(conditions)
    except ValueError as error:
        raise Invalid(_("Invalid conditions: %(error)s") % {"error": error}, field="conditions") from None
    for channel in clean.get("channels", []):
        _choice(channel, Channel, "conditions")
    tier = _choice((tier or "l2").lower(), Tier, "tier")
    if tier == Tier.L1:
        raise Invalid(_("Escalate to L2 or L3."), field="tier")
    if provider_access:
        _choice(provider_access, ProviderAccess, "provider_access")
    return {
        "name": name,
        "conditions": clean,
        "action": _choice(action, RuleAction, "action"),
        "tier": tier,
        "provider_access": provider_access,
    }


@transaction.atomic
def after_sales_rule_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    conditions: dict[str, Any],
    action: str,
    tier: str = "l2",
    provider_access: str = "",
    position: int | None = None,
    enabled: bool = True,
) -> AfterSalesRule:
    """Add a rule (at the end unless `position` is given; the first match wins)."""
    client = _settings_client(scope, client_id)
    values = _rule_values(
        name=name, conditions=conditions, action=action, tier=tier, provider_access=provider_access
    )
    if position is None:
        last = selectors.after_sales_rule_list(scope, client_id=client).last()
        position = (last.position + 1) if last is not None else 0
    rule = AfterSalesRule.objects.create(
        provider_id=None, client_id=client, position=max(0, position), enabled=enabled, **values
    )
    tenancy_services.audit_record(scope, action="desk.after_sales_rule_create", target=rule, client_id=client)
    return rule


@transaction.atomic
def after_sales_rule_update(
    scope: Scope,
    *,
    rule_id: int,
    name: str,
    conditions: dict[str, Any],
    action: str,
    tier: str = "l2",
    provider_access: str = "",
    position: int = 0,
    enabled: bool = True,
) -> AfterSalesRule:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    rule = selectors.after_sales_rule_get(scope, rule_id=rule_id, for_update=True)
    _settings_client(scope, rule.client_id)
    for key, value in _rule_values(
        name=name, conditions=conditions, action=action, tier=tier, provider_access=provider_access
    ).items():
        setattr(rule, key, value)
    rule.position, rule.enabled = max(0, position), enabled
    rule.save()
    tenancy_services.audit_record(
        scope, action="desk.after_sales_rule_update", target=rule, client_id=rule.client_id
    )
    return rule


@transaction.atomic
def after_sales_rule_delete(scope: Scope, *, rule_id: int) -> None:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    rule = selectors.after_sales_rule_get(scope, rule_id=rule_id, for_update=True)
    _settings_client(scope, rule.client_id)
    tenancy_services.audit_record(
        scope, action="desk.after_sales_rule_delete", target=rule, client_id=rule.client_id
    )
    rule.delete()


def _as_rule(row: AfterSalesRule) -> after_sales_rules.Rule:
    return after_sales_rules.Rule(
        id=row.pk,
        name=row.name,
        conditions=row.conditions,
        action=row.action,
        tier=row.tier,
        provider_access=row.provider_access,
        enabled=row.enabled,
    )


@dataclass(frozen=True)
class AfterSalesDecision:
    action: str
    rule_id: int | None
    rule_name: str
    tier: str
    provider_access: str
    reasons: tuple[str, ...]
    applied: bool


@transaction.atomic
def after_sales_evaluate(
    scope: Scope, *, conversation_id: int, apply: bool = False, order_value: Decimal | None = None
) -> AfterSalesDecision:
    """Run the client's after-sales rules on a conversation; with `apply`, escalate when the
    decision says so (reason: the rule's name). `order_value` also stores the order's value."""
    scope.require(DeskPerm.VIEW)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=apply)
    if order_value is not None:
        scope.require(DeskPerm.HANDLE)
        _require_write(scope, conversation)
        if order_value < 0:
            raise Invalid(_("The order value cannot be negative."), field="order_value")
        conversation.order_value = order_value
        conversation.save(update_fields=["order_value", "updated_at"])
    previous_cases, previous_complaints = selectors.customer_case_counts(conversation.customer_id)
    facts = after_sales_rules.Facts(
        category=conversation.category,
        order_value=conversation.order_value,
        text=selectors.customer_text(conversation),
        previous_cases=previous_cases,
        previous_complaints=previous_complaints,
        channel=conversation.channel,
    )
    rules = [_as_rule(r) for r in selectors.after_sales_rule_list(scope, client_id=conversation.client_id)]
    decision = after_sales_rules.evaluate(rules, facts)
    rule = decision.rule
    access = (rule.provider_access if rule else "") or selectors.provider_access_default(
        conversation.client_id
    )  # type: ignore[arg-type]
    applied = False
    if apply and decision.escalate and rule is not None and conversation.tier == Tier.L1:
        scope.require(DeskPerm.HANDLE)
        conversation_escalate(
            scope,
            conversation_id=conversation.pk,
            reason=_("After-sales rule: %(name)s") % {"name": rule.name},
            tier=rule.tier,
            provider_access=access,
            rule_id=rule.id,
        )
        applied = True
    return AfterSalesDecision(
        action=decision.action,
        rule_id=rule.id if rule else None,
        rule_name=rule.name if rule else "",
        tier=rule.tier if rule and decision.escalate else Tier.L1,
        provider_access=access if decision.escalate else "",
        reasons=decision.reasons,
        applied=applied,
    )
