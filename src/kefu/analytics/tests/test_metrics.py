"""Each metric on a hand-built day of events, with answers computed by hand.

The day is `builders.seven_conversations` (client ca1, Asia/Shanghai); `test_metrics_desk.py`
replays conversations through the desk's services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kefu.analytics.metrics import compute, queries
from kefu.analytics.tests.builders import DAY, Day, t
from kefu.testing.plugin import Tenants


def ask(tenants: Tenants, metric: str, role: tuple[str, str] = ("pa", "supervisor"), **kw: Any) -> Any:
    scope = tenants.scope(*role)
    kw.setdefault("client_id", tenants.ca1.pk)
    kw.setdefault("date_from", DAY)
    kw.setdefault("date_to", DAY)
    query = queries.metric_query(scope, metric_id=metric, **kw)
    return queries.metric_value(scope, query), queries.metric_items(scope, query)


@pytest.mark.parametrize(
    ("metric", "value", "count", "keys"),
    [
        ("offered", 5, 5, ["c2", "c3", "c4", "c5", "c6"]),
        ("handled", 3, 3, ["c2", "c3", "c6"]),
        ("answer_rate", 60.0, 5, None),
        ("abandon_rate", 40.0, 5, None),
        ("abandon_rate_excl_short", 25.0, 4, None),
        ("asa", 121 / 3, 3, ["c2", "c3", "c6"]),
        ("service_level", 0.0, 4, None),
        ("first_response_time", 121 / 3, 3, ["c2", "c3", "c6"]),
        ("next_response_time", 60.0, 2, ["c3"]),
        ("aht", (3590 + 64770) / 2, 2, ["c3", "c2"]),
        ("fcr", 50.0, 2, ["c3", "c2"]),
        ("resolution_rate", 40.0, 5, None),
        ("escalation_rate", 20.0, 5, None),
        ("reopen_rate", 50.0, 2, ["c3", "c2"]),
        ("csat", 50.0, 2, ["c2", "c3"]),
        ("complaint_rate", 20.0, 5, None),
        ("contacts_per_agent_day", 1.5, 2, None),
    ],
)
def test_each_metric_on_a_hand_computed_day(
    tenants: Tenants, day: Day, metric: str, value: float, count: int, keys: list[str] | None
) -> None:
    figure, items = ask(tenants, metric)

    assert figure.result.value == pytest.approx(value)
    assert figure.result.count == count
    if keys is not None:
        by_name = {getattr(day, name).pk: name for name in ("c1", "c2", "c3", "c4", "c5", "c6", "c7")}
        assert [by_name[item.conversation_id] for item in items] == keys
    # the drill-down aggregates to the value exactly
    totals = compute.totals_of(items)
    assert compute.value_of(figure.query.metric.kind, totals) == figure.result.value


def test_first_response_time_reports_the_median_and_skips_automatic_replies(
    tenants: Tenants, day: Day
) -> None:
    figure, items = ask(tenants, "first_response_time")

    assert {item.conversation_id: item.numerator for item in items} == {
        day.c2.pk: 60,
        day.c3.pk: 30,
        day.c6.pk: 31,
    }
    assert figure.result.median == 31
    assert figure.result.value == pytest.approx(121 / 3)


def test_first_response_time_counts_the_first_message_day_across_midnight(tenants: Tenants, day: Day) -> None:
    """c1's customer wrote at 23:59 local on 03-01 and got the reply after midnight: 03-01's."""
    figure, items = ask(tenants, "first_response_time", date_from="2026-03-01", date_to="2026-03-01")

    assert [(item.conversation_id, item.numerator) for item in items] == [(day.c1.pk, 180.0)]
    assert figure.result.value == 180.0


def test_the_agent_filter_keeps_that_agents_work(tenants: Tenants, day: Day) -> None:
    frt, items = ask(tenants, "first_response_time", agent_id=day.a.pk)
    csat, _ = ask(tenants, "csat", agent_id=day.b.pk)
    per_day, agent_days = ask(tenants, "contacts_per_agent_day", agent_id=day.a.pk)

    assert [item.conversation_id for item in items] == [day.c2.pk, day.c6.pk]
    assert frt.result.value == pytest.approx(45.5)
    assert (csat.result.value, csat.result.count) == (0.0, 1)
    assert per_day.result.value == 2.0  # c1 and c2, both replied to after local midnight
    assert agent_days[0].conversation_ids == tuple(sorted((day.c1.pk, day.c2.pk)))


def test_service_level_takes_its_threshold(tenants: Tenants, day: Day) -> None:
    figure, _ = ask(tenants, "service_level", threshold_s=45)

    assert (figure.result.value, figure.result.count) == (50.0, 4)  # c3 (30 s), c6 (31 s) of 4


def test_queue_and_channel_filters(tenants: Tenants, day: Day) -> None:
    phone, _ = ask(tenants, "offered", channel="phone")
    chat_abandons, _ = ask(tenants, "abandon_rate", channel="chat")

    assert phone.result.value == 2
    assert chat_abandons.result.value == 0.0


def test_series_by_hour_put_each_contact_in_its_local_hour(tenants: Tenants, day: Day) -> None:
    figure, _ = ask(tenants, "offered", interval="hour")

    series = figure.result.series
    assert len(series) == 24
    assert series[0] == {"start": "2026-03-02T00:00:00+08:00", "value": 1, "count": 1}  # c2
    assert series[9]["value"] == 1  # c3 at 09:00 local
    assert series[23] == {"start": "2026-03-02T23:00:00+08:00", "value": 1, "count": 1}  # c6 at 23:59:59
    assert sum(point["value"] for point in series) == figure.result.value


def test_series_of_a_ratio_has_no_value_where_nothing_was_counted(tenants: Tenants, day: Day) -> None:
    figure, _ = ask(tenants, "csat", interval="15m")

    values = {point["start"]: point["value"] for point in figure.result.series}
    assert len(values) == 96
    assert values["2026-03-02T13:00:00+08:00"] == 100.0  # c2's 5 at 05:00Z
    assert values["2026-03-02T14:00:00+08:00"] == 0.0  # c3's 3 at 06:00Z
    assert values["2026-03-02T14:15:00+08:00"] is None


def test_a_client_in_utc_counts_other_days_than_one_in_shanghai(tenants: Tenants) -> None:
    from kefu.desk import services as desk_services

    desk_services.service_calendar_set(tenants.scope("ca2", "client_admin"), tz="UTC")
    shanghai, utc = Day(tenants, tenants.ca1), Day(tenants, tenants.ca2)
    for d in (shanghai, utc):
        d.emit(d.conv(), "offered", t("16:30:00", "2026-03-01"))  # 00:30 on 03-02 in Shanghai

    def offered(client: Any, on: str) -> float | None:
        return ask(tenants, "offered", client_id=client.pk, date_from=on, date_to=on)[0].result.value

    assert (offered(tenants.ca1, "2026-03-01"), offered(tenants.ca1, "2026-03-02")) == (0, 1)
    assert (offered(tenants.ca2, "2026-03-01"), offered(tenants.ca2, "2026-03-02")) == (1, 0)
    figure, _ = ask(tenants, "offered", client_id=tenants.ca2.pk, interval="day")
    assert figure.query.tz.key == "UTC"
    assert figure.result.series[0]["start"] == "2026-03-02T00:00:00+00:00"


def test_a_week_and_a_month_of_days_sum_to_the_period(tenants: Tenants, day: Day) -> None:
    weeks, _ = ask(tenants, "offered", date_from="2026-02-25", date_to="2026-03-10", interval="week")
    months, _ = ask(tenants, "offered", date_from="2026-02-25", date_to="2026-03-10", interval="month")

    assert [p["start"][:10] for p in weeks.result.series] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert [p["value"] for p in weeks.result.series] == [1, 6, 0]  # c1 | c2..c7 (03-03 is a Tuesday) | none
    assert [(p["start"][:10], p["value"]) for p in months.result.series] == [
        ("2026-02-01", 0),
        ("2026-03-01", 7),
    ]


def test_period_bounds_are_local_midnights(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope, metric_id="offered", client_id=tenants.ca1.pk, date_from="2026-03-02", date_to="2026-03-03"
    )

    assert query.bounds == (t("16:00:00", "2026-03-01"), t("16:00:00", "2026-03-03"))
    assert query.first == date(2026, 3, 2)


def test_a_conversation_counts_on_the_day_of_its_first_message_only(tenants: Tenants) -> None:
    """First message on 03-01 (local), more customer messages on 03-02: the first response time
    is 03-01's alone; two first messages at the same instant count once; a first resolution on
    03-01 keeps a reopened conversation's second resolution out of 03-02's handling time."""
    d = Day(tenants)
    early = d.offered_with_message(t("15:00:00", "2026-03-01"))  # 23:00 local on 03-01
    d.emit(early, "message_out", t("15:00:20", "2026-03-01"), d.a)
    d.emit(early, "message_in", t("02:00:00"))
    d.emit(early, "message_out", t("02:00:05"), d.a)
    twin = d.offered_with_message(t("03:00:00"))
    d.emit(twin, "message_in", t("03:00:00"))  # a second message at the same instant
    d.emit(twin, "assigned", t("03:00:10"), d.a)
    d.emit(twin, "message_out", t("03:00:40"), d.a)
    d.emit(twin, "resolved", t("03:10:00"), d.a)
    d.emit(early, "assigned", t("15:00:10", "2026-03-01"), d.a)
    d.emit(early, "resolved", t("15:30:00", "2026-03-01"), d.a)
    d.emit(early, "reopened", t("02:00:00"))
    d.emit(early, "resolved", t("02:30:00"), d.a)

    on_1, items_1 = ask(tenants, "first_response_time", date_from="2026-03-01", date_to="2026-03-01")
    on_2, items_2 = ask(tenants, "first_response_time")
    aht_1, _ = ask(tenants, "aht", date_from="2026-03-01", date_to="2026-03-01")
    aht_2, aht_items_2 = ask(tenants, "aht")

    assert [(item.conversation_id, item.numerator) for item in items_1] == [(early.pk, 20.0)]
    assert [(item.conversation_id, item.numerator) for item in items_2] == [(twin.pk, 40.0)]
    assert (on_1.result.count, on_2.result.count) == (1, 1)
    assert (aht_1.result.value, aht_1.result.count) == (1790.0, 1)  # 15:00:10 → 15:30:00
    assert [item.conversation_id for item in aht_items_2] == [twin.pk]
    assert (aht_2.result.value, aht_2.result.count) == (590.0, 1)


def test_abandoned_in_the_queue_and_after_a_missed_offer_count_alike(tenants: Tenants) -> None:
    """A call abandoned while waiting in the queue and one abandoned after an agent let its offer
    ring out are both abandons; the missed offer answers nothing and gives that agent no contact.
    A third call, missed by A and then answered by B after 25 s, is B's."""
    d = Day(tenants)
    in_queue = d.conv("phone")
    d.emit(in_queue, "offered", t("05:00:00"))
    d.emit(in_queue, "abandoned", t("05:00:40"), value_s=40.0)
    after_offer = d.conv("phone")
    d.emit(after_offer, "offered", t("06:00:00"))
    d.emit(after_offer, "missed", t("06:00:20"), d.a)
    d.emit(after_offer, "abandoned", t("06:00:50"), value_s=50.0)
    answered = d.conv("phone")
    d.emit(answered, "offered", t("07:00:00"))
    d.emit(answered, "missed", t("07:00:15"), d.a)
    d.emit(answered, "assigned", t("07:00:20"), d.b)
    d.emit(answered, "message_out", t("07:00:25"), d.b)

    def value(metric: str, **kw: Any) -> tuple[float | None, int]:
        figure, _ = ask(tenants, metric, **kw)
        return figure.result.value, figure.result.count

    assert value("offered") == (3, 3)
    assert value("abandon_rate") == (pytest.approx(200 / 3), 3)
    assert value("abandon_rate_excl_short") == (pytest.approx(200 / 3), 3)
    assert value("handled") == (1, 1)
    assert value("asa") == (25.0, 1)
    assert value("service_level") == (0.0, 3)  # answered after 25 s, the default threshold is 20 s
    assert value("service_level", threshold_s=30) == (pytest.approx(100 / 3), 3)
    assert value("handled", agent_id=d.a.pk) == (0, 0)
    assert value("handled", agent_id=d.b.pk) == (1, 1)
