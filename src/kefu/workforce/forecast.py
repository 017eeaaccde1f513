"""Contact-volume forecasting per interval, with a rolling-origin backtest (pure numpy, no Django).

The model splits volume into a *daily total* and an *intraday profile*, the classic
call-centre decomposition: a day's total is smoother and carries the weekly pattern, the
trend, holidays and campaigns; the profile (share of the day per interval, per weekday)
is stable from week to week and is estimated from recent weeks.

History is a grid of calendar days × intervals of the day, with NaN where there is no
row. A weekday (or holiday kind) that has no rows in most of its recent occurrences is
*closed*; an occasional day with no rows on an open weekday is *missing*. Missing days
and closed hours are left out of every estimate, never read as zeros.

Day kinds: weekdays 0–6, plus `HOLIDAY` (statutory holiday) and `WORKDAY` (a weekend day
turned into a workday, 调休) when a `DayCalendar` is given. Holiday and campaign days are
kept out of the weekly pattern and the level; their own factor (ratio to the local level)
is learned from past occurrences, or falls back to Sunday (holiday) or the average
weekday (adjusted workday).

Methods (`METHODS`), each producing daily totals × the same profiles except the naive one:
- `seasonal_naive`: the same interval one week earlier (the baseline for MASE and WAPE).
- `profile_level`: recency-weighted weekday factors × a level with a damped linear trend.
- `holt_winters`: exponential smoothing of daily totals (level, damped trend, weekly
  multiplicative season) over calendar days, parameters by one-step error on a small grid.
- `median_profile`: median of the last weeks' same-weekday totals (robust to outliers).
- `combined`: the mean of `profile_level` and `holt_winters` (forecast averaging is
  reliably at least as good as its better member).

`forecast_volume(method="auto")` backtests each method on rolling origins and keeps the
one with the lowest WAPE.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

HOLIDAY = 7  # day kind of a statutory holiday
WORKDAY = 8  # day kind of an adjusted workday on a weekend (调休上班)
_KINDS = 9
_WEEKDAYS = range(7)

METHODS = ("seasonal_naive", "profile_level", "holt_winters", "median_profile", "combined")
AUTO = "auto"
_BASELINE = "baseline"  # seasonal naive as the yardstick (no calendar, no campaigns)

MIN_HISTORY_DAYS = 7
_MIN_TRAIN_DAYS = 21  # shortest training window of a backtest fold
_MAX_BACKTEST_HORIZON = 28

# Estimation settings (tuned on the bank call data and synthetic series; see docs/workforce-forecast.md).
_OPEN_RECENT = 6  # a day kind is open if it had rows in at least half of its last 6 occurrences
_SLOTS_RECENT = 8  # an interval is open if it had rows on at least half of the last 8 open days
_PROFILE_HALF_LIFE_WEEKS = 6.0
_PROFILE_POOL_DAYS = 6.0  # shrink a weekday's profile toward the pooled one by this many days' weight
_PROFILE_GROUPS = {k: (0, 1, 2, 3, 4) for k in range(5)} | {5: (5, 6), 6: (5, 6)}  # pooled shapes
_FACTOR_HALF_LIFE_WEEKS = 8.0
_LEVEL_WINDOW_DAYS = 112
_LEVEL_HALF_LIFE_DAYS = 14.0
_TREND_T = 3.0  # t-statistic a slope needs before it is extrapolated
_TREND_DAMPING = 0.97  # per day; a trend fades to ~1/(1-φ) ≈ 33 days' worth
_LOCAL_LEVEL_RADIUS = 7
_MEDIAN_WEEKS = 5


# --- public types --------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCalendar:
    """Statutory holidays and adjusted workdays; empty means plain weekdays (any country)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def kind(self, day: date) -> int:
        if day in self.holidays:
            return HOLIDAY
        if day in self.workdays:
            return WORKDAY
        return day.weekday()


