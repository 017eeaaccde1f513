"""Presence and SLA figures from what routing and the desk really wrote (their services).

Asia/Shanghai (UTC+8): the local day 2026-03-02 (a Monday) runs from 2026-03-01T16:00Z.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kefu.analytics.metrics import queries
from kefu.core import clock
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import services as desk_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _value(tenants: Tenants, metric_id: str, first: str, last: str, **kw: object) -> queries.MetricValue:
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope, metric_id=metric_id, client_id=tenants.ca1.pk, date_from=first, date_to=last, **kw
    )
    return queries.metric_value(scope, query)


@pytest.fixture
def night(tenants: Tenants) -> dict[str, int]:
    """The agent online from 23:30 local on 03-01, busy 00:30-01:00, on a break until 01:30, then
    offline; one chat created 23:50, assigned 23:55, answered 00:10 and resolved 00:45."""
    agent = tenants.scope("pa", "agent")
    system = Scope.system(
        provider_id=tenants.pa.pk, client_ids=frozenset({tenants.ca1.pk}), permissions=all_permissions()
    )

    def presence(state: str) -> Callable[[], object]:
        return lambda: routing_services.presence_set(agent, agent_id=agent.user_id, state=state)

    def assign(cid: int) -> Callable[[], object]:
        return lambda: desk_services.conversation_assign(agent, conversation_id=cid, agent_id=agent.user_id)

    steps = [
        ("2026-03-01T15:30:00", presence("online")),
        ("2026-03-01T15:50:00", lambda: desk_services.conversation_create(
            system, channel="chat", client_id=tenants.ca1.pk, provider_id=tenants.pa.pk, message="在吗？")),
    ]  # fmt: skip
    for moment, step in steps:
        with clock.at(z(moment)):
            created = step()
    cid = created.pk
    steps = [
        ("2026-03-01T15:55:00", assign(cid)),
        ("2026-03-01T16:10:00", lambda: desk_services.message_post(agent, conversation_id=cid, body="您好")),
        ("2026-03-01T16:30:00", presence("busy")),
        ("2026-03-01T16:45:00", lambda: desk_services.conversation_set_status(
            agent, conversation_id=cid, status="resolved", category="物流/查件")),
        ("2026-03-01T17:00:00", presence("break")),
        ("2026-03-01T17:30:00", presence("offline")),
    ]  # fmt: skip
    for moment, step in steps:
        with clock.at(z(moment)):
            step()
    return {"conversation": cid, "agent": agent.user_id}


@pytest.mark.django_db
def test_presence_figures_of_one_local_day(tenants: Tenants, night: dict[str, int]) -> None:
    # 03-02: online 00:00-00:30, busy 00:30-01:00, break 01:00-01:30; held 00:00-00:45
    with clock.at(z("2026-03-03T00:00:00")):
        occupancy = _value(tenants, "occupancy", "2026-03-02", "2026-03-02")
        utilisation = _value(tenants, "utilisation", "2026-03-02", "2026-03-02")
        concurrency = _value(tenants, "concurrency", "2026-03-02", "2026-03-02", interval="day")
        adherence = _value(tenants, "adherence", "2026-03-02", "2026-03-02")

    assert (occupancy.result.value, occupancy.result.count) == (50.0, 1)
    assert utilisation.result.value == pytest.approx(100 / 3)
    assert concurrency.result.value == 0.75  # 2700 held while available / 3600 available
    assert concurrency.result.series == [{"start": "2026-03-02T00:00:00+08:00", "value": 0.75, "count": 1}]
    assert (adherence.result.value, adherence.result.count) == (None, 0)  # nothing was scheduled


@pytest.mark.django_db
def test_presence_figures_across_midnight_sum_the_agent_days(tenants: Tenants, night: dict[str, int]) -> None:
    # 03-01: online 23:30-24:00 (1800 s available), held 23:55-24:00 (300 s)
    with clock.at(z("2026-03-03T00:00:00")):
        concurrency = _value(tenants, "concurrency", "2026-03-01", "2026-03-02")
        occupancy = _value(tenants, "occupancy", "2026-03-01", "2026-03-02")
        scope = tenants.scope("pa", "supervisor")
        items = queries.metric_items(scope, concurrency.query)

    assert concurrency.result.value == pytest.approx(3000 / 5400)
    assert occupancy.result.value == pytest.approx(100 * 1800 / 5400)
    assert [(i.key, i.numerator, i.denominator, i.conversation_ids) for i in items] == [
        (f"{night['agent']}:2026-03-01", 300.0, 1800.0, (night["conversation"],)),
        (f"{night['agent']}:2026-03-02", 2700.0, 3600.0, (night["conversation"],)),
    ]


@pytest.mark.django_db
def test_another_agent_filter_has_no_agent_days(tenants: Tenants, night: dict[str, int]) -> None:
    lead = tenants.user("pa", "supervisor")
    with clock.at(z("2026-03-03T00:00:00")):
        value = _value(tenants, "occupancy", "2026-03-02", "2026-03-02", agent_id=lead.pk)

    assert (value.result.value, value.result.count) == (None, 0)


@pytest.mark.django_db
def test_sla_compliance_counts_each_decided_timer(tenants: Tenants) -> None:
    # Monday 10:00 local: first reply after 60 s (met, target 120), the customer writes at
    # 10:05 and waits 600 s (breached at 10:10, target 300), resolved after 30 min (met, 3600)
    desk_services.sla_policy_create(
        tenants.scope("ca1", "client_admin"),
        channel="chat",
        first_response_s=120,
        next_response_s=300,
        resolution_s=3600,
    )
    agent = tenants.scope("pa", "agent")
    me = agent.user_id
    with clock.at(z("2026-03-02T02:00:00")):
        cid = desk_services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="在吗"
        ).pk
    steps = [
        ("02:00:30", lambda: desk_services.conversation_assign(agent, conversation_id=cid, agent_id=me)),
        ("02:01:00", lambda: desk_services.message_post(agent, conversation_id=cid, body="您好")),
        ("02:05:00", lambda: desk_services.message_post(agent, conversation_id=cid, body="?", direction="in")),  # noqa: E501
        ("02:15:00", lambda: desk_services.message_post(agent, conversation_id=cid, body="在的")),
        ("02:30:00", lambda: desk_services.conversation_set_status(
            agent, conversation_id=cid, status="resolved", category="物流/查件")),
    ]  # fmt: skip
    for moment, step in steps:
        with clock.at(z(f"2026-03-02T{moment}")):
            step()

    with clock.at(z("2026-03-03T00:00:00")):
        value = _value(tenants, "sla_compliance", "2026-03-02", "2026-03-02")
        before = _value(tenants, "sla_compliance", "2026-03-01", "2026-03-01")
        items = queries.metric_items(tenants.scope("pa", "supervisor"), value.query)

    assert value.result.value == pytest.approx(200 / 3) and value.result.count == 3
    assert [(i.conversation_id, i.numerator, i.denominator) for i in items] == [(cid, 2.0, 3.0)]
    assert (before.result.value, before.result.count) == (None, 0)
    assert date(2026, 3, 2) == value.query.first


@pytest.mark.django_db
def test_conversion_rate_counts_pre_sales_chats_with_a_linked_order(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")

    def chat(
        at: str, *, channel: str = "chat", queue: str = "", category: str = "", order: bool = False
    ) -> int:
        with clock.at(z(at)):
            cid = desk_services.conversation_create(
                agent, channel=channel, client_id=tenants.ca1.pk, queue=queue, message="这款有货吗"
            ).pk
            if order:
                desk_services.conversation_link_order(
                    agent, conversation_id=cid, order_number="2603020001", order_value=Decimal("299")
                )
            if category:
                desk_services.conversation_set_status(
                    agent, conversation_id=cid, status="resolved", category=category
                )
        return cid

    sold = chat("2026-03-01T16:00:00", category="售前咨询/商品咨询", order=True)  # local midnight
    unsold = chat("2026-03-02T03:00:00", category="售前咨询/活动优惠")
    chat("2026-03-02T04:00:00", category="物流/催发货", order=True)  # not a pre-sales chat
    chat("2026-03-02T05:00:00", channel="email", category="售前咨询/商品咨询", order=True)  # not a chat
    waiting = chat("2026-03-02T06:00:00", queue="悦家-售前-在线")  # pre-sales by its queue
    chat("2026-03-01T15:59:59", category="售前咨询/商品咨询", order=True)  # the day before

    with clock.at(z("2026-03-03T00:00:00")):
        value = _value(tenants, "conversion_rate", "2026-03-02", "2026-03-02")
        items = queries.metric_items(tenants.scope("pa", "supervisor"), value.query)

    assert (value.result.value, value.result.count) == (pytest.approx(100 / 3), 3)
    assert [(i.conversation_id, i.numerator) for i in items] == [(sold, 1.0), (unsold, 0.0), (waiting, 0.0)]
