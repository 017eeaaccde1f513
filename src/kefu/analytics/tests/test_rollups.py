"""Rollups: folded quarter hours plus the unfolded tail give the events' figures exactly.

The hand-built day is `builders.seven_conversations` (client ca1, Asia/Shanghai). `fold(lag=0)`
folds every committed event (SQLite commits in id order, so the newest horizon is safe at once).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kefu.analytics import rollup_selectors, rollups
from kefu.analytics.metrics import queries
from kefu.analytics.tests.builders import DAY, Day, t
from kefu.core import clock
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants

ADDITIVE = [m for ids in rollup_selectors.rolled_metrics().values() for m in ids]


def both(
    tenants: Tenants, metric: str, role: tuple[str, str] = ("pa", "supervisor"), **kw: Any
) -> tuple[Any, Any]:
    """(the figure as served: rollups + tail, the figure recomputed from the events alone)."""
    scope = tenants.scope(*role)
    kw.setdefault("client_id", tenants.ca1.pk)
    kw.setdefault("date_from", DAY)
    kw.setdefault("date_to", DAY)
    query = queries.metric_query(scope, metric_id=metric, **kw)
    assert rollup_selectors.can_read(query, median=False)
    served = rollup_selectors.rolled_result(scope, query)
    assert served is not None
    raw = queries.metric_value_from_events(scope, query, median=False).result
    return served, raw


def test_the_dictionary_declares_which_metrics_roll_up() -> None:
    assert ADDITIVE == [
        "offered", "handled", "answer_rate", "abandon_rate", "abandon_rate_excl_short", "asa",
        "service_level", "resolution_rate", "escalation_rate", "complaint_rate",
        "first_response_time", "aht", "fcr", "reopen_rate", "csat",
    ]  # fmt: skip


@pytest.mark.parametrize("metric", ADDITIVE)
@pytest.mark.parametrize("interval", [None, "15m", "day"])
def test_folded_rollups_equal_the_events_on_the_hand_built_day(
    tenants: Tenants, day: Day, metric: str, interval: str | None
) -> None:
    # given the day folded into rollups
    report = rollups.fold(lag=0)
    assert report.events > 0 and report.rows > 0

    # when the figure is served from rollups, then it is the events' figure to the bit
    served, raw = both(tenants, metric, interval=interval)
    assert (served.value, served.count, served.series) == (raw.value, raw.count, raw.series)


def test_a_late_first_message_moves_the_item_to_its_quarter_hour(tenants: Tenants) -> None:
    # given a conversation whose customer message at 02:00Z is folded
    d = Day(tenants)
    conv = d.conv()
    d.emit(conv, "offered", t("01:50:00"))
    d.emit(conv, "message_in", t("02:00:00"))
    d.emit(conv, "message_out", t("02:01:00"), d.a)
    rollups.fold(lag=0)
    # when an earlier customer message is written late (at 01:55Z) and folded
    d.emit(conv, "message_in", t("01:55:00"))
    rollups.fold(lag=0)

    # then the item left 02:00 for 01:45 (no stale row), as a rebuild from the events has it
    start, end = t("00:00:00"), t("04:00:00")
    folded = rollups.stored_rows(tenants.ca1.pk, start, end)
    assert {(k.bucket, v.numerator) for k, v in folded.items() if k.metric == "first_response_time"} == {
        (t("01:45:00"), 360_000_000)
    }
    rollups.rebuild(lag=0)
    assert rollups.stored_rows(tenants.ca1.pk, start, end) == folded
    served, raw = both(tenants, "first_response_time")
    assert (served.value, served.count) == (raw.value, raw.count) == (360.0, 1)


def test_the_unfolded_tail_is_read_from_the_events(tenants: Tenants, day: Day) -> None:
    # given the day folded, then a reply and a resolution to c4 written after the fold
    rollups.fold(lag=0)
    through = rollup_selectors.rollups_through()
    day.emit(day.c4, "message_out", t("05:00:00"), day.a)
    day.emit(day.c4, "resolved", t("05:10:00"), day.a)

    # when the figures are served, then the tail counts and they equal the events' figures
    assert rollup_selectors.rollups_through() == through
    for metric, value in (("handled", 4), ("answer_rate", 80.0), ("resolution_rate", 60.0)):
        served, raw = both(tenants, metric)
        assert served.value == raw.value == value, metric


def test_service_level_at_a_configured_threshold_is_folded_like_the_default(
    tenants: Tenants, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a queue promising 60 s (c2 answered in 60 s, c3 in 30 s, c6 in 31 s, c5 abandoned at 40 s;
    # c4's 3 s abandon is left out), and the day folded
    monkeypatch.setattr(rollup_selectors, "_threshold_sources", {"test": lambda: [60]})
    rollups.fold(lag=0)

    # when service level is served at 60 s and at the default 20 s
    at_60, raw_60 = both(tenants, "service_level", threshold_s=60.0, interval="day")
    at_20, raw_20 = both(tenants, "service_level", interval="day")

    # then the rows of each threshold give its own figure, equal to the events'
    assert rollup_selectors.rolled_thresholds() == {60.0}
    assert (at_60.value, at_60.count) == (raw_60.value, raw_60.count) == (75.0, 4)
    assert at_60.series == raw_60.series
    assert (at_20.value, at_20.count) == (raw_20.value, raw_20.count) == (0.0, 4)


def test_a_threshold_configured_later_is_backfilled_then_checked(
    tenants: Tenants, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the day folded before any queue promised 30 s
    rollups.fold(lag=0)
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope,
        metric_id="service_level",
        client_id=tenants.ca1.pk,
        date_from=DAY,
        date_to=DAY,
        threshold_s=30.0,
    )
    assert not rollup_selectors.can_read(query, median=False)  # read from the events meanwhile

    # when a queue's 30 s target appears and the folder runs (no new event)
    monkeypatch.setattr(rollup_selectors, "_threshold_sources", {"test": lambda: [30.0]})
    report = rollups.fold(lag=0)

    # then the threshold's rows cover the history and agree with the events (c3 only: 1 of 4)
    assert report.events == 0
    assert rollup_selectors.can_read(query, median=False)
    served, raw = both(tenants, "service_level", threshold_s=30.0)
    assert (served.value, served.count) == (raw.value, raw.count) == (25.0, 4)
    checked = rollups.check(client_id=tenants.ca1.pk, first=date(2026, 3, 2), last=date(2026, 3, 2))
    assert checked.differences == []
    assert checked.figures == len(ADDITIVE) + 1
    # and a rebuild from scratch keeps the thresholds in use and no other
    monkeypatch.setattr(rollup_selectors, "_threshold_sources", {"test": lambda: [45.0]})
    rollups.rebuild(lag=0)
    assert rollup_selectors.rolled_thresholds() == {45.0}


def test_several_figures_read_together_equal_each_read_alone(tenants: Tenants, day: Day) -> None:
    # given the day folded, then a reply to c4 written after the fold (a tail)
    rollups.fold(lag=0)
    day.emit(day.c4, "message_out", t("05:00:00"), day.a)
    scope = tenants.scope("pa", "supervisor")

    def ask(metric: str, first: str, last: str, **kw: Any) -> queries.MetricQuery:
        return queries.metric_query(
            scope, metric_id=metric, client_id=tenants.ca1.pk, date_from=first, date_to=last, **kw
        )

    asked = [
        ask("handled", DAY, DAY, interval="15m"),
        ask("handled", "2026-03-01", DAY),  # overlaps the first
        ask("answer_rate", "2026-03-01", "2026-03-01"),
        ask("service_level", DAY, DAY, threshold_s=60.0),  # not kept: from the events
        ask("asa", DAY, DAY, channel="chat", interval="day"),
        ask("csat", DAY, "2026-03-03", agent_id=day.b.pk),
        ask("next_response_time", DAY, DAY),  # never rolled up
    ]

    # when they are read together, then each is what it is alone, and the events' figure
    together = queries.metric_values(scope, asked, median=False)
    for query, found in zip(asked, together, strict=True):
        alone = queries.metric_value(scope, query, median=False).result
        raw = queries.metric_value_from_events(scope, query, median=False).result
        assert found.query == query
        assert (found.result.value, found.result.count, found.result.series) == (
            alone.value,
            alone.count,
            alone.series,
        )
        assert (found.result.value, found.result.count, found.result.series) == (
            raw.value,
            raw.count,
            raw.series,
        )
    assert [f.result.value for f in together[:2]] == [4, 5]  # c2, c3, c6 and c4's late reply; and c1


def test_a_filling_quarter_hour_is_folded_later_and_then_equals_recomputation(tenants: Tenants) -> None:
    # given a conversation folded at 02:05Z (the quarter hour 02:00 is still filling)
    d = Day(tenants)
    conv = d.conv()
    with clock.at(t("02:05:00")):
        d.emit(conv, "offered", t("02:00:00"))
        d.emit(conv, "message_in", t("02:00:00"))
        first = rollups.fold(lag=0, filling_every=60)
    assert first.events == 2 and first.deferred == 0
    through = rollup_selectors.rollups_through()

    # when the reply (02:05:20) and the resolution (02:05:30) are folded 30 s after the last fold
    d.emit(conv, "message_out", t("02:05:20"), d.a)
    d.emit(conv, "resolved", t("02:05:30"), d.a)
    with clock.at(t("02:05:30")):
        waiting = rollups.fold(lag=0, filling_every=60)

    # then they wait for a later run (the cursor stays), and the figures read them from the events
    assert (waiting.events, waiting.deferred, waiting.through_event_id) == (0, 2, through)
    assert rollup_selectors.rollups_through() == through
    for metric, value in (("handled", 1), ("first_response_time", 320.0), ("resolution_rate", 100.0)):
        served, raw = both(tenants, metric)
        assert (served.value, served.count) == (raw.value, raw.count) == (value, 1), metric

    # and a minute after the last fold they are folded, rows equal to a recomputation
    with clock.at(t("02:06:01")):
        later = rollups.fold(lag=0, filling_every=60)
    assert (later.events, later.deferred) == (2, 0)
    checked = rollups.check(client_id=tenants.ca1.pk, first=date(2026, 3, 2), last=date(2026, 3, 2))
    assert checked.differences == [] and checked.rows > 0
    served, raw = both(tenants, "first_response_time")
    assert (served.value, served.count) == (raw.value, raw.count) == (320.0, 1)


def test_an_event_of_a_closed_quarter_hour_is_folded_at_once(tenants: Tenants) -> None:
    # given a conversation folded at 02:05Z
    d = Day(tenants)
    conv = d.conv()
    d.emit(conv, "offered", t("02:00:00"))
    d.emit(conv, "message_in", t("02:00:00"))
    with clock.at(t("02:05:00")):
        rollups.fold(lag=0, filling_every=60)

    # when a late event of the closed quarter 01:45 arrives 10 s later, beside one of 02:00
    d.emit(conv, "message_in", t("01:55:00"))
    d.emit(conv, "message_out", t("02:05:05"), d.a)
    with clock.at(t("02:05:10")):
        report = rollups.fold(lag=0, filling_every=60)

    # then the fold does not wait, and the item moved to 01:45 as a recomputation has it
    assert (report.events, report.deferred) == (2, 0)
    checked = rollups.check(client_id=tenants.ca1.pk, first=date(2026, 3, 2), last=date(2026, 3, 2))
    assert checked.differences == []
    folded = rollups.stored_rows(tenants.ca1.pk, t("00:00:00"), t("04:00:00"))
    assert {(k.bucket, v.numerator) for k, v in folded.items() if k.metric == "first_response_time"} == {
        (t("01:45:00"), 605_000_000)
    }


def test_without_filling_every_a_fold_never_waits(tenants: Tenants) -> None:
    # given a fold at 02:05Z and a new event of the filling quarter a second later
    d = Day(tenants)
    conv = d.conv()
    d.emit(conv, "offered", t("02:00:00"))
    with clock.at(t("02:05:00")):
        rollups.fold(lag=0)
    d.emit(conv, "message_in", t("02:05:00"))

    # when folded again at once without filling_every (the default), then it folds
    with clock.at(t("02:05:01")):
        report = rollups.fold(lag=0)
    assert (report.events, report.deferred) == (1, 0)


def test_the_queue_thresholds_are_kept_a_while_by_the_folder(tenants: Tenants) -> None:
    # given the queues' threshold source asked once, with one queue promising 60 s
    source = rollup_selectors._threshold_sources["routing.queues"]
    scope = tenants.scope("pa", "provider_admin")
    routing_services.queue_create(
        scope, client_id=tenants.ca1.pk, name="售前", sl_target_percent=80, sl_target_seconds=60
    )
    assert set(source()) == {60.0}

    # when a second queue promises 120 s, then the kept answer is served until it is forgotten
    routing_services.queue_create(
        scope, client_id=tenants.ca1.pk, name="售后", sl_target_percent=90, sl_target_seconds=120
    )
    assert set(source()) == {60.0}
    source.cache_clear()  # type: ignore[attr-defined]
    assert set(source()) == {60.0, 120.0}
