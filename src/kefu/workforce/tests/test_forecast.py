"""Forecast core: recovers known structure, beats seasonal naive, handles calendars and campaigns."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.workforce import capacity, forecast, history_import

WEEKDAY_FACTORS = (1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5)


def profile(hour: float, weekday: int) -> float:
    """Double-hump weekday profile; weekends peak later in the evening."""
    if weekday >= 5:
        return (
            0.6
            + 1.2 * math.exp(-(((hour - 20.0) / 2.0) ** 2))
            + 0.5 * math.exp(-(((hour - 14.0) / 2.0) ** 2))
        )
    return 0.5 + 1.0 * math.exp(-(((hour - 10.5) / 1.5) ** 2)) + 1.2 * math.exp(-(((hour - 15.0) / 2.0) ** 2))


def expected_day(day: date, *, start: date, level: float, trend: float, factors: Iterable[float]) -> float:
    return level * (1 + trend * (day - start).days) * tuple(factors)[day.weekday()]


def synth(
    *,
    start: date = date(2024, 1, 1),
    days: int = 16 * 7,
    interval: int = 30,
    hours: tuple[int, int] = (8, 22),
    level: float = 2000.0,
    trend: float = 0.0,
    factors: Iterable[float] = WEEKDAY_FACTORS,
    closed_weekdays: Iterable[int] = (),
    day_multiplier: Mapping[date, float] | None = None,
    skip_days: Iterable[date] = (),
    open_days: Iterable[date] = (),
    seed: int = 0,
    noise: bool = True,
) -> dict[datetime, float]:
    """Poisson volumes with a known weekly pattern, intraday profile and linear trend."""
    rng = np.random.default_rng(seed)
    factors = tuple(factors)
    closed, skip, multiplier = set(closed_weekdays), set(skip_days), day_multiplier or {}
    always_open = set(open_days)
    slots = [hours[0] * 60 + i * interval for i in range((hours[1] - hours[0]) * 60 // interval)]
    out: dict[datetime, float] = {}
    for i in range(days):
        day = start + timedelta(days=i)
        if (day.weekday() in closed and day not in always_open) or day in skip:
            continue
        total = expected_day(day, start=start, level=level, trend=trend, factors=factors)
        total *= multiplier.get(day, 1.0)
        if total <= 0:
            continue
        weights = np.array([profile((m + interval / 2) / 60, day.weekday()) for m in slots])
        means = total * weights / weights.sum()
        values = rng.poisson(means) if noise else means
        for minute, value in zip(slots, values, strict=True):
            out[datetime.combine(day, time()) + timedelta(minutes=minute)] = float(value)
    return out


def split(series: Mapping[datetime, float], first_test_day: date) -> tuple[dict, dict]:
    train = {k: v for k, v in series.items() if k.date() < first_test_day}
    test = {k: v for k, v in series.items() if k.date() >= first_test_day}
    return train, test


def naive_wape(train: Mapping[datetime, float], test: Mapping[datetime, float]) -> float:
    """Seasonal naive computed independently: the same interval 1, 2, … weeks before the test window."""
    actual, predicted = [], []
    for stamp, value in test.items():
        back = stamp - timedelta(days=7)
        while back not in train and back >= min(train):
            back -= timedelta(days=7)
        actual.append(value)
        predicted.append(train.get(back, 0.0))
    return forecast.wape(actual, predicted)


def held_out_wape(result: forecast.Forecast, test: Mapping[datetime, float]) -> float:
    points = dict(result.points)
    return forecast.wape(list(test.values()), [points.get(k, 0.0) for k in test])


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_on_known_values() -> None:
    assert forecast.wape([10, 20, 0], [12, 18, 1]) == pytest.approx(5 / 30)
    assert forecast.mape([10, 20, 0], [12, 18, 1]) == pytest.approx((0.2 + 0.1) / 2)  # zero actual skipped
    assert math.isnan(forecast.wape([0, 0], [1, 1]))
    values = np.array([[1.0, 2.0]] * 7 + [[3.0, np.nan]] * 7)
    assert forecast.seasonal_naive_scale(values, 7) == pytest.approx(2.0)  # NaN pairs ignored


# --- structure recovery ----------------------------------------------------------------------


def test_recovers_weekly_pattern_profile_and_trend() -> None:
    start, trend = date(2024, 1, 1), 0.003
    series = synth(start=start, days=16 * 7, trend=trend, seed=1)
    result = forecast.forecast_volume(series, interval_minutes=30, horizon_days=14)

    assert result.first_day == date(2024, 4, 22)
    totals = result.daily_totals()
    assert len(totals) == 14
    for day, total in totals.items():
        truth = expected_day(day, start=start, level=2000, trend=trend, factors=WEEKDAY_FACTORS)
        assert total == pytest.approx(truth, rel=0.05), day
    monday = [v for k, v in result.points if k.date() == date(2024, 4, 22)]
    shape = np.array([profile(8.25 + i / 2, 0) for i in range(28)])
    assert np.corrcoef(monday, shape)[0, 1] > 0.99
    assert result.backtest is not None
    assert result.backtest.wape < result.backtest.baseline_wape
    assert result.backtest.mase < 1


def test_beats_seasonal_naive_on_held_out_weeks() -> None:
    series = synth(days=18 * 7, trend=0.001, seed=2)
    train, test = split(series, date(2024, 1, 1) + timedelta(days=16 * 7))
    result = forecast.forecast_volume(train, interval_minutes=30, horizon_days=14)

    assert held_out_wape(result, test) <= 0.85 * naive_wape(train, test)


@pytest.mark.parametrize("method", forecast.METHODS)
def test_every_method_forecasts_every_open_interval(method: str) -> None:
    series = synth(days=6 * 7, seed=3)
    result = forecast.forecast_volume(series, interval_minutes=30, horizon_days=7, method=method)

    assert result.method == method
    assert len(result.points) == 7 * 28
    assert all(v >= 0 and math.isfinite(v) for _, v in result.points)
    assert result.backtest is not None and result.backtest.method == method


def test_auto_reports_every_candidate_and_keeps_the_best() -> None:
    result = forecast.forecast_volume(synth(days=10 * 7, seed=4), interval_minutes=30, horizon_days=14)

    assert set(result.candidates) == set(forecast.METHODS)
    assert result.backtest == min(result.candidates.values(), key=lambda a: a.wape)
    assert result.backtest.folds == 4
    assert result.backtest.horizon_days == 14


# --- opening hours, closed and missing days --------------------------------------------------


def test_closed_weekends_and_hours_get_no_intervals() -> None:
    series = synth(days=8 * 7, closed_weekdays=(5, 6), hours=(9, 18), interval=15, seed=5)
    result = forecast.forecast_volume(series, interval_minutes=15, horizon_days=14)

    assert result.first_day == date(2024, 2, 24)  # the day after the last row (a Friday)
    assert result.closed_days == (date(2024, 2, 24), date(2024, 2, 25), date(2024, 3, 2), date(2024, 3, 3))
    assert len(result.points) == 10 * 36
    assert {k.weekday() for k, _ in result.points} == {0, 1, 2, 3, 4}
    assert min(k.time() for k, _ in result.points) == time(9, 0)
    assert max(k.time() for k, _ in result.points) == time(17, 45)


def test_missing_days_are_not_zero_days() -> None:
    start = date(2024, 1, 1)
    complete = synth(days=10 * 7, seed=6)
    missing_days = [start + timedelta(days=d) for d in (43, 51, 59, 60, 63, 66)]  # scattered recent weekdays
    gappy = {k: v for k, v in complete.items() if k.date() not in missing_days}

    full = forecast.forecast_volume(complete, interval_minutes=30, horizon_days=7, method="profile_level")
    with_gaps = forecast.forecast_volume(gappy, interval_minutes=30, horizon_days=7, method="profile_level")

    assert with_gaps.closed_days == ()
    assert sum(with_gaps.daily_totals().values()) == pytest.approx(
        sum(full.daily_totals().values()), rel=0.03
    )


def test_missing_intervals_inside_open_hours_are_scaled_not_zeroed() -> None:
    series = synth(days=8 * 7, seed=7, noise=False)
    rng = np.random.default_rng(7)
    stamps = sorted(series)
    dropped = {stamps[i] for i in rng.choice(len(stamps), size=len(stamps) // 10, replace=False)}
    gappy = {k: v for k, v in series.items() if k not in dropped}

    result = forecast.forecast_volume(gappy, interval_minutes=30, horizon_days=7, method="profile_level")

    for day, total in result.daily_totals().items():
        truth = expected_day(day, start=date(2024, 1, 1), level=2000, trend=0, factors=WEEKDAY_FACTORS)
        assert total == pytest.approx(truth, rel=0.03)
    assert len(result.points) == 7 * 28


# --- holidays --------------------------------------------------------------------------------


def test_china_calendar_marks_holidays_and_adjusted_workdays() -> None:
    calendar = forecast.china_calendar(date(2024, 9, 1), date(2024, 10, 31))

    assert date(2024, 10, 1) in calendar.holidays
    assert date(2024, 10, 5) in calendar.holidays  # a weekend inside Golden Week
    assert date(2024, 9, 29) in calendar.workdays  # Sunday worked (调休)
    assert date(2024, 9, 22) not in calendar.holidays  # an ordinary Sunday
    assert calendar.kind(date(2024, 10, 2)) == forecast.HOLIDAY
    assert calendar.kind(date(2024, 10, 12)) == forecast.WORKDAY
    assert forecast.china_calendar(date(2003, 1, 1), date(2003, 12, 31)) == forecast.DayCalendar()


def holiday_series(
    *, holiday_factor: float | None, closed_weekdays: Iterable[int] = ()
) -> dict[datetime, float]:
    """Mid-2024 history: holidays at `holiday_factor` × an average day (None = closed), 调休 as Monday."""
    start, end = date(2024, 5, 6), date(2024, 9, 27)
    calendar = forecast.china_calendar(start, end)
    multiplier: dict[date, float] = {}
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        if day in calendar.holidays:
            multiplier[day] = (
                0.0 if holiday_factor is None else holiday_factor / WEEKDAY_FACTORS[day.weekday()]
            )
        elif day in calendar.workdays:
            multiplier[day] = WEEKDAY_FACTORS[0] / WEEKDAY_FACTORS[day.weekday()]
    return synth(
        start=start,
        days=(end - start).days + 1,
        day_multiplier=multiplier,
        closed_weekdays=closed_weekdays,
        open_days=calendar.workdays,
        seed=8,
    )


def test_holidays_and_adjusted_workdays_change_the_forecast() -> None:
    series = holiday_series(holiday_factor=0.4)
    calendar = forecast.china_calendar(date(2024, 5, 1), date(2024, 10, 31))

    aware = forecast.forecast_volume(
        series, interval_minutes=30, horizon_days=15, calendar=calendar
    ).daily_totals()
    plain = forecast.forecast_volume(series, interval_minutes=30, horizon_days=15).daily_totals()

    level = 2000.0
    for day in (date(2024, 10, d) for d in range(1, 8)):
        assert aware[day] == pytest.approx(0.4 * level, rel=0.12), day
        assert plain[day] > 1.2 * aware[day]
    assert aware[date(2024, 9, 29)] == pytest.approx(WEEKDAY_FACTORS[0] * level, rel=0.1)  # Sunday worked
    assert aware[date(2024, 10, 12)] == pytest.approx(WEEKDAY_FACTORS[0] * level, rel=0.1)  # Saturday worked
    assert plain[date(2024, 10, 12)] < 0.75 * aware[date(2024, 10, 12)]  # blind: an ordinary Saturday


def test_closed_on_holidays_forecasts_no_intervals_but_opens_adjusted_workdays() -> None:
    series = holiday_series(holiday_factor=None, closed_weekdays=(5, 6))
    calendar = forecast.china_calendar(date(2024, 5, 1), date(2024, 10, 31))

    result = forecast.forecast_volume(series, interval_minutes=30, horizon_days=15, calendar=calendar)

    open_days = {k.date() for k, _ in result.points}
    assert not open_days & {date(2024, 10, d) for d in range(1, 8)}
    assert date(2024, 9, 29) in open_days and date(2024, 10, 12) in open_days
    assert date(2024, 9, 28) not in open_days  # an ordinary Saturday stays closed


def test_without_holidays_in_history_a_holiday_is_forecast_like_a_sunday() -> None:
    series = synth(start=date(2024, 6, 24), days=13 * 7, seed=9)  # ends 2024-09-22, before any holiday
    calendar = forecast.DayCalendar(holidays=frozenset({date(2024, 9, 25)}))

    totals = forecast.forecast_volume(
        series, interval_minutes=30, horizon_days=7, calendar=calendar, method="profile_level"
    ).daily_totals()

    assert totals[date(2024, 9, 25)] == pytest.approx(totals[date(2024, 9, 29)], rel=0.05)


# --- campaigns -------------------------------------------------------------------------------


def test_declared_campaign_multiplies_its_days() -> None:
    series = synth(days=8 * 7, seed=10)
    promo = forecast.Campaign(start=date(2024, 3, 1), end=date(2024, 3, 3), multiplier=1.5, name="38节")

    base = forecast.forecast_volume(series, interval_minutes=30, horizon_days=7).daily_totals()
    boosted = forecast.forecast_volume(
        series, interval_minutes=30, horizon_days=7, campaigns=[promo]
    ).daily_totals()

    for day, total in boosted.items():
        assert total == pytest.approx(base[day] * (1.5 if promo.covers(day) else 1.0))


def test_campaign_uplift_is_learned_from_marked_history() -> None:
    start = date(2024, 1, 1)
    promo_days = {start + timedelta(days=d): "618" for d in (30, 31, 32, 58, 59, 60)}
    series = synth(start=start, days=10 * 7, day_multiplier=dict.fromkeys(promo_days, 2.0), seed=11)
    upcoming = forecast.Campaign(start=date(2024, 3, 12), end=date(2024, 3, 13), name="618")

    result = forecast.forecast_volume(
        series, interval_minutes=30, horizon_days=7, campaigns=[upcoming], past_campaigns=promo_days
    )

    assert result.campaign_uplift["618"] == pytest.approx(2.0, rel=0.08)
    assert result.campaign_uplift["*"] == pytest.approx(2.0, rel=0.08)
    for day, total in result.daily_totals().items():
        truth = expected_day(day, start=start, level=2000, trend=0, factors=WEEKDAY_FACTORS)
        assert total == pytest.approx(truth * (2.0 if upcoming.covers(day) else 1.0), rel=0.1), day


def test_campaign_without_multiplier_needs_history_to_learn_from() -> None:
    upcoming = forecast.Campaign(start=date(2024, 1, 30), end=date(2024, 1, 30))
    with pytest.raises(ValueError, match="no multiplier"):
        forecast.forecast_volume(synth(days=28), interval_minutes=30, horizon_days=7, campaigns=[upcoming])
    later = forecast.Campaign(start=date(2024, 3, 1), end=date(2024, 3, 1))  # outside the horizon: ignored
    assert forecast.forecast_volume(synth(days=28), interval_minutes=30, horizon_days=7, campaigns=[later])


def test_bad_arguments_raise_value_errors() -> None:
    series = synth(days=28)
    with pytest.raises(ValueError, match="horizon_days"):
        forecast.forecast_volume(series, interval_minutes=30, horizon_days=0)
    with pytest.raises(ValueError, match="unknown method"):
        forecast.forecast_volume(series, interval_minutes=30, horizon_days=7, method="prophet")
    with pytest.raises(ValueError, match="at least 7"):
        forecast.forecast_volume(synth(days=3), interval_minutes=30, horizon_days=7)
    with pytest.raises(ValueError, match="ends before"):
        forecast.Campaign(start=date(2024, 3, 2), end=date(2024, 3, 1), multiplier=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.integers(min_value=7, max_value=40),
    level=st.floats(min_value=0.5, max_value=5000),
    closed=st.sets(st.integers(min_value=0, max_value=6), max_size=3),
    horizon=st.integers(min_value=1, max_value=20),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_forecasts_are_finite_non_negative_and_on_open_intervals(
    days: int, level: float, closed: set[int], horizon: int, seed: int
) -> None:
    series = synth(days=days, level=level, closed_weekdays=closed, seed=seed, interval=60)
    if len({k.date() for k in series}) < 2:
        return
    try:
        result = forecast.forecast_volume(series, interval_minutes=60, horizon_days=horizon)
    except ValueError as exc:  # histories shorter than a week after closed days are trimmed
        assert "at least 7" in str(exc)
        return
    open_hours = {k.hour for k in series}
    for stamp, value in result.points:
        assert math.isfinite(value) and value >= 0
        assert stamp.hour in open_hours
        assert stamp.date() >= result.first_day


# --- the bank call-centre data ---------------------------------------------------------------


def shared_data() -> Path:
    configured = os.environ.get("KEFU_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[4] / ".." / "shared" / "data"


BANK = shared_data() / "bank_calls_5min_train.csv"


@pytest.mark.skipif(not BANK.is_file(), reason=f"bank call data not found at {BANK} (set KEFU_SHARED_DATA)")
@pytest.mark.parametrize("interval", [5, 15])
def test_bank_calls_two_weeks_ahead_beat_seasonal_naive_by_15_percent(interval: int) -> None:
    history = history_import.aggregate(history_import.load_history(BANK), interval)
    series = history.offered()
    train, test = split(series, history.last_day - timedelta(days=13))  # the final two weeks

    result = forecast.forecast_volume(
        train, interval_minutes=interval, horizon_days=14, calendar=forecast.DayCalendar()
    )

    model_wape, baseline_wape = held_out_wape(result, test), naive_wape(train, test)
    assert model_wape <= 0.85 * baseline_wape, (result.method, model_wape, baseline_wape)
    assert result.backtest is not None
    assert result.backtest.improvement_vs_seasonal_naive >= 0.15
    assert result.backtest.mase < 1
    assert len(result.points) == 10 * len({k.time() for k in test})  # weekends closed


# --- seat estimate (capacity.py) ---------------------------------------------------------------


def test_estimate_seats_uses_documented_defaults() -> None:
    estimate = capacity.estimate_seats(800, service_hours=8)

    assert estimate.per_seat_daily_capacity == pytest.approx(128)  # 20 chats/h × 8 h × 80 %
    assert estimate.workload_seats == pytest.approx(6.25)
    assert estimate.peak_online == 10  # 100/h × 1.5 peak / 16 per online hour
    assert estimate.seats == 10
    assert estimate.campaign_seats == 10 and estimate.average_seats == 10


def test_estimate_seats_for_campaigns_and_long_service_hours() -> None:
    estimate = capacity.estimate_seats(
        1280, campaign_multiplier=2.0, campaign_days_per_month=6, service_hours=15, peak_factor=1.0
    )

    assert estimate.seats == 10  # workload: 1280 / 128
    assert estimate.campaign_seats == 20
    assert estimate.average_seats == pytest.approx((24 * 10 + 6 * 20) / 30)
    tiny = capacity.estimate_seats(5, service_hours=16)
    assert tiny.seats == tiny.coverage_seats == 2  # someone online for 16 hours needs two shifts


def test_estimate_seats_accepts_a_measured_capacity_and_rejects_nonsense() -> None:
    assert capacity.estimate_seats(600, per_seat_daily_capacity=200, peak_factor=1.0).seats == 3
    with pytest.raises(ValueError, match="negative"):
        capacity.estimate_seats(-1)
    with pytest.raises(ValueError, match="occupancy"):
        capacity.estimate_seats(100, occupancy=0)


def test_interval_grid_offset_is_kept() -> None:
    series = {k + timedelta(minutes=5): v for k, v in synth(days=21, interval=15, seed=12).items()}

    result = forecast.forecast_volume(series, interval_minutes=15, horizon_days=1)

    assert {k.minute % 15 for k, _ in result.points} == {5}
    assert result.points[0][0] == datetime(2024, 1, 22, 8, 5)
