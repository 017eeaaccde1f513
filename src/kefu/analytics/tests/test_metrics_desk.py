"""A conversation replayed through the desk's real services: the figures read what the desk wrote.

A note, an automatic greeting, a transfer, a resolution, the customer reopening it, a second
resolution and a survey answer, all on 2026-03-02 in Shanghai.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.analytics.metrics import queries
from kefu.core import clock
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import services as desk_services
from kefu.quality import services as quality_services
from kefu.quality.permissions import QualityPerm
from kefu.testing.plugin import Tenants


def at(hms: str) -> datetime:
    return datetime.fromisoformat(f"2026-03-02T{hms}").replace(tzinfo=UTC)


@pytest.fixture
def replayed(tenants: Tenants) -> dict[str, int]:
    channel_permissions = all_permissions() | {QualityPerm.RECORD_SURVEY}  # the widget records answers
    system = Scope.system(
        provider_id=tenants.pa.pk, client_ids=frozenset({tenants.ca1.pk}), permissions=channel_permissions
    )
    agent, lead = tenants.scope("pa", "agent"), tenants.scope("pa", "supervisor")
    with clock.at(at("01:00:00")):
        conversation = desk_services.conversation_create(
            system, channel="chat", client_id=tenants.ca1.pk, provider_id=tenants.pa.pk, message="在吗？"
        )
    cid = conversation.pk
    steps = [
        (
            "01:00:10",
            lambda: desk_services.message_post(agent, conversation_id=cid, body="查单中", direction="note"),
        ),
        (
            "01:00:15",
            lambda: desk_services.message_post(system, conversation_id=cid, body="您好，客服马上来"),
        ),
        (
            "01:00:20",
            lambda: desk_services.conversation_assign(agent, conversation_id=cid, agent_id=agent.user_id),
        ),
        ("01:00:50", lambda: desk_services.message_post(agent, conversation_id=cid, body="您好，请讲")),
        (
            "01:01:00",
            lambda: desk_services.conversation_assign(lead, conversation_id=cid, agent_id=lead.user_id),
        ),
        (
            "01:02:00",
            lambda: desk_services.conversation_set_status(
                lead, conversation_id=cid, status="resolved", category="物流/查件"
            ),
        ),
        (
            "01:05:00",
            lambda: desk_services.message_post(system, conversation_id=cid, body="还没到", direction="in"),
        ),
        ("01:06:00", lambda: desk_services.message_post(lead, conversation_id=cid, body="已催")),
        (
            "01:07:00",
            lambda: desk_services.conversation_set_status(
                lead, conversation_id=cid, status="resolved", category="物流/查件"
            ),
        ),
        ("01:08:00", lambda: quality_services.survey_answer_record(system, conversation_id=cid, score=4)),
    ]
    for moment, step in steps:
        with clock.at(at(moment)):
            step()
    return {"conversation": cid, "agent": agent.user_id, "lead": lead.user_id}


def value(
    tenants: Tenants, metric: str, **kw: object
) -> tuple[float | None, int, list[tuple[int | None, float]]]:
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope, metric_id=metric, client_id=tenants.ca1.pk, date_from="2026-03-02", date_to="2026-03-02", **kw
    )
    figure = queries.metric_value(scope, query)
    items = [(item.conversation_id, item.numerator) for item in queries.metric_items(scope, query)]
    return figure.result.value, figure.result.count, items


def test_the_desks_events_give_the_hand_computed_figures(tenants: Tenants, replayed: dict[str, int]) -> None:
    cid = replayed["conversation"]

    assert value(tenants, "offered") == (1, 1, [(cid, 1)])
    assert value(tenants, "handled") == (1, 1, [(cid, 1)])
    # the automatic greeting at 15 s and the note do not count: the agent's reply at 50 s does
    assert value(tenants, "first_response_time") == (50.0, 1, [(cid, 50.0)])
    assert value(tenants, "first_response_time", agent_id=replayed["agent"])[0] == 50.0
    assert value(tenants, "first_response_time", agent_id=replayed["lead"])[0] is None
    # the customer wrote again at 01:05 after the agent's reply; the lead answered at 01:06
    assert value(tenants, "next_response_time") == (60.0, 1, [(cid, 60.0)])
    # first assignment 01:00:20 → first resolution 01:02:00, by the lead (after the transfer)
    assert value(tenants, "aht") == (100.0, 1, [(cid, 100.0)])
    assert value(tenants, "aht", agent_id=replayed["lead"])[0] == 100.0
    assert value(tenants, "reopen_rate") == (100.0, 1, [(cid, 1)])
    assert value(tenants, "fcr") == (0.0, 1, [(cid, 0)])
    assert value(tenants, "resolution_rate")[0] == 100.0
    assert value(tenants, "csat") == (100.0, 1, [(cid, 1)])
    assert value(tenants, "contacts_per_agent_day")[:2] == (1.0, 2)  # the agent and the lead, one each


def test_an_escalation_to_l2_counts_and_another_providers_work_does_not(multi_vendor: Tenants) -> None:
    tenants = multi_vendor
    for provider in (tenants.pa, tenants.pc):
        scope = Scope.system(
            provider_id=provider.pk, client_ids=frozenset({tenants.ca1.pk}), permissions=all_permissions()
        )
        with clock.at(at("02:00:00")):
            conversation = desk_services.conversation_create(
                scope, channel="chat", client_id=tenants.ca1.pk, provider_id=provider.pk, message="退货"
            )
            if provider == tenants.pa:
                desk_services.conversation_escalate(scope, conversation_id=conversation.pk, reason="退货审核")

    assert value(tenants, "escalation_rate")[:2] == (100.0, 1)  # pa sees its own conversation only
    client = tenants.scope("ca1", "client_manager")
    query = queries.metric_query(
        client, metric_id="escalation_rate", client_id=None, date_from="2026-03-02", date_to="2026-03-02"
    )
    assert queries.metric_value(client, query).result.value == 50.0  # the client sees both providers'
