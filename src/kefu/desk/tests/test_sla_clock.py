"""Business-hours SLA clock: examples around Chinese holidays, DST, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.desk.sla_clock import (
    DAY,
    HolidayMode,
    Party,
    ServiceCalendar,
    SlaStatus,
    TimeRange,
    TimerKind,
    add_business_seconds,
    business_seconds_between,
    day_kind,
    is_open,
    next_open,
    parse_hours,
    sla_timer,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
H = 3600


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


OFFICE = ServiceCalendar.workweek("09:00-18:00")  # Mon-Fri, holidays closed, 调休 worked
SEVEN_DAY = ServiceCalendar.daily("09:00-12:00, 13:00-24:00")
HOLIDAY_SPECIAL = ServiceCalendar.daily(
    "09:00-24:00", holiday_mode=HolidayMode.SPECIAL, holiday_hours=parse_hours("10:00-18:00")
)
OVERNIGHT = ServiceCalendar.daily("22:00-02:00", chinese_holidays=False)
BERLIN_ALL_DAY = ServiceCalendar(tz="Europe/Berlin", chinese_holidays=False)
BERLIN_NIGHT = ServiceCalendar.daily("01:00-03:30, 20:00-24:00", tz="Europe/Berlin", chinese_holidays=False)
NEW_YORK = ServiceCalendar.workweek(
    "08:00-20:00", "10:00-14:00", tz="America/New_York", chinese_holidays=False
)


# --------------------------------------------------------------------------- parsing


def test_time_range_parse() -> None:
    assert TimeRange.parse("09:00-24:00") == TimeRange(9 * H, DAY)
    assert TimeRange.parse("22:00-02:00") == TimeRange(22 * H, DAY + 2 * H)
    assert str(TimeRange.parse("9:30-12:00")) == "09:30-12:00"
    assert parse_hours("") == ()
    with pytest.raises(ValueError):
        TimeRange.parse("25:00-26:00")
    with pytest.raises(ValueError):
        TimeRange.parse("nine to five")


def test_calendar_accepts_config_strings() -> None:
    cal = ServiceCalendar(weekly=("09:00-18:00",) * 5 + ("",) * 2, overrides={"2025-12-31": "09:00-15:00"})
    assert cal.hours_on(date(2025, 12, 31)) == (TimeRange(9 * H, 15 * H),)
    with pytest.raises(ValueError):
        ServiceCalendar(weekly=((),) * 6)


# --------------------------------------------------------------------------- holidays


def test_day_kind_2025_national_day() -> None:
    assert day_kind(date(2025, 9, 27)) == "regular"  # plain Saturday
    assert day_kind(date(2025, 9, 28)) == "adjusted_workday"  # Sunday, 调休 workday
    assert all(day_kind(date(2025, 10, d)) == "holiday" for d in range(1, 9))
    assert day_kind(date(2025, 10, 11)) == "adjusted_workday"  # Saturday


def test_day_kind_2026_spring_festival() -> None:
    # chinese_calendar 1.11: 2026-02-15..23 off; Saturdays 02-14 and 02-28 worked.
    assert [day_kind(date(2026, 2, d)) for d in (14, 15, 23, 24, 28)] == [
        "adjusted_workday",
        "holiday",
        "holiday",
        "regular",
        "adjusted_workday",
    ]


def test_unknown_year_falls_back_to_weekly_pattern() -> None:
    assert day_kind(date(2099, 10, 1)) == "regular"
    # 2099-10-01 is a Thursday: the office is open as on any Thursday.
    assert business_seconds_between(OFFICE, sh(2099, 10, 1), sh(2099, 10, 2)) == 9 * H


def test_deadline_skips_national_day_2025() -> None:
    # Tue 09-30 17:00 + 2h: one hour that day, then closed 10-01..08, back Thu 10-09.
    assert add_business_seconds(OFFICE, sh(2025, 9, 30, 17), 2 * H) == sh(2025, 10, 9, 10)
    assert business_seconds_between(OFFICE, sh(2025, 9, 30, 17), sh(2025, 10, 9, 10)) == 2 * H


def test_adjusted_workday_uses_weekday_hours() -> None:
    # Sat 09-27 is closed, Sun 09-28 is a 调休 workday with Monday's hours.
    assert not is_open(OFFICE, sh(2025, 9, 27, 10))
    assert is_open(OFFICE, sh(2025, 9, 28, 10))
    assert add_business_seconds(OFFICE, sh(2025, 9, 27, 10), H) == sh(2025, 9, 28, 10)
    assert next_open(OFFICE, sh(2025, 9, 27, 10)) == sh(2025, 9, 28, 9)


def test_spring_festival_2026() -> None:
    # Fri 02-13 17:00 + 3h: 1h Fri, 9h... Sat 02-14 is worked, so 2h more ends 11:00 on 02-14.
    assert add_business_seconds(OFFICE, sh(2026, 2, 13, 17), 3 * H) == sh(2026, 2, 14, 11)
    # Sat 02-14 17:00 + 2h: 1h, then holiday 15..23, then Tue 02-24 10:00.
    assert add_business_seconds(OFFICE, sh(2026, 2, 14, 17), 2 * H) == sh(2026, 2, 24, 10)


def test_working_days_in_a_year() -> None:
    # 248 working days in 2025 (weekdays minus holidays plus 调休 weekend workdays).
    assert business_seconds_between(OFFICE, sh(2025, 1, 1), sh(2026, 1, 1)) == 248 * 9 * H


def test_holiday_special_hours_and_modes() -> None:
    assert business_seconds_between(HOLIDAY_SPECIAL, sh(2025, 10, 1), sh(2025, 10, 2)) == 8 * H
    assert business_seconds_between(HOLIDAY_SPECIAL, sh(2025, 10, 9), sh(2025, 10, 10)) == 15 * H
    ignore = ServiceCalendar.daily("09:00-24:00", holiday_mode=HolidayMode.WEEKLY)
    assert business_seconds_between(ignore, sh(2025, 10, 1), sh(2025, 10, 2)) == 15 * H
    closed = ServiceCalendar.daily("09:00-24:00")
    assert business_seconds_between(closed, sh(2025, 10, 1), sh(2025, 10, 9)) == 0


def test_overrides_win() -> None:
    cal = ServiceCalendar.daily(
        "09:00-24:00", overrides={date(2025, 10, 1): parse_hours("12:00-14:00"), date(2025, 12, 31): ()}
    )
    assert business_seconds_between(cal, sh(2025, 10, 1), sh(2025, 10, 2)) == 2 * H
    assert business_seconds_between(cal, sh(2025, 12, 31), sh(2026, 1, 1)) == 0


# --------------------------------------------------------------------------- hours shapes


def test_split_day_and_midnight_end() -> None:
    # 09-12 + 13-24 on a plain day; an interval crossing midnight picks up the next morning.
    assert business_seconds_between(SEVEN_DAY, sh(2025, 11, 3), sh(2025, 11, 4)) == 14 * H
    assert business_seconds_between(SEVEN_DAY, sh(2025, 11, 3, 23), sh(2025, 11, 4, 10)) == 2 * H
    assert add_business_seconds(SEVEN_DAY, sh(2025, 11, 3, 23), H) == sh(2025, 11, 4)
    assert not is_open(SEVEN_DAY, sh(2025, 11, 3, 12, 30))
    assert next_open(SEVEN_DAY, sh(2025, 11, 3, 12, 30)) == sh(2025, 11, 3, 13)
    assert next_open(SEVEN_DAY, sh(2025, 11, 3, 13, 5)) == sh(2025, 11, 3, 13, 5)


def test_meal_breaks_cut_unless_covered() -> None:
    lunch = parse_hours("12:00-13:00")
    covered = ServiceCalendar.daily("09:00-18:00", meal_breaks=lunch)
    uncovered = ServiceCalendar.daily("09:00-18:00", meal_breaks=lunch, covers_meals=False)
    day = (sh(2025, 11, 3), sh(2025, 11, 4))
    assert business_seconds_between(covered, *day) == 9 * H
    assert business_seconds_between(uncovered, *day) == 8 * H
    assert not is_open(uncovered, sh(2025, 11, 3, 12, 30))
    night = ServiceCalendar.daily("00:00-24:00", meal_breaks="23:30-00:30", covers_meals=False)
    assert business_seconds_between(night, sh(2025, 11, 3), sh(2025, 11, 4)) == 23 * H
    assert not is_open(night, sh(2025, 11, 4, 0, 15))


def test_overnight_range() -> None:
    # 22:00-02:00 daily: four hours per night, the tail belongs to the next date.
    assert business_seconds_between(OVERNIGHT, sh(2025, 11, 3), sh(2025, 11, 4)) == 4 * H
    assert is_open(OVERNIGHT, sh(2025, 11, 4, 1))
    assert add_business_seconds(OVERNIGHT, sh(2025, 11, 3, 12), 3 * H) == sh(2025, 11, 4, 1)


def test_dst_days_have_23_and_25_hours() -> None:
    b = BERLIN
    assert (
        business_seconds_between(
            BERLIN_ALL_DAY, datetime(2025, 3, 30, tzinfo=b), datetime(2025, 3, 31, tzinfo=b)
        )
        == 23 * H
    )
    assert (
        business_seconds_between(
            BERLIN_ALL_DAY, datetime(2025, 10, 26, tzinfo=b), datetime(2025, 10, 27, tzinfo=b)
        )
        == 25 * H
    )
    # 01:00-03:30 on spring-forward day: 02:00-03:00 does not exist, so 1.5h.
    night = (datetime(2025, 3, 30, tzinfo=b), datetime(2025, 3, 30, 12, tzinfo=b))
    assert business_seconds_between(BERLIN_NIGHT, *night) == 90 * 60
    assert add_business_seconds(BERLIN_NIGHT, night[0], H) == datetime(2025, 3, 30, 3, tzinfo=b)


@pytest.mark.parametrize("cal", [BERLIN_ALL_DAY, BERLIN_NIGHT, NEW_YORK], ids=lambda c: c.tz)
@pytest.mark.parametrize("day", [date(2025, 3, 9), date(2025, 3, 30), date(2025, 10, 26), date(2025, 11, 2)])
def test_dst_days_agree_with_minute_sampling(cal: ServiceCalendar, day: date) -> None:
    # Python adds timedeltas to zoned datetimes in wall time; step in UTC to get real minutes.
    start = datetime.combine(day, datetime.min.time(), cal.zone).astimezone(UTC) - timedelta(hours=6)
    minutes = [start + timedelta(minutes=i) for i in range(36 * 60)]
    expected = sum(is_open(cal, t) for t in minutes) * 60
    assert business_seconds_between(cal, start, minutes[-1] + timedelta(minutes=1)) == expected
    assert add_business_seconds(cal, start, expected) <= minutes[-1] + timedelta(minutes=1)


def test_inputs_must_be_aware_and_results_are_utc() -> None:
    with pytest.raises(ValueError):
        business_seconds_between(OFFICE, datetime(2025, 1, 1), sh(2025, 1, 2))
    utc_start = datetime(2025, 11, 3, 1, tzinfo=ZoneInfo("UTC"))  # 09:00 in Shanghai
    result = add_business_seconds(OFFICE, utc_start, H)
    assert result == sh(2025, 11, 3, 10) and result.tzinfo is UTC


def test_edge_cases() -> None:
    assert add_business_seconds(OFFICE, sh(2025, 11, 1, 3), 0) == sh(2025, 11, 1, 3)
    assert business_seconds_between(OFFICE, sh(2025, 11, 4), sh(2025, 11, 3)) == 0
    # an exact hit at closing time is the closing instant, not the next opening
    assert add_business_seconds(OFFICE, sh(2025, 11, 3, 9), 9 * H) == sh(2025, 11, 3, 18)
    with pytest.raises(ValueError):
        add_business_seconds(OFFICE, sh(2025, 11, 3), -1)
    never = ServiceCalendar(weekly=((),) * 7, chinese_holidays=False)
    with pytest.raises(ValueError):
        add_business_seconds(never, sh(2025, 11, 3), 1)
    assert next_open(never, sh(2025, 11, 3)) is None


def test_long_span_is_fast_and_exact() -> None:
    # Ten years in one call: per-week shortcuts, checked against a per-day sum.
    start, end = sh(2020, 1, 1), sh(2030, 1, 1, 11)
    total = business_seconds_between(OFFICE, start, end)
    days = [sh(2020, 1, 1) + timedelta(days=i) for i in range((end.date() - start.date()).days)]
    per_day = sum(business_seconds_between(OFFICE, d, d + timedelta(days=1)) for d in days)
    assert day_kind(date(2030, 1, 1)) == "regular"  # unknown year: a plain Tuesday, 09:00-11:00 counts
    assert total == per_day + 2 * H
    assert add_business_seconds(OFFICE, start, total) == end


# --------------------------------------------------------------------------- properties

CALENDARS = [OFFICE, SEVEN_DAY, HOLIDAY_SPECIAL, OVERNIGHT, BERLIN_ALL_DAY, BERLIN_NIGHT, NEW_YORK]
calendars = st.sampled_from(CALENDARS)
# Whole seconds keep floor() out of the additivity checks; 2024-2027 spans known and unknown years.
instants = st.integers(
    min_value=int(datetime(2024, 1, 1, tzinfo=SH).timestamp()),
    max_value=int(datetime(2027, 12, 31, tzinfo=SH).timestamp()),
).map(lambda ts: datetime.fromtimestamp(ts, tz=SH))
amounts = st.integers(min_value=0, max_value=90 * 15 * H)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, amounts)
def test_add_then_measure_is_identity(cal: ServiceCalendar, start: datetime, seconds: int) -> None:
    deadline = add_business_seconds(cal, start, seconds)
    assert deadline >= start
    assert business_seconds_between(cal, start, deadline) == seconds
    if seconds > 0:  # earliest such instant: one second less is not enough
        assert business_seconds_between(cal, start, deadline - timedelta(seconds=1)) == seconds - 1


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants)
def test_measure_then_add_lands_at_or_before_end(cal: ServiceCalendar, a: datetime, b: datetime) -> None:
    start, end = min(a, b), max(a, b)
    elapsed = business_seconds_between(cal, start, end)
    back = add_business_seconds(cal, start, elapsed)
    assert back <= end
    assert business_seconds_between(cal, back, end) == 0
    if is_open(cal, end - timedelta(seconds=1)) and elapsed:
        assert back == end


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants, instants)
def test_additive_over_split_points(cal: ServiceCalendar, a: datetime, b: datetime, c: datetime) -> None:
    x, y, z = sorted((a, b, c))
    assert business_seconds_between(cal, x, z) == business_seconds_between(
        cal, x, y
    ) + business_seconds_between(cal, y, z)


@settings(max_examples=100, deadline=None)
@given(calendars, instants, amounts, amounts)
def test_monotone(cal: ServiceCalendar, start: datetime, s1: int, s2: int) -> None:
    lo, hi = sorted((s1, s2))
    assert add_business_seconds(cal, start, lo) <= add_business_seconds(cal, start, hi)
    t1, t2 = start + timedelta(seconds=lo), start + timedelta(seconds=hi)
    assert business_seconds_between(cal, start, t1) <= business_seconds_between(cal, start, t2)


@settings(max_examples=40, deadline=None)
@given(calendars, instants)
def test_agrees_with_minute_sampling(cal: ServiceCalendar, start: datetime) -> None:
    # A brute-force oracle over one day: is_open at each minute vs business_seconds_between.
    start = start.replace(second=0)
    minutes = [start + timedelta(minutes=i) for i in range(24 * 60)]
    open_minutes = sum(is_open(cal, t) for t in minutes)
    assert business_seconds_between(cal, start, minutes[-1] + timedelta(minutes=1)) == open_minutes * 60


@settings(max_examples=100, deadline=None)
@given(calendars, instants)
def test_next_open_is_open_and_nothing_before(cal: ServiceCalendar, at: datetime) -> None:
    nxt = next_open(cal, at)
    assert nxt is not None and nxt >= at
    assert is_open(cal, nxt)
    assert business_seconds_between(cal, at, nxt) == 0


# --------------------------------------------------------------------------- timers


def ev(*pairs: tuple[datetime, str]) -> list[tuple[datetime, str]]:
    return list(pairs)


def test_timer_running_warning_and_deadline() -> None:
    events = ev((sh(2025, 11, 3, 9), TimerKind.START))
    t = sla_timer(OFFICE, events, target_seconds=4 * H, now=sh(2025, 11, 3, 10))
    assert (t.status, t.elapsed_seconds, t.remaining_seconds, t.deadline) == (
        SlaStatus.RUNNING,
        H,
        3 * H,
        sh(2025, 11, 3, 13),
    )
    t = sla_timer(OFFICE, events, target_seconds=4 * H, now=sh(2025, 11, 3, 12, 30))
    assert t.status is SlaStatus.WARNING and t.remaining_seconds == 30 * 60
    t = sla_timer(OFFICE, events, target_seconds=4 * H, now=sh(2025, 11, 3, 12), warn_seconds=30 * 60)
    assert t.status is SlaStatus.RUNNING


def test_timer_pause_pushes_deadline_and_breach_time() -> None:
    events = ev(
        (sh(2025, 11, 3, 9), "start"),
        (sh(2025, 11, 3, 10), "pause"),  # waiting for the customer
        (sh(2025, 11, 3, 15), "resume"),
    )
    paused = sla_timer(OFFICE, events[:2], target_seconds=4 * H, now=sh(2025, 11, 3, 14))
    assert (paused.status, paused.elapsed_seconds, paused.deadline, paused.running) == (
        SlaStatus.PAUSED,
        H,
        None,
        False,
    )
    running = sla_timer(OFFICE, events, target_seconds=4 * H, now=sh(2025, 11, 3, 16))
    # 09-10 and 15-16 counted, the five paused hours not: 2h left at 16:00.
    assert (running.elapsed_seconds, running.deadline) == (2 * H, sh(2025, 11, 3, 18))
    breached = sla_timer(OFFICE, events, target_seconds=4 * H, now=sh(2025, 11, 4, 12))
    assert breached.status is SlaStatus.BREACHED and breached.running
    assert breached.breached_at == sh(2025, 11, 3, 18) == breached.deadline
    assert breached.remaining_seconds == 0 and breached.elapsed_seconds == 7 * H


def test_timer_met_and_breached_on_stop() -> None:
    start = (sh(2025, 9, 30, 17), "start")
    met = sla_timer(
        OFFICE, [start, (sh(2025, 10, 9, 9, 30), "stop")], target_seconds=2 * H, now=sh(2025, 10, 20)
    )
    assert (met.status, met.elapsed_seconds, met.stopped_at) == (
        SlaStatus.MET,
        90 * 60,
        sh(2025, 10, 9, 9, 30),
    )
    exact = sla_timer(
        OFFICE, [start, (sh(2025, 10, 9, 10), "stop")], target_seconds=2 * H, now=sh(2025, 10, 20)
    )
    assert exact.status is SlaStatus.MET
    late = sla_timer(
        OFFICE, [start, (sh(2025, 10, 9, 11), "stop")], target_seconds=2 * H, now=sh(2025, 10, 20)
    )
    assert late.status is SlaStatus.BREACHED and late.breached_at == sh(2025, 10, 9, 10)
    # events after the stop are ignored
    again = sla_timer(
        OFFICE,
        [start, (sh(2025, 10, 9, 9, 30), "stop"), (sh(2025, 10, 9, 9, 40), "resume")],
        target_seconds=2 * H,
        now=sh(2025, 10, 20),
    )
    assert again == met


def test_timer_escalation_splits_clocks() -> None:
    events = ev(
        (sh(2025, 11, 3, 9), "start"),
        (sh(2025, 11, 3, 11), "escalate"),  # to the client's L2
        (sh(2025, 11, 3, 14), "deescalate"),
    )
    now = sh(2025, 11, 3, 15)
    provider = sla_timer(OFFICE, events, target_seconds=8 * H, now=now)
    client = sla_timer(OFFICE, events, target_seconds=8 * H, now=now, party=Party.CLIENT)
    assert (provider.elapsed_seconds, client.elapsed_seconds) == (3 * H, 3 * H)
    assert (provider.status, client.status) == (SlaStatus.RUNNING, SlaStatus.PAUSED)
    during = sla_timer(OFFICE, events[:2], target_seconds=8 * H, now=sh(2025, 11, 3, 12), party=Party.CLIENT)
    assert during.status is SlaStatus.RUNNING and during.elapsed_seconds == H


def test_timer_not_started_and_future_events_ignored() -> None:
    t = sla_timer(OFFICE, [(sh(2025, 11, 3, 12), "start")], target_seconds=H, now=sh(2025, 11, 3, 11))
    assert t.status is SlaStatus.NOT_STARTED and t.elapsed_seconds == 0
    with pytest.raises(ValueError):
        sla_timer(OFFICE, [(sh(2025, 11, 3, 12), "launch")], target_seconds=H, now=sh(2025, 11, 3, 13))


@settings(max_examples=100, deadline=None)
@given(
    calendars,
    instants,
    st.lists(
        st.tuples(st.integers(0, 20 * DAY), st.sampled_from(["pause", "resume", "escalate", "deescalate"])),
        max_size=8,
    ),
    st.integers(0, 30 * DAY),
)
def test_timer_elapsed_never_exceeds_clock(
    cal: ServiceCalendar, start: datetime, offsets: list[tuple[int, str]], now_offset: int
) -> None:
    events = [(start, "start"), *((start + timedelta(seconds=o), k) for o, k in offsets)]
    now = start + timedelta(seconds=now_offset)
    p = sla_timer(cal, events, target_seconds=10 * H, now=now)
    c = sla_timer(cal, events, target_seconds=10 * H, now=now, party=Party.CLIENT)
    # provider and client clocks never run at the same time
    assert p.elapsed_seconds + c.elapsed_seconds <= business_seconds_between(cal, start, now) + 1
    if p.status is SlaStatus.BREACHED:
        assert p.breached_at is not None and p.elapsed_seconds >= 10 * H
        assert business_seconds_between(cal, start, p.breached_at) >= 10 * H