@dataclass(frozen=True)
class Campaign:
    """A promotion over [start, end] (inclusive); `multiplier=None` means learn it from history."""

    start: date
    end: date
    multiplier: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"campaign {self.name or ''} ends before it starts".replace("  ", " "))
        if self.multiplier is not None and not (self.multiplier > 0 and math.isfinite(self.multiplier)):
            raise ValueError("campaign multiplier must be a positive number")

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Accuracy:
    """Rolling-origin backtest of one method against the seasonal-naive baseline (same folds)."""

    method: str
    wape: float
    mape: float
    mase: float
    baseline_wape: float
    baseline_mape: float
    improvement_vs_seasonal_naive: float  # 1 − wape / baseline_wape
    folds: int
    horizon_days: int
    intervals: int

    def as_dict(self) -> dict[str, float | int | str]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Forecast:
    """Forecast offered volume per open interval of the horizon."""

    method: str
    interval_minutes: int
    first_day: date
    horizon_days: int
    points: tuple[tuple[datetime, float], ...]
    backtest: Accuracy | None
    candidates: Mapping[str, Accuracy] = field(default_factory=dict)
    campaign_uplift: Mapping[str, float] = field(default_factory=dict)
    closed_days: tuple[date, ...] = ()

    def daily_totals(self) -> dict[date, float]:
        totals: dict[date, float] = {}
        for start, value in self.points:
            totals[start.date()] = totals.get(start.date(), 0.0) + value
        return totals


def china_calendar(first: date, last: date) -> DayCalendar:
    """Chinese statutory holidays and adjusted workdays between two dates (chinese_calendar data).

    Years the package has no data for are treated as plain weekdays rather than failing,
    so old or far-future history still forecasts.
    """
    import chinese_calendar  # local: keep import of the pure module cheap

    holidays: set[date] = set()
    workdays: set[date] = set()
    day = first
    while day <= last:
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            day = date(day.year + 1, 1, 1)
            continue
        if is_holiday and name is not None:
            holidays.add(day)
        elif not is_holiday and day.weekday() >= 5:
            workdays.add(day)
        day += timedelta(days=1)
    return DayCalendar(frozenset(holidays), frozenset(workdays))


# --- metrics -------------------------------------------------------------------------------


def wape(actual: Sequence[float] | np.ndarray, forecast: Sequence[float] | np.ndarray) -> float:
    """Weighted absolute percentage error: Σ|error| / Σ actual (robust to zero intervals)."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    total = a.sum()
    return float(np.abs(a - f).sum() / total) if total > 0 else math.nan


def mape(actual: Sequence[float] | np.ndarray, forecast: Sequence[float] | np.ndarray) -> float:
    """Mean absolute percentage error over intervals with a non-zero actual."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    nonzero = a > 0
    return float(np.mean(np.abs(a[nonzero] - f[nonzero]) / a[nonzero])) if nonzero.any() else math.nan


# A forecast is "too small to be meaningful" when random arrivals alone would put even a perfect
# forecast of the expected volume this far off, per interval. Arrivals are Poisson: with λ expected
# contacts in an interval, the count misses λ by E|X − λ| ≈ √(2λ/π) on average, so the best
# possible WAPE at λ per interval is about √(2/(πλ)): 80 % at 1 contact per interval, 25 % at 10.
# Above 25 % the interval-level figures (and Erlang heads built on them) are mostly noise; a
# daily total or a longer interval is the honest unit then.
NOISE_WAPE_LIMIT = 0.25


def poisson_mean_absolute_deviation(expected: float) -> float:
    """E|X − λ| of a Poisson count with mean λ, exactly: 2·e^(−λ)·λ^(⌊λ⌋+1)/⌊λ⌋!."""
    if not expected > 0:
        return 0.0
    k = math.floor(expected)
    log_value = math.log(2.0) - expected + (k + 1) * math.log(expected) - math.lgamma(k + 1)
    return math.exp(log_value)


def noise_wape(expected: Iterable[float]) -> float:
    """The WAPE a perfect forecast of these expected counts would still score, from Poisson noise
    alone (Σ E|X − λ| ÷ Σ λ); NaN without volume. The floor no method can beat."""
    values = [v for v in expected if math.isfinite(v) and v > 0]
    total = sum(values)
    if total <= 0:
        return math.nan
    return sum(poisson_mean_absolute_deviation(v) for v in values) / total


