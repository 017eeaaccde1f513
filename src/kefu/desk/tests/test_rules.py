"""After-sales rules: the pure evaluator, and the service that gathers facts and applies them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.core.errors import Invalid, PermissionDenied
from kefu.desk import after_sales_rules as asr
from kefu.desk import services
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants

BIG_REFUND = asr.Rule(
    id=1,
    name="大额退款",
    conditions={"categories": ["退换货"], "min_order_value": "500"},
    action=asr.ESCALATE_TO_L2,
)
REPEAT = asr.Rule(
    id=2, name="多次投诉", conditions={"min_previous_complaints": 2}, action=asr.ESCALATE_TO_L2, tier="l3"
)
LAWYER = asr.Rule(id=3, name="律师", conditions={"keywords": ["律师", "12315"]}, action=asr.ESCALATE_TO_L2)
CHAT_OK = asr.Rule(id=4, name="聊天", conditions={"channels": ["chat"]}, action=asr.PROVIDER_HANDLES)


# --- pure ------------------------------------------------------------------------------------
def test_first_matching_rule_wins_and_no_match_means_provider() -> None:
    rules = [BIG_REFUND, REPEAT, LAWYER]
    facts = asr.Facts(category="退换货/退货", order_value=Decimal("500"), channel="chat")
    decision = asr.evaluate(rules, facts)
    assert (decision.action, decision.rule, decision.reasons) == (
        asr.ESCALATE_TO_L2, BIG_REFUND, ("categories", "min_order_value"),
    )  # fmt: skip
    assert asr.evaluate(rules, asr.Facts(category="退换货", order_value=Decimal("499.99"))).rule is None
    assert asr.evaluate(rules, asr.Facts(category="退换货", order_value=None)).action == asr.PROVIDER_HANDLES
    assert asr.evaluate(rules, asr.Facts(category="退换货货")).rule is None  # not below 退换货
    assert asr.evaluate(rules, asr.Facts(previous_complaints=2)).rule == REPEAT
    assert asr.evaluate(rules, asr.Facts(text="我要打12315投诉")).rule == LAWYER
    assert (
        asr.evaluate([CHAT_OK, LAWYER], asr.Facts(text="律师", channel="chat")).action == asr.PROVIDER_HANDLES
    )
    disabled = asr.Rule(id=5, name="off", conditions={}, action=asr.ESCALATE_TO_L2, enabled=False)
    assert asr.evaluate([disabled], asr.Facts()).rule is None


def test_conditions_are_validated() -> None:
    assert asr.validate_conditions({"min_order_value": 500, "keywords": "退款"}) == {
        "keywords": ["退款"], "min_order_value": "500",
    }  # fmt: skip
    for bad in (
        {"colour": "red"},
        {"min_order_value": "lots"},
        {"min_previous_cases": -1},
        {"min_previous_cases": True},
    ):
        with pytest.raises(ValueError):
            asr.validate_conditions(bad)


# --- service ---------------------------------------------------------------------------------
def test_evaluate_uses_history_and_applies(tenants: Tenants, conversation: Conversation) -> None:
    admin = tenants.scope("ca1", "client_admin")
    agent = tenants.scope("pa", "agent")
    services.after_sales_rule_create(
        admin, name="普通咨询", conditions={"keywords": ["发票"]}, action="provider_handles"
    )
    rule = services.after_sales_rule_create(
        admin,
        name="大额",
        conditions={"min_order_value": 500},
        action="escalate_to_l2",
        provider_access="edit",
    )
    services.after_sales_rule_create(
        admin, name="回头投诉", conditions={"min_previous_complaints": 1}, action="escalate_to_l2"
    )

    decision = services.after_sales_evaluate(agent, conversation_id=conversation.pk)
    assert (decision.action, decision.rule_id, decision.applied) == ("provider_handles", None, False)

    services.case_create(agent, conversation_id=conversation.pk, type="complaint")
    other = services.conversation_create(
        agent,
        channel="chat",
        client_id=tenants.ca1.pk,
        customer_id=conversation.customer_id,
        message="又坏了",
    )
    decision = services.after_sales_evaluate(agent, conversation_id=other.pk)
    assert decision.rule_name == "回头投诉" and decision.reasons == ("min_previous_complaints",)

    decision = services.after_sales_evaluate(
        agent, conversation_id=other.pk, order_value=Decimal("888"), apply=True
    )
    assert (decision.rule_id, decision.tier, decision.provider_access, decision.applied) == (
        rule.pk,
        "l2",
        "edit",
        True,
    )
    other.refresh_from_db()
    assert (other.status, other.tier, other.provider_access) == ("pending_client", "l2", "edit")
    assert other.order_value == Decimal("888")


def test_rules_belong_to_the_client(tenants: Tenants) -> None:
    with pytest.raises(PermissionDenied):
        services.after_sales_rule_create(
            tenants.scope("pa", "provider_admin"),
            client_id=tenants.ca1.pk,
            name="x",
            conditions={},
            action="escalate_to_l2",
        )
    admin = tenants.scope("ca1", "client_admin")
    with pytest.raises(Invalid) as info:
        services.after_sales_rule_create(
            admin, name="x", conditions={"colour": "red"}, action="escalate_to_l2"
        )
    assert info.value.field == "conditions"
    with pytest.raises(Invalid) as info:
        services.after_sales_rule_create(admin, name="x", conditions={}, action="shrug")
    assert info.value.field == "action"
    api = tenants.client_for("ca1", "client_admin")
    created = api.post(
        "/api/after-sales-rules",
        {"name": "律师", "conditions": {"keywords": ["律师"]}, "action": "escalate_to_l2"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["position"] == 0
    rule_id = created.json()["id"]
    assert tenants.client_for("pa", "agent").get(f"/api/after-sales-rules/{rule_id}").status_code == 200
    assert (
        tenants.client_for("cb", "client_admin").get(f"/api/after-sales-rules/{rule_id}").status_code == 404
    )
    bad = api.put(
        f"/api/after-sales-rules/{rule_id}",
        {"name": "", "action": "escalate_to_l2"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "name"
    assert api.delete(f"/api/after-sales-rules/{rule_id}").status_code == 204
