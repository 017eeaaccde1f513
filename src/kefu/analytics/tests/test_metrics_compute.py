"""The pure formulas: buckets at their edges, customer turns, aggregation that rollups can reuse."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.analytics.metrics import compute
from kefu.analytics.metrics.compute import Item, Message

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "interval", "start"),
    [
        ("2026-03-01T16:14:59", "15m", "2026-03-02T00:00:00"),
        ("2026-03-01T16:15:00", "15m", "2026-03-02T00:15:00"),
        ("2026-03-01T15:59:59", "hour", "2026-03-01T23:00:00"),
        ("2026-03-01T16:00:00", "day", "2026-03-02T00:00:00"),
        ("2026-03-08T15:59:59", "week", "2026-03-02T00:00:00"),  # Sunday 23:59:59 local
        ("2026-03-08T16:00:00", "week", "2026-03-09T00:00:00"),  # Monday 00:00 local
        ("2026-12-31T16:00:00", "month", "2027-01-01T00:00:00"),
    ],
)
def test_buckets_begin_at_local_wall_clock_edges(at: str, interval: str, start: str) -> None:
    assert compute.bucket_of(utc(at), interval, SHANGHAI) == datetime.fromisoformat(start)


def test_buckets_of_a_period_include_the_empty_ones_and_cross_the_year() -> None:
    months = compute.buckets(date(2026, 11, 15), date(2027, 2, 1), "month")
    quarter_hours = compute.buckets(date(2026, 3, 2), date(2026, 3, 2), "15m")

    assert [m.date().isoformat() for m in months] == ["2026-11-01", "2026-12-01", "2027-01-01", "2027-02-01"]
    assert len(quarter_hours) == 96 and quarter_hours[-1].time().isoformat() == "23:45:00"


def test_the_period_is_the_local_days_both_included() -> None:
    start, end = compute.period_bounds(date(2026, 3, 2), date(2026, 3, 2), SHANGHAI)

    assert (start, end) == (utc("2026-03-01T16:00:00"), utc("2026-03-02T16:00:00"))


def test_customer_turns_start_after_a_persons_reply_and_end_at_the_next() -> None:
    c = 7
    messages = [
        Message(c, utc("2026-03-02T01:00:00"), "in"),  # the first message: first response, not a turn
        Message(c, utc("2026-03-02T01:01:00"), "out", 1),
        Message(c, utc("2026-03-02T01:02:00"), "in"),  # a turn starts
        Message(c, utc("2026-03-02T01:02:30"), "in"),  # same turn
        Message(c, utc("2026-03-02T01:04:00"), "out", 2),  # 120 s, by agent 2
        Message(c, utc("2026-03-02T01:05:00"), "out", 2),  # two replies in a row: no turn
        Message(c, utc("2026-03-02T01:10:00"), "in"),  # a turn that is never answered: not counted
    ]
    start, end = utc("2026-03-01T16:00:00"), utc("2026-03-02T16:00:00")

    items = compute.next_response_items(messages, start=start, end=end)
    only_agent_1 = compute.next_response_items(messages, start=start, end=end, agent_id=1)
    later = compute.next_response_items(messages, start=utc("2026-03-02T01:03:00"), end=end)

    assert [(i.conversation_id, i.numerator, i.denominator) for i in items] == [(c, 120.0, 1.0)]
    assert only_agent_1 == [] and later == []


def test_agent_days_count_distinct_conversations_per_agent_and_day() -> None:
    rows = [
        (1, date(2026, 3, 2), 10),
        (1, date(2026, 3, 2), 11),
        (1, date(2026, 3, 3), 10),
        (2, date(2026, 3, 2), 12),
    ]

    items = compute.agent_day_items(rows, SHANGHAI)

    assert [(i.key, i.numerator, i.conversation_ids) for i in items] == [
        ("1:2026-03-02", 2.0, (10, 11)),
        ("1:2026-03-03", 1.0, (10,)),
        ("2:2026-03-02", 1.0, (12,)),
    ]
    assert compute.value_of(compute.MEAN, compute.totals_of(items)) == pytest.approx(4 / 3)


def test_values_of_each_kind_and_the_median() -> None:
    items = [Item(str(n), utc("2026-03-02T01:00:00"), v, 1) for n, v in enumerate([10.0, 30.0, 20.0, 100.0])]
    totals = compute.totals_of(items)

    assert compute.value_of(compute.COUNT, totals) == 160.0
    assert compute.value_of(compute.MEAN, totals) == 40.0
    assert compute.value_of(compute.RATIO, compute.Totals(1, 4, 4)) == 25.0
    assert compute.value_of(compute.RATIO, compute.Totals()) is None
    assert compute.median_of(items) == 25.0
    assert compute.median_of([Item("x", items[0].at, 120.0, 2)]) is None  # sums of several values


item_strategy = st.builds(
    Item,
    key=st.text(min_size=1, max_size=3),
    at=st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 3, 31), timezones=st.just(UTC)),
    numerator=st.integers(0, 3600).map(float),
    denominator=st.sampled_from([1.0, 2.0]),
)


@given(st.lists(item_strategy, max_size=40), st.sampled_from(compute.INTERVALS[:3]))
def test_totals_summed_per_interval_give_the_same_value_as_the_items(
    items: list[Item], interval: str
) -> None:
    """What rollups will do: keep Totals per 15 minutes, sum them, read them with value_of."""
    per_bucket: dict[datetime, compute.Totals] = {}
    for item in items:
        key = compute.bucket_of(item.at, interval, SHANGHAI)
        per_bucket[key] = per_bucket.get(key, compute.Totals()) + compute.totals_of([item])
    rolled = sum(per_bucket.values(), compute.Totals())

    for kind in (compute.COUNT, compute.RATIO, compute.MEAN):
        assert compute.value_of(kind, rolled) == compute.value_of(kind, compute.totals_of(items))
    series = compute.series_of(
        compute.COUNT, items, first=date(2026, 3, 1), last=date(2026, 3, 31), interval=interval, tz=SHANGHAI
    )
    inside = [i for i in items if date(2026, 3, 1) <= i.at.astimezone(SHANGHAI).date() <= date(2026, 3, 31)]
    assert sum(point["value"] for point in series) == sum(i.numerator for i in inside)


def test_a_short_abandon_is_five_seconds_or_less() -> None:
    at = utc("2026-03-02T01:00:00")
    facts = [
        compute.Facts(1, at, abandoned_wait_s=5.0),
        compute.Facts(2, at, abandoned_wait_s=5.5),
        compute.Facts(3, at, reply_at=at + timedelta(seconds=20), reply_agent_id=9),
    ]

    kept = compute.items_for("abandon_rate_excl_short", facts)
    level = compute.items_for("service_level", facts)

    assert [(i.conversation_id, i.numerator) for i in kept] == [(2, 1), (3, 0)]
    assert [(i.conversation_id, i.numerator) for i in level] == [(2, 0), (3, 1)]  # 20 s is within 20 s


def test_agent_days_counted_by_the_database_are_the_same_items_without_ids() -> None:
    rows = [
        (1, date(2026, 3, 2), 10),
        (1, date(2026, 3, 2), 11),
        (1, date(2026, 3, 3), 10),
        (2, date(2026, 3, 2), 12),
    ]
    counted = [(2, date(2026, 3, 2), 1), (1, date(2026, 3, 3), 1), (1, date(2026, 3, 2), 2)]

    items = compute.agent_day_count_items(counted, SHANGHAI)

    assert items == [
        dataclasses.replace(i, conversation_ids=()) for i in compute.agent_day_items(rows, SHANGHAI)
    ]