def too_few_contacts(expected: Iterable[float]) -> bool:
    """Whether a series is too small to forecast per interval meaningfully (see NOISE_WAPE_LIMIT)."""
    floor = noise_wape(expected)
    return math.isnan(floor) or floor > NOISE_WAPE_LIMIT


def seasonal_naive_scale(values: np.ndarray, lag: int) -> float:
    """In-sample MAE of the naive forecast `lag` steps back: the MASE denominator."""
    v = np.asarray(values, dtype=float)
    diffs = np.abs(v[lag:] - v[:-lag])
    diffs = diffs[np.isfinite(diffs)]
    return float(diffs.mean()) if diffs.size else math.nan


# --- entry points --------------------------------------------------------------------------


def forecast_volume(
    offered: Mapping[datetime, float],
    *,
    interval_minutes: int,
    horizon_days: int,
    calendar: DayCalendar | None = None,
    campaigns: Iterable[Campaign] = (),
    past_campaigns: Mapping[date, str] | None = None,
    method: str = AUTO,
    backtest_folds: int = 4,
    first_day: date | None = None,
) -> Forecast:
    """Forecast every open interval of `horizon_days` days starting the day after the history.

    `offered` maps interval starts to offered contacts (absent = no data / closed).
    `past_campaigns` marks history days that had a campaign (name per day) so they neither
    distort the baseline nor go unlearned. With `method="auto"` each method is backtested
    and the lowest-WAPE one is used; `backtest_folds=0` skips the backtest.
    """
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    if method != AUTO and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join((AUTO, *METHODS))}")
    calendar = calendar or DayCalendar()
    history = _History.build(offered, interval_minutes, calendar, past_campaigns or {})
    start = first_day or history.first + timedelta(days=history.n_days)
    if start <= history.last:
        raise ValueError("the forecast must start after the last day of history")

    candidates = METHODS if method == AUTO else (method,)
    scores: dict[str, Accuracy] = {}
    if backtest_folds > 0:
        scores = _backtest_all(history, candidates, calendar, horizon_days, backtest_folds)
    if method == AUTO:
        chosen = min(scores, key=lambda m: scores[m].wape) if scores else "profile_level"
    else:
        chosen = method

    days = [start + timedelta(days=i) for i in range(horizon_days)]
    campaign_list = list(campaigns)
    model = _Model(history)
    multipliers = _campaign_multipliers(days, campaign_list, model.uplift, strict=True)
    grid = model.predict(chosen, days, [calendar.kind(d) for d in days], multipliers)
    points: list[tuple[datetime, float]] = []
    closed: list[date] = []
    for i, day in enumerate(days):
        row = grid[i]
        open_slots = np.flatnonzero(np.isfinite(row))
        if open_slots.size == 0:
            closed.append(day)
        grid_start = datetime.combine(day, time()) + timedelta(minutes=history.offset)
        points.extend(
            (grid_start + timedelta(minutes=int(s) * interval_minutes), float(row[s])) for s in open_slots
        )
    return Forecast(
        method=chosen,
        interval_minutes=interval_minutes,
        first_day=start,
        horizon_days=horizon_days,
        points=tuple(points),
        backtest=scores.get(chosen),
        candidates=scores,
        campaign_uplift=dict(model.uplift),
        closed_days=tuple(closed),
    )


def backtest(
    offered: Mapping[datetime, float],
    *,
    interval_minutes: int,
    horizon_days: int,
    method: str,
    calendar: DayCalendar | None = None,
    past_campaigns: Mapping[date, str] | None = None,
    folds: int = 4,
) -> Accuracy | None:
    """Rolling-origin backtest of one method; None when the history is too short for a fold."""
    calendar = calendar or DayCalendar()
    history = _History.build(offered, interval_minutes, calendar, past_campaigns or {})
    return _backtest_all(history, (method,), calendar, horizon_days, folds).get(method)


# --- the history grid ----------------------------------------------------------------------


