"""The pure part of the rollups: exact sums, quarter hours, zones that fit, runs, rows from facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.analytics.metrics import compute, quarters

Q = timedelta(minutes=15)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=30), st.randoms())
def test_totals_do_not_depend_on_the_order_of_the_sum(microseconds: list[int], rnd: object) -> None:
    items = [
        compute.Item(str(n), utc("2026-03-02T00:00:00"), us / 1e6, 1.0) for n, us in enumerate(microseconds)
    ]
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]

    assert compute.totals_of(items) == compute.totals_of(shuffled)
    assert compute.totals_of(items).numerator == sum(microseconds) / 1e6


def test_sums_of_tenths_are_exact() -> None:
    items = [compute.Item(str(n), utc("2026-03-02T00:00:00"), v, 1.0) for n, v in enumerate([0.1, 0.2])]

    assert compute.totals_of(items).numerator == 0.3  # the float sum 0.1 + 0.2 is 0.30000000000000004


@pytest.mark.parametrize(
    ("at", "start"),
    [
        ("2026-03-01T15:59:59.999999", "2026-03-01T15:45:00"),
        ("2026-03-01T16:00:00", "2026-03-01T16:00:00"),
        ("2026-03-01T16:14:59", "2026-03-01T16:00:00"),
        ("2026-03-01T16:15:00", "2026-03-01T16:15:00"),
    ],
)
def test_quarter_of_floors_to_the_utc_quarter_hour(at: str, start: str) -> None:
    assert quarters.quarter_of(utc(at)) == utc(start)
    assert quarters.quarter_of(utc(at).astimezone(ZoneInfo("Asia/Kathmandu"))) == utc(start)


@pytest.mark.parametrize(
    ("zone", "first", "last", "fits"),
    [
        ("Asia/Shanghai", date(2026, 1, 1), date(2026, 12, 31), True),
        ("Asia/Kathmandu", date(2026, 1, 1), date(2026, 12, 31), True),  # +5:45
        ("America/New_York", date(2026, 3, 1), date(2026, 11, 30), True),  # two DST changes at 2:00
        ("Australia/Lord_Howe", date(2026, 1, 1), date(2026, 12, 31), True),  # a 30-minute DST shift
        ("Pacific/Chatham", date(2026, 1, 1), date(2026, 12, 31), True),  # +12:45 / +13:45
        ("Africa/Monrovia", date(1971, 1, 1), date(1971, 1, 31), False),  # -0:44:30
        ("America/St_Johns", date(1990, 3, 31), date(1990, 3, 31), False),  # DST from 01:01 UTC
        ("America/St_Johns", date(1990, 4, 1), date(1990, 4, 30), True),
    ],
)
def test_a_zone_fits_quarter_hours_when_offsets_and_changes_are_on_quarter_hours(
    zone: str, first: date, last: date, fits: bool
) -> None:
    start, end = compute.period_bounds(first, last, ZoneInfo(zone))

    assert quarters.zone_fits(ZoneInfo(zone), start, end) is fits


def test_runs_join_neighbours_closer_than_the_gap() -> None:
    q = [utc("2026-03-02T00:00:00") + n * Q for n in (0, 1, 3, 20)]

    assert quarters.runs(q, gap=1) == [(q[0], q[1] + Q), (q[2], q[2] + Q), (q[3], q[3] + Q)]
    assert quarters.runs(q, gap=2) == [(q[0], q[2] + Q), (q[3], q[3] + Q)]
    assert quarters.runs([], gap=8) == []


def test_local_buckets_are_unions_of_quarter_hours() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")
    rows = [
        (utc("2026-03-01T18:00:00"), compute.MicroTotals(1, 1, 1)),  # 23:45 local on 03-01
        (utc("2026-03-01T18:15:00"), compute.MicroTotals(2, 1, 1)),  # 00:00 local on 03-02
    ]

    grouped = quarters.grouped_by_local(rows, "day", kathmandu)

    assert grouped == {
        datetime(2026, 3, 1): compute.MicroTotals(1, 1, 1),
        datetime(2026, 3, 2): compute.MicroTotals(2, 1, 1),
    }


facts = st.builds(
    compute.Facts,
    conversation_id=st.integers(min_value=1, max_value=50),
    at=st.integers(min_value=0, max_value=4 * 3600).map(
        lambda s: utc("2026-03-02T00:00:00") + timedelta(seconds=s)
    ),
    agent_id=st.sampled_from([None, 1, 2]),
    reply_at=st.one_of(st.none(), st.just(utc("2026-03-02T05:00:00"))),
    reply_agent_id=st.sampled_from([None, 1, 2]),
    abandoned_wait_s=st.one_of(st.none(), st.floats(min_value=0, max_value=60)),
    resolved=st.booleans(),
    escalated_l2=st.booleans(),
    assigned_at=st.one_of(st.none(), st.just(utc("2026-03-01T23:00:00"))),
    score=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
)
dims = st.builds(
    quarters.Dims, st.sampled_from([1, 2]), st.sampled_from(["", "售后"]), st.sampled_from(["chat"])
)


@given(st.lists(st.tuples(dims, facts), max_size=30))
def test_rows_add_up_to_the_items_of_all_facts(rows: list[tuple[quarters.Dims, compute.Facts]]) -> None:
    metrics = ["offered", "handled", "asa", "service_level", "abandon_rate_excl_short", "aht", "csat"]

    stored = quarters.rows_of(metrics, rows)

    for metric in metrics:
        summed = sum((t for k, t in stored.items() if k.metric == metric), compute.MicroTotals())
        assert summed == compute.micro_totals_of(compute.items_for(metric, [f for _d, f in rows]))
        for agent in (1, 2):
            mine = sum(
                (t for k, t in stored.items() if k.metric == metric and k.agent_id == agent),
                compute.MicroTotals(),
            )
            if metric in ("handled", "asa", "aht", "csat"):
                assert mine == compute.micro_totals_of(
                    compute.items_for(metric, [f for _d, f in rows], agent_id=agent)
                )
