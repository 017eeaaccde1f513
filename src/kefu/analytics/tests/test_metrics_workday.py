"""Presence and SLA items on hand-built days (pure: no database).

The client's day is 2026-03-02 in Asia/Shanghai: from 2026-03-01T16:00Z to 2026-03-02T16:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.analytics.metrics import compute, sources, workday
from kefu.analytics.metrics.sources import PresenceDay, SlaOutcome

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 1, 16, tzinfo=UTC)  # local midnight of 2026-03-02
END = START + timedelta(days=1)


def h(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def agent_day(agent: int = 7, **kw: object) -> PresenceDay:
    # online 4200 s, busy 2400 s, after-contact work 600 s (available 7200 s), break 900 s;
    # available 01:00-02:00 and 03:00-04:00 local
    fields: dict[str, object] = {
        "seconds": {"online": 4200.0, "busy": 2400.0, "after_contact_work": 600.0, "break": 900.0,
                    "offline": 86400.0 - 8100.0},
        "available": ((h(1), h(2)), (h(3), h(4))),
        "scheduled_s": 7200.0,
        "in_adherence_s": 5400.0,
    }  # fmt: skip
    fields.update(kw)
    return PresenceDay(agent, date(2026, 3, 2), START, END, **fields)  # type: ignore[arg-type]


HOLDS = [
    workday.Hold(1, 7, h(1.5), h(3.5)),  # 30 min available before the gap, 30 min after
    workday.Hold(2, 7, h(-1), h(1.25)),  # held since the previous local day: 15 min count
    workday.Hold(3, 8, h(1), h(2)),  # another agent's
]


@pytest.mark.parametrize(
    ("metric_id", "numerator", "denominator", "value"),
    [
        ("occupancy", 3000.0, 7200.0, 100 * 3000 / 7200),
        ("utilisation", 3000.0, 8100.0, 100 * 3000 / 8100),
        ("adherence", 5400.0, 7200.0, 75.0),
        ("concurrency", 4500.0, 7200.0, 0.625),
    ],
)
def test_each_presence_metric_on_a_hand_computed_agent_day(
    metric_id: str, numerator: float, denominator: float, value: float
) -> None:
    (item,) = workday.presence_items(metric_id, [agent_day()], HOLDS)

    assert (item.key, item.numerator, item.denominator) == ("7:2026-03-02", numerator, denominator)
    kind = compute.RATIO if metric_id != "concurrency" else compute.MEAN
    assert compute.value_of(kind, compute.totals_of([item])) == pytest.approx(value, abs=1e-12)
    if metric_id == "concurrency":
        assert item.conversation_ids == (1, 2)


def test_agent_days_without_a_denominator_are_no_items() -> None:
    idle = agent_day(agent=9, seconds={"offline": 86400.0}, available=(), scheduled_s=0.0, in_adherence_s=0.0)

    for metric_id in workday.PRESENCE_METRICS:
        assert [i.agent_id for i in workday.presence_items(metric_id, [agent_day(), idle], HOLDS)] == [7]


def test_two_agent_days_aggregate_by_their_sums_not_the_mean_of_shares() -> None:
    second = agent_day(agent=8, seconds={"online": 800.0, "busy": 3200.0})
    items = workday.presence_items("occupancy", [agent_day(), second])

    totals = compute.totals_of(items)
    assert compute.value_of(compute.RATIO, totals) == pytest.approx(100 * 6200 / 11200)
    assert compute.count_of(compute.RATIO, totals, items=True) == 2


def test_holds_follow_assignment_transfer_queue_resolution_and_reopening() -> None:
    def e(cid: int, minute: int, type: str, agent: int | None = None) -> workday.HoldEvent:
        return workday.HoldEvent(cid, h(10) + timedelta(minutes=minute), type, agent)

    events = [
        e(1, 0, "assigned", 7), e(1, 20, "transferred", 8), e(1, 50, "resolved", 8),
        e(1, 60, "reopened", 8), e(1, 90, "closed", 8),
        e(2, 5, "assigned", 7), e(2, 10, "queued"), e(2, 40, "assigned", 7),
    ]  # fmt: skip

    found = workday.holds(events, until=h(12))

    assert [(x.conversation_id, x.agent_id, x.start, x.end) for x in found] == [
        (1, 7, h(10), h(10) + timedelta(minutes=20)),
        (1, 8, h(10) + timedelta(minutes=20), h(10) + timedelta(minutes=50)),
        (1, 8, h(11), h(11.5)),
        (2, 7, h(10) + timedelta(minutes=5), h(10) + timedelta(minutes=10)),
        (2, 7, h(10) + timedelta(minutes=40), h(12)),
    ]


def test_sla_items_count_timers_decided_in_the_period_start_inclusive_end_exclusive() -> None:
    outcomes = [
        SlaOutcome(1, "first_response", h(2), True),
        SlaOutcome(1, "resolution", END - timedelta(microseconds=1), False),
        SlaOutcome(2, "next_response", END, False),  # the next local day
        SlaOutcome(3, "first_response", START, True),
        SlaOutcome(4, "resolution", START - timedelta(seconds=1), False),  # the day before
    ]

    items = workday.sla_items(outcomes, start=START, end=END)

    assert [(i.conversation_id, i.numerator, i.denominator) for i in items] == [(1, 1, 2), (3, 1, 1)]
    assert compute.value_of(compute.RATIO, compute.totals_of(items)) == pytest.approx(200 / 3)
    assert compute.count_of(compute.RATIO, compute.totals_of(items)) == 3


def test_local_days_follow_the_client_time_zone_and_daylight_saving() -> None:
    new_york = ZoneInfo("America/New_York")
    ((day, start, end),) = sources.local_days(date(2026, 3, 8), date(2026, 3, 8), new_york)

    assert day == date(2026, 3, 8) and (end - start) == timedelta(hours=23)
    assert start.astimezone(UTC) == datetime(2026, 3, 8, 5, tzinfo=UTC)
    shanghai = sources.local_days(date(2026, 3, 2), date(2026, 3, 3), SHANGHAI)
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for _d, s, e in shanghai] == [
        (START, END),
        (END, END + timedelta(days=1)),
    ]