@dataclass
class _History:
    first: date
    interval: int
    offset: int  # minutes past the interval grid (a 15-minute grid starting at 07:05 has 5)
    values: np.ndarray  # (days, slots of the day); NaN = no row
    kinds: np.ndarray  # (days,) day kind 0..8
    campaign: list[str | None]  # per day

    @property
    def n_days(self) -> int:
        return int(self.values.shape[0])

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.n_days - 1)

    @classmethod
    def build(
        cls,
        offered: Mapping[datetime, float],
        interval: int,
        calendar: DayCalendar,
        past_campaigns: Mapping[date, str],
    ) -> _History:
        if interval <= 0 or 1440 % interval:
            raise ValueError("interval_minutes must divide a day")
        if not offered:
            raise ValueError("no history to forecast from")
        first = min(offered).date()
        last = max(offered).date()
        n_days = (last - first).days + 1
        if n_days < MIN_HISTORY_DAYS:
            raise ValueError(f"history covers {n_days} days; at least {MIN_HISTORY_DAYS} are needed")
        values = np.full((n_days, 1440 // interval), np.nan)
        offsets = Counter((start.hour * 60 + start.minute) % interval for start in offered)
        offset = offsets.most_common(1)[0][0]
        for start, value in offered.items():
            minute = start.hour * 60 + start.minute - offset
            slot = minute // interval
            day = (start.date() - first).days
            values[day, slot] = (0.0 if np.isnan(values[day, slot]) else values[day, slot]) + value
        days = [first + timedelta(days=i) for i in range(n_days)]
        kinds = np.array([calendar.kind(d) for d in days])
        return cls(first, interval, offset, values, kinds, [past_campaigns.get(d) for d in days])

    def head(self, n_days: int) -> _History:
        return _History(
            self.first,
            self.interval,
            self.offset,
            self.values[:n_days],
            self.kinds[:n_days],
            self.campaign[:n_days],
        )


# --- the model -----------------------------------------------------------------------------


class _Model:
    """Everything estimated once from a history: opening pattern, profiles, totals, factors."""

    def __init__(self, history: _History) -> None:
        self.h = history
        values = history.values
        self.n_days, self.n_slots = values.shape
        self.observed = np.isfinite(values)
        self.day_observed = self.observed.any(axis=1)
        self.age_weeks = (self.n_days - 1 - np.arange(self.n_days)) / 7.0
        self._opening()
        self._profiles_and_totals()
        self._factors()
        self._special_factors()
        self._uplift()
        self._fit_level()
        self._hw: tuple[float, float, np.ndarray] | None = None

    # opening pattern: which day kinds and which intervals of each are open
    def _opening(self) -> None:
        kinds = self.h.kinds
        self.known = np.zeros(_KINDS, dtype=bool)
        self.open = np.zeros(_KINDS, dtype=bool)
        self.slots = np.zeros((_KINDS, self.n_slots), dtype=bool)
        for k in range(_KINDS):
            occurrences = np.flatnonzero(kinds == k)
            if occurrences.size == 0:
                continue
            self.known[k] = True
            self.open[k] = self.day_observed[occurrences[-_OPEN_RECENT:]].mean() >= 0.5
            seen = occurrences[self.day_observed[occurrences]][-_SLOTS_RECENT:]
            if seen.size:
                self.slots[k] = self.observed[seen].mean(axis=0) >= 0.5
        normal_open = [k for k in _WEEKDAYS if self.open[k]]
        if not self.known[HOLIDAY]:  # no holiday in history: a holiday behaves like a Sunday
            ref = self._rest_day_reference()
            self.open[HOLIDAY] = ref is not None and self.open[ref]
            if ref is not None:
                self.slots[HOLIDAY] = self.slots[ref]
        if not self.known[WORKDAY]:
            self.open[WORKDAY] = bool(normal_open) and sum(self.open[k] for k in range(5)) >= 3
            if self.open[WORKDAY]:
                self.slots[WORKDAY] = self.slots[[k for k in range(5) if self.open[k]]].mean(axis=0) >= 0.5

    def _rest_day_reference(self) -> int | None:
        for k in (6, 5):
            if self.known[k] and self.open[k]:
                return k
        return 6 if self.known[6] else (5 if self.known[5] else None)

    def _profiles_and_totals(self) -> None:
        """Per-kind intraday share profiles and day totals (missing intervals scaled up), iterated."""
        values, kinds = self.h.values, self.h.kinds
        n_open = self.slots[kinds].sum(axis=1)
        in_slots = self.observed & self.slots[kinds]
        n_seen = in_slots.sum(axis=1)
        raw = np.where(in_slots, values, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            totals = np.where(n_seen >= 0.5 * n_open, raw * n_open / n_seen, np.nan)
        totals[n_open == 0] = np.nan
        campaign = np.array([c is not None for c in self.h.campaign])
        self.profile = np.zeros((_KINDS, self.n_slots))
        weights = 0.5 ** (self.age_weeks / _PROFILE_HALF_LIFE_WEEKS)
        for _ in range(2):
            usable = np.isfinite(totals) & (totals > 0)
            raw_profile: dict[int, tuple[np.ndarray, float]] = {}
            for k in range(_KINDS):
                rows = np.flatnonzero(usable & (kinds == k) & ~(campaign & (k < 7)))
                if rows.size == 0:
                    continue
                shares = np.where(in_slots[rows], values[rows] / totals[rows, None], 0.0)
                w = weights[rows, None] * in_slots[rows]
                with np.errstate(divide="ignore", invalid="ignore"):
                    mean = np.where(w.sum(axis=0) > 0, (w * shares).sum(axis=0) / w.sum(axis=0), 0.0)
                raw_profile[k] = (_normalise(np.where(self.slots[k], mean, 0.0)), float(weights[rows].sum()))
            for k, (own, n_eff) in raw_profile.items():
                group = _PROFILE_GROUPS.get(k, (k,))
                pooled = sum(
                    (raw_profile[g][0] * raw_profile[g][1] for g in group if g in raw_profile),
                    np.zeros(self.n_slots),
                )
                pooled = _normalise(np.where(self.slots[k], pooled, 0.0))
                m = _PROFILE_POOL_DAYS if len(group) > 1 else 0.0
                self.profile[k] = _normalise((n_eff * own + m * pooled) / (n_eff + m))
            self._fill_missing_profiles()
            covered = np.where(in_slots, self.profile[kinds], 0.0).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                totals = np.where(covered >= 0.5, raw / covered, np.nan)
            totals[n_open == 0] = np.nan
        self.totals = totals

    def _fill_missing_profiles(self) -> None:
        weekday_mean = _normalise(self.profile[[k for k in range(5) if self.open[k]] or [0]].mean(axis=0))
        ref = self._rest_day_reference()
        for k in range(_KINDS):
            if self.profile[k].sum() > 0 or not self.slots[k].any():
                continue
            if k == HOLIDAY and ref is not None and self.profile[ref].sum() > 0:
                source = self.profile[ref]
            elif k == WORKDAY or weekday_mean.sum() > 0:
                source = weekday_mean
            else:
                source = np.ones(self.n_slots)
            self.profile[k] = _normalise(np.where(self.slots[k], source, 0.0))
            if self.profile[k].sum() == 0:
                self.profile[k] = _normalise(self.slots[k].astype(float))

    def _factors(self) -> None:
        """Weekday factors (mean 1 over open weekdays) and each day's local level."""
        kinds = self.h.kinds
        campaign = np.array([c is not None for c in self.h.campaign])
        self.normal = np.isfinite(self.totals) & (kinds < 7) & ~campaign & self.open[kinds]
        weights = 0.5 ** (self.age_weeks / _FACTOR_HALF_LIFE_WEEKS)
        factor = np.ones(_KINDS)
        open_weekdays = [k for k in _WEEKDAYS if self.open[k]]
        for _ in range(3):
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(self.normal, self.totals / factor[kinds], np.nan)
            self.local_level = _centred_mean(z, _LOCAL_LEVEL_RADIUS)
            ratio = self.totals / self.local_level
            for k in open_weekdays:
                rows = self.normal & (kinds == k) & np.isfinite(ratio)
                if rows.any():
                    factor[k] = float(np.average(ratio[rows], weights=weights[rows]))
            if open_weekdays:
                factor[open_weekdays] /= factor[open_weekdays].mean()
        self.factor = factor
        with np.errstate(divide="ignore", invalid="ignore"):
            self.z = np.where(self.normal & (factor[kinds] > 0), self.totals / factor[kinds], np.nan)
        self.local_level = _centred_mean(self.z, _LOCAL_LEVEL_RADIUS)

    def _special_factors(self) -> None:
        kinds = self.h.kinds
        campaign = np.array([c is not None for c in self.h.campaign])
        for k in (HOLIDAY, WORKDAY):
            rows = (kinds == k) & np.isfinite(self.totals) & ~campaign
            ratios = (self.totals / self.local_level)[rows]
            ratios = ratios[np.isfinite(ratios)]
            if ratios.size:
                self.factor[k] = float(np.median(ratios))
            elif k == HOLIDAY:
                ref = self._rest_day_reference()
                self.factor[k] = self.factor[ref] if ref is not None else 1.0
            else:
                open_weekdays = [d for d in range(5) if self.open[d]]
                self.factor[k] = float(self.factor[open_weekdays].mean()) if open_weekdays else 1.0

    def _uplift(self) -> None:
        """Campaign uplift: a past campaign day's total over what a normal day would have been."""
        by_name: dict[str, list[float]] = {}
        for d, name in enumerate(self.h.campaign):
            if name is None:
                continue
            expected = self.local_level[d] * self.factor[self.h.kinds[d]]
            if np.isfinite(self.totals[d]) and np.isfinite(expected) and expected > 0:
                by_name.setdefault(name, []).append(float(self.totals[d] / expected))
        self.uplift: dict[str, float] = {name: float(np.median(v)) for name, v in by_name.items()}
        if by_name:
            self.uplift["*"] = float(np.median([x for v in by_name.values() for x in v]))

    # daily-total models
    def _fit_level(self) -> None:
        """Level at the last day and daily slope: recency-weighted linear fit of deseasonalised totals."""
        t = np.arange(self.n_days, dtype=float)
        rows = np.flatnonzero(np.isfinite(self.z) & (t >= self.n_days - _LEVEL_WINDOW_DAYS))
        if rows.size == 0:
            self.level, self.slope = 0.0, 0.0
            return
        x = t[rows] - (self.n_days - 1)
        w = 0.5 ** (-x / _LEVEL_HALF_LIFE_DAYS)
        y = self.z[rows]
        intercept, slope = float(np.average(y, weights=w)), 0.0
        if rows.size >= 10 and np.ptp(x) >= 14:
            fitted_slope, fitted_intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
            residuals = y - (fitted_intercept + fitted_slope * x)
            dof = max(rows.size - 2, 1)
            sigma2 = float(np.sum(w * residuals**2) / np.sum(w) * rows.size / dof)
            x_mean = np.average(x, weights=w)
            se = math.sqrt(sigma2 / max(float(np.sum(w * (x - x_mean) ** 2) / np.sum(w) * rows.size), 1e-12))
            if abs(fitted_slope) > _TREND_T * se:  # keep a trend only when the data insist on it
                intercept, slope = float(fitted_intercept), float(fitted_slope)
        self.level, self.slope = float(intercept), float(slope)

    def _holt_winters(self) -> tuple[float, float, np.ndarray]:
        """Level, trend and weekly factors by exponential smoothing; parameters by one-step error."""
        if self._hw is None:
            runs = [
                self._hw_run(alpha, beta, gamma)
                for alpha in (0.1, 0.2, 0.35, 0.5)
                for beta in (0.0, 0.02, 0.08)
                for gamma in (0.02, 0.08, 0.2)
            ]
            self._hw = min(runs, key=lambda run: run[0])[1]
        return self._hw

    def _hw_run(
        self, alpha: float, beta: float, gamma: float
    ) -> tuple[float, tuple[float, float, np.ndarray]]:
        season = self.factor[:7].copy()
        normal_rows = np.flatnonzero(np.isfinite(self.z))
        if normal_rows.size == 0:
            return math.inf, (0.0, 0.0, season)
        level = float(np.nanmean(self.z[normal_rows[:10]]))
        trend = 0.0
        sse, counted = 0.0, 0
        kinds, totals, normal = self.h.kinds, self.totals, self.normal
        warmup = normal_rows[min(9, normal_rows.size - 1)]
        for d in range(self.n_days):
            previous = level
            if d > normal_rows[0]:  # one calendar day passes: the damped trend moves the level
                level, trend = level + _TREND_DAMPING * trend, _TREND_DAMPING * trend
            k = kinds[d]
            if not normal[d] or season[k] <= 0:
                continue  # missing, closed, holiday or campaign day: nothing to learn from
            predicted = level * season[k]
            y = totals[d]
            if d > warmup and predicted > 0:
                sse += ((y - predicted) / predicted) ** 2
                counted += 1
            new_level = alpha * y / season[k] + (1 - alpha) * level
            trend = beta * (new_level - previous) + (1 - beta) * trend
            level = new_level
            if level > 0:
                season[k] = gamma * y / level + (1 - gamma) * season[k]
        open_weekdays = [k for k in _WEEKDAYS if self.open[k]]
        if open_weekdays:
            season[open_weekdays] /= season[open_weekdays].mean()
        return (sse / counted if counted else math.inf), (level, trend, season)

    def _day_totals(self, method: str, steps: np.ndarray, kinds: Sequence[int]) -> np.ndarray:
        """Forecast total of each target day (before campaigns); steps = days after history end."""
        damp = np.array([_damped(int(s)) for s in steps])
        if method == "profile_level":
            level = self.level + self.slope * damp
            return np.maximum(level, 0.0) * self.factor[list(kinds)]
        if method == "holt_winters":
            hw_level, hw_trend, season = self._holt_winters()
            level = np.maximum(hw_level + hw_trend * damp, 0.0)
            factors = np.array([season[k] if k < 7 else self.factor[k] for k in kinds])
            return level * factors
        if method == "median_profile":
            out = np.empty(len(kinds))
            recent = self.z[np.isfinite(self.z)][-14:]
            base = float(np.median(recent)) if recent.size else 0.0
            for i, k in enumerate(kinds):
                same = self.totals[self.normal & (self.h.kinds == k)][-_MEDIAN_WEEKS:]
                out[i] = float(np.median(same)) if k < 7 and same.size else base * self.factor[k]
            return out
        if method == "combined":
            return 0.5 * (
                self._day_totals("profile_level", steps, kinds)
                + self._day_totals("holt_winters", steps, kinds)
            )
        raise ValueError(f"unknown method {method!r}")

    def predict(
        self, method: str, days: Sequence[date], kinds: Sequence[int], multipliers: np.ndarray
    ) -> np.ndarray:
        """(days × slots) forecast, NaN outside the open intervals of each day."""
        out = np.full((len(days), self.n_slots), np.nan)
        steps = np.array([(d - self.h.last).days for d in days])
        if method == "seasonal_naive":
            for i, d in enumerate(days):
                k = kinds[i]
                if self.open[k]:
                    naive = self.naive_day(d)
                    out[i, self.slots[k]] = naive[self.slots[k]] * multipliers[i]
            return out
        totals = self._day_totals(method, steps, kinds) * multipliers
        for i, k in enumerate(kinds):
            if self.open[k]:
                out[i, self.slots[k]] = totals[i] * self.profile[k][self.slots[k]]
        return out

    def naive_day(self, day: date) -> np.ndarray:
        """The same intervals one week earlier, going back further weeks where there is no data."""
        index = (day - self.h.first).days
        result = np.full(self.n_slots, np.nan)
        back = index - 7
        while back >= self.n_days:
            back -= 7
        while back >= 0 and np.isnan(result).any():
            row = self.h.values[back]
            fill = np.isnan(result) & np.isfinite(row)
            result[fill] = row[fill]
            back -= 7
        return np.nan_to_num(result, nan=0.0)


# --- backtest ------------------------------------------------------------------------------


def _backtest_all(
    history: _History, methods: Sequence[str], calendar: DayCalendar, horizon_days: int, folds: int
) -> dict[str, Accuracy]:
    """Rolling origins one week apart, the last fold ending on the last day of history."""
    horizon = min(horizon_days, _MAX_BACKTEST_HORIZON, history.n_days - _MIN_TRAIN_DAYS)
    if horizon < 1 or folds < 1:
        return {}
    errors: dict[str, list[np.ndarray]] = {m: [] for m in (*methods, _BASELINE)}
    actuals: list[np.ndarray] = []
    scaled: dict[str, list[np.ndarray]] = {m: [] for m in errors}
    used = 0
    for fold in range(folds):
        train_days = history.n_days - horizon - 7 * fold
        if train_days < _MIN_TRAIN_DAYS:
            break
        train = history.head(train_days)
        model = _Model(train)
        days = [train.last + timedelta(days=i + 1) for i in range(horizon)]
        kinds = [calendar.kind(d) for d in days]
        test_index = slice(train_days, train_days + horizon)
        actual = history.values[test_index]
        marked = history.campaign[test_index]
        multipliers = np.array(
            [(model.uplift.get(c, model.uplift.get("*", 1.0)) if c else 1.0) for c in marked]
        )
        mask = np.isfinite(actual)
        if not mask.any():
            continue
        scale = seasonal_naive_scale(train.values, 7)
        if not np.isfinite(scale) or scale <= 0:
            scale = float(np.nanmean(np.abs(train.values))) or 1.0
        actuals.append(actual[mask])
        for m in errors:
            if m == _BASELINE:  # the plain baseline: every interval, no calendar, no campaigns
                predicted = np.array([model.naive_day(d) for d in days])[mask]
            else:
                predicted = np.nan_to_num(model.predict(m, days, kinds, multipliers), nan=0.0)[mask]
            errors[m].append(predicted)
            scaled[m].append(np.abs(actual[mask] - predicted) / scale)
        used += 1
    if not used:
        return {}
    a = np.concatenate(actuals)
    base = np.concatenate(errors[_BASELINE])
    base_wape, base_mape = wape(a, base), mape(a, base)
    out = {}
    for m in methods:
        f = np.concatenate(errors[m])
        w = wape(a, f)
        out[m] = Accuracy(
            method=m,
            wape=w,
            mape=mape(a, f),
            mase=float(np.concatenate(scaled[m]).mean()),
            baseline_wape=base_wape,
            baseline_mape=base_mape,
            improvement_vs_seasonal_naive=(1 - w / base_wape) if base_wape > 0 else math.nan,
            folds=used,
            horizon_days=horizon,
            intervals=int(a.size),
        )
    return out


# --- helpers -------------------------------------------------------------------------------


def _campaign_multipliers(
    days: Sequence[date], campaigns: Sequence[Campaign], uplift: Mapping[str, float], *, strict: bool
) -> np.ndarray:
    """Multiplier per day; campaigns that overlap multiply. Unknown learned uplift fails if strict."""
    out = np.ones(len(days))
    for campaign in campaigns:
        if not any(campaign.covers(day) for day in days):
            continue
        multiplier = campaign.multiplier
        if multiplier is None:
            multiplier = uplift.get(campaign.name, uplift.get("*"))
            if multiplier is None:
                if strict:
                    raise ValueError(
                        f"campaign {campaign.name or campaign.start.isoformat()} has no multiplier and the "
                        "history marks no past campaign to learn one from"
                    )
                multiplier = 1.0
        for i, day in enumerate(days):
            if campaign.covers(day):
                out[i] *= multiplier
    return out


def _damped(steps: int) -> float:
    """Σ φ^i for i = 1..steps: how many days of trend a damped trend adds after `steps` days."""
    if steps <= 0:
        return 0.0
    return _TREND_DAMPING * (1 - _TREND_DAMPING**steps) / (1 - _TREND_DAMPING)


def _normalise(profile: np.ndarray) -> np.ndarray:
    total = profile.sum()
    return profile / total if total > 0 else profile


def _centred_mean(z: np.ndarray, radius: int) -> np.ndarray:
    """Mean of the finite values within ±radius days (NaN where there are none)."""
    finite = np.isfinite(z)
    values = np.concatenate([[0.0], np.cumsum(np.where(finite, z, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    idx = np.arange(z.size)
    lo, hi = np.maximum(idx - radius, 0), np.minimum(idx + radius + 1, z.size)
    n = counts[hi] - counts[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (values[hi] - values[lo]) / n, np.nan)
