"""`contacts_per_agent_day` counted in the database equals the reply rows counted in Python.

The value (`metric_value_from_events`, what the review and the dashboards read) groups the
replies per (agent, local day) in SQL; the drill-down (`metric_items`) still lists each agent-day
with its conversations, and aggregating those is the reference. ca1 keeps Asia/Shanghai (UTC+8):
a local day starts at 16:00 UTC.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu.analytics.metrics import compute, queries
from kefu.analytics.tests.builders import Day
from kefu.testing.plugin import Tenants

MIDNIGHT = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2026-03-02 in Shanghai


def _ask(tenants: Tenants, **kw: Any) -> tuple[compute.Result, compute.Result]:
    """The figure as served (counted in SQL) and as the drill-down's items aggregate (in Python)."""
    scope = tenants.scope("pa", "supervisor")
    kw.setdefault("client_id", tenants.ca1.pk)
    query = queries.metric_query(scope, metric_id="contacts_per_agent_day", **kw)
    served = queries.metric_value_from_events(scope, query).result
    items = queries.metric_items(scope, query)
    reference = compute.result_of(
        query.metric.kind,
        items,
        first=query.first,
        last=query.last,
        tz=query.tz,
        interval=query.interval,
        with_median=query.metric.median,
        count_items=query.metric.count_items,
    )
    return served, reference


def _generated(tenants: Tenants, seed: int) -> Day:
    """Replies by three agents (and automatic ones) to conversations of several channels and
    queues over ten days, half of them within ten minutes of a local midnight, some conversations
    answered on two days and several times a day; the same for client ca2."""
    rng = random.Random(seed)
    days = {tenants.ca1.pk: Day(tenants), tenants.ca2.pk: Day(tenants, tenants.ca2)}
    people = [
        tenants.user("pa", "agent"),
        tenants.user("pa", "supervisor"),
        tenants.user("pa", "provider_admin"),
    ]
    for n in range(80):
        d = days[tenants.ca2.pk if n % 6 == 0 else tenants.ca1.pk]
        conv = d.conv(rng.choice(("chat", "email", "phone")), rng.choice(("", "售后-在线", "售前-在线")))
        day = MIDNIGHT + timedelta(days=rng.randrange(-1, 9))
        at = day + timedelta(
            seconds=rng.randrange(-600, 600) if rng.random() < 0.5 else rng.randrange(86_400)
        )
        d.emit(conv, "offered", at)
        for _reply in range(rng.choice((1, 1, 2, 3))):
            at += timedelta(minutes=rng.randrange(1, 400))
            d.emit(conv, "message_out", at, rng.choice((*people, None)))
    return days[tenants.ca1.pk]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_counted_agent_days_equal_the_replies_counted_one_by_one(tenants: Tenants, seed: int) -> None:
    # given replies around local midnights by several agents, channels and queues
    day = _generated(tenants, seed)
    period = {"date_from": "2026-03-02", "date_to": "2026-03-09"}

    # when each question is answered from the database's counts and from the drill-down's rows
    asked: list[dict[str, Any]] = [
        {},
        {"interval": "day"},
        {"interval": "week"},
        {"interval": "month", "date_from": "2026-02-20", "date_to": "2026-03-20"},
        {"agent_id": day.a.pk, "interval": "day"},
        {"channel": "email"},
        {"queue": "售后-在线", "interval": "day"},
        {"date_from": "2026-03-05", "date_to": "2026-03-05"},
    ]
    for question in asked:
        served, reference = _ask(tenants, **{**period, **question})

        # then value, count and every point of the series are the same, to the last bit
        assert (served.value, served.count, served.series) == (
            reference.value,
            reference.count,
            reference.series,
        )
    whole, _ = _ask(tenants, **period)
    assert whole.count > 10 and whole.value is not None and whole.value > 1


def test_agent_days_by_hand_across_midnight(tenants: Tenants) -> None:
    # given (Shanghai) agent A replying to c1 at 23:59 on 03-01 and 00:01 on 03-02, to c2 twice
    # on 03-02; agent B replying to c2 on 03-02; an automatic reply to c3; ca2's agent A reply
    d = Day(tenants)
    c1, c2, c3 = d.conv(), d.conv(channel="email"), d.conv()
    d.emit(c1, "message_out", MIDNIGHT - timedelta(minutes=1), d.a)
    d.emit(c1, "message_out", MIDNIGHT + timedelta(minutes=1), d.a)
    d.emit(c2, "message_out", MIDNIGHT + timedelta(hours=3), d.a)
    d.emit(c2, "message_out", MIDNIGHT + timedelta(hours=5), d.a)
    d.emit(c2, "message_out", MIDNIGHT + timedelta(hours=6), d.b)
    d.emit(c3, "message_out", MIDNIGHT + timedelta(hours=7))
    other = Day(tenants, tenants.ca2)
    d.emit(other.conv(), "message_out", MIDNIGHT + timedelta(hours=1), d.a)

    # when the figure is read for 03-01..03-02, day by day
    served, reference = _ask(tenants, date_from="2026-03-01", date_to="2026-03-02", interval="day")

    # then A:03-01 has c1 (1), A:03-02 has c1 and c2 (2), B:03-02 has c2 (1): 4 over 3 agent-days
    assert (served.value, served.count) == (4 / 3, 3)
    assert [(p["value"], p["count"]) for p in served.series] == [(1.0, 1), (1.5, 2)]
    assert served == reference


def test_the_value_reads_one_row_per_agent_day(tenants: Tenants, django_assert_num_queries: Any) -> None:
    # given a generated fortnight
    _generated(tenants, 3)
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope,
        metric_id="contacts_per_agent_day",
        client_id=tenants.ca1.pk,
        date_from="2026-03-01",
        date_to="2026-03-10",
    )

    # when the value is read from the events: one grouped query, whatever the number of replies
    with django_assert_num_queries(1):
        queries.metric_value_from_events(scope, query)
