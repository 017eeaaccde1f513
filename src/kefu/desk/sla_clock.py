"""Business-hours SLA clock: a pure core with no Django imports.

SLA targets (first response, next response, resolution) are agreed in *business*
time, so every deadline, breach and "time left" shown to agents goes through here.
The calendar is a plain value object; services build it from the client's settings.
See ``docs/sla-clock.md`` for the rules in prose.

Time is handled as integer microseconds since the Unix epoch internally, so sums are
exact and DST days simply have 23 or 25 hours: local opening hours are converted to
absolute instants per local date, then all arithmetic is on absolute time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DAY",
    "HolidayMode",
    "Hours",
    "Party",
    "ServiceCalendar",
    "SlaStatus",
    "SlaTargets",
    "SlaTimer",
    "TimeRange",
    "TimerEvent",
    "TimerKind",
    "add_business_seconds",
    "business_seconds_between",
    "day_kind",
    "is_open",
    "next_open",
    "parse_hours",
    "sla_timer",
]

DAY = 86_400
_US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A calendar that stays closed this long is misconfigured; stop instead of looping forever.
_MAX_CLOSED_DAYS = 3_660


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Opening range in seconds after local midnight; ``end`` may exceed 86400.

    ``end`` up to 86400 is "24:00". An ``end`` above 86400 is an overnight range
    (e.g. 22:00-02:00 is ``TimeRange(79200, 93600)``): the part after midnight is
    business time on the next local date.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < DAY and self.start < self.end <= self.start + DAY):
            raise ValueError(f"invalid time range {self.start}-{self.end}")

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``"09:00-24:00"``; an end not after the start means overnight."""
        m = re.fullmatch(
            r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*[-–~]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", text
        )
        if not m:
            raise ValueError(f"cannot parse time range {text!r}")
        h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in m.groups())
        if m1 > 59 or m2 > 59 or s1 > 59 or s2 > 59:
            raise ValueError(f"cannot parse time range {text!r}")
        start, end = h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2
        if end <= start:
            end += DAY
        return cls(start, end)

    def __str__(self) -> str:
        def fmt(s: int) -> str:
            return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")

        return f"{fmt(self.start)}-{fmt(self.end)}"


Hours = tuple[TimeRange, ...]
"""The opening ranges of one day; ``()`` means closed."""


def parse_hours(spec: str | Iterable[str | TimeRange]) -> Hours:
    """``"09:00-12:00, 13:00-24:00"`` (or a list of ranges) to ``Hours``; ``""`` is closed."""
    parts: Iterable[str | TimeRange]
    parts = [p for p in spec.split(",") if p.strip()] if isinstance(spec, str) else spec
    return tuple(p if isinstance(p, TimeRange) else TimeRange.parse(p) for p in parts)


class HolidayMode(StrEnum):
    """What a Chinese statutory holiday means for the service desk."""

    CLOSED = "closed"  # no business time on holidays
    SPECIAL = "special"  # ``holiday_hours`` apply
    WEEKLY = "weekly"  # holidays are ignored: the weekly pattern applies


@dataclass(frozen=True)
class ServiceCalendar:
    """A client's service hours: weekly pattern, Chinese holidays, explicit overrides.

    Precedence per local date: ``overrides`` > statutory holiday > adjusted workday
    (调休: a weekend day that is a working day takes the hours of
    ``adjusted_workday_as``) > ``weekly``. ``meal_breaks`` are cut out of every day
    unless ``covers_meals`` (the provider staffs through meals).
    """

    tz: str = "Asia/Shanghai"
    weekly: tuple[Hours, ...] = ((TimeRange(0, DAY),),) * 7  # Monday first; default 24×7
    chinese_holidays: bool = True
    holiday_mode: HolidayMode = HolidayMode.CLOSED
    holiday_hours: Hours = ()
    adjusted_workday_as: int = 0  # weekday whose hours an adjusted workday uses
    overrides: Mapping[date, Hours] = field(default_factory=dict)
    meal_breaks: Hours = ()
    covers_meals: bool = True
    _cache: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept strings ("09:00-18:00", "2025-12-31") wherever a config file would have them.
        setattr_ = object.__setattr__
        if len(self.weekly) != 7:
            raise ValueError("weekly needs 7 entries, Monday first")
        if not 0 <= self.adjusted_workday_as <= 6:
            raise ValueError("adjusted_workday_as must be a weekday number 0..6")
        setattr_(self, "weekly", tuple(parse_hours(h) for h in self.weekly))
        setattr_(self, "holiday_mode", HolidayMode(self.holiday_mode))
        setattr_(self, "holiday_hours", parse_hours(self.holiday_hours))
        setattr_(self, "meal_breaks", parse_hours(self.meal_breaks))
        overrides = {
            (date.fromisoformat(k) if isinstance(k, str) else k): parse_hours(v)
            for k, v in self.overrides.items()
        }
        setattr_(self, "overrides", MappingProxyType(overrides))  # read-only: day cache stays valid
        setattr_(self, "_zone", ZoneInfo(self.tz))  # fail early on a bad name

    @classmethod
    def daily(cls, hours: str | Iterable[str | TimeRange], **kwargs: object) -> ServiceCalendar:
        """Same hours every day of the week (the common 7×N outsourcing contract)."""
        h = parse_hours(hours)
        return cls(weekly=(h,) * 7, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def workweek(
        cls,
        hours: str | Iterable[str | TimeRange],
        weekend: str | Iterable[str | TimeRange] = "",
        **kwargs: object,
    ) -> ServiceCalendar:
        """Monday–Friday ``hours`` and Saturday–Sunday ``weekend`` (closed by default)."""
        h, w = parse_hours(hours), parse_hours(weekend)
        return cls(weekly=(h,) * 5 + (w,) * 2, **kwargs)  # type: ignore[arg-type]

    @property
    def zone(self) -> ZoneInfo:
        return self._zone  # type: ignore[attr-defined,no-any-return]

    # -- local hours per date -------------------------------------------------

    def hours_on(self, d: date) -> Hours:
        """The configured ranges that *start* on local date ``d`` (before meal breaks)."""
        if d in self.overrides:
            return self.overrides[d]
        kind = day_kind(d) if self.chinese_holidays else "regular"
        if kind == "holiday" and self.holiday_mode is not HolidayMode.WEEKLY:
            return self.holiday_hours if self.holiday_mode is HolidayMode.SPECIAL else ()
        if kind == "adjusted_workday":
            return self.weekly[self.adjusted_workday_as]
        return self.weekly[d.weekday()]

    def _local_ranges(self, d: date) -> list[tuple[int, int]]:
        """Merged open ranges of local date ``d`` in seconds within [0, 86400]."""
        raw: list[tuple[int, int]] = []
        for r in self.hours_on(d):
            raw.append((r.start, min(r.end, DAY)))
        for r in self.hours_on(d - timedelta(days=1)):
            if r.end > DAY:  # the overnight tail of yesterday's range
                raw.append((0, r.end - DAY))
        merged = _merge(raw)
        if not self.covers_meals and self.meal_breaks:
            cuts = [(b.start, min(b.end, DAY)) for b in self.meal_breaks]
            cuts += [(0, b.end - DAY) for b in self.meal_breaks if b.end > DAY]  # e.g. 23:30-00:30
            merged = _subtract(merged, _merge(cuts))
        return merged

    def _day(self, d: date) -> tuple[tuple[tuple[int, int], ...], int, int, int]:
        """(absolute intervals in µs, total µs, day start µs, next day start µs), cached."""
        key = ("d", d)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        intervals = []
        for a, b in self._local_ranges(d):
            ua, ub = self._local_us(d, a), self._local_us(d, b)
            if ub > ua:
                intervals.append((ua, ub))
        ivs = tuple(intervals)
        value = (ivs, sum(b - a for a, b in ivs), self._local_us(d, 0), self._local_us(d, DAY))
        self._cache[key] = value
        return value

    def _week_total(self, monday: date) -> int:
        key = ("w", monday)
        hit = self._cache.get(key)
        if hit is None:
            hit = sum(self._day(monday + timedelta(days=i))[1] for i in range(7))
            self._cache[key] = hit
        return hit  # type: ignore[return-value]

    def _local_us(self, d: date, second: int) -> int:
        """Local wall time (date + seconds, 86400 = next midnight) to epoch µs.

        zoneinfo's fold=0 keeps the mapping monotone across DST gaps and folds.
        """
        if second >= DAY:
            d, second = d + timedelta(days=second // DAY), second % DAY
        local = datetime.combine(d, time(second // 3600, second % 3600 // 60, second % 60), self.zone)
        return _to_us(local)

    def _local_date(self, us: int) -> date:
        return _from_us(us).astimezone(self.zone).date()


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(ranges: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in ranges:
        pieces = [(a, b)]
        for c, e in cuts:
            pieces = [p for x, y in pieces for p in ((x, min(y, c)), (max(x, e), y)) if p[1] > p[0]]
        out.extend(pieces)
    return out


@lru_cache(maxsize=8192)
def day_kind(d: date) -> str:
    """``"holiday"``, ``"adjusted_workday"`` or ``"regular"`` from chinese_calendar.

    Years chinese_calendar does not know (it raises NotImplementedError) are
    ``"regular"``: the plain weekly pattern applies until the library is updated.
    """
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return "regular"
    if is_holiday and name is not None:
        return "holiday"
    if not is_holiday and d.weekday() >= 5:
        return "adjusted_workday"
    return "regular"


# --------------------------------------------------------------------------- arithmetic


def _to_us(dt: datetime) -> int:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("aware datetimes only")
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _open_us_between(cal: ServiceCalendar, start: int, end: int) -> int:
    """Exact business µs in [start, end): partial end days, whole days and weeks between."""
    if end <= start:
        return 0
    d0, d1 = cal._local_date(start), cal._local_date(end)
    total = 0
    d = d0
    while d <= d1:
        ivs, day_total, day_start, day_end = cal._day(d)
        if start <= day_start and day_end <= end:
            if d.weekday() == 0 and d + timedelta(days=7) <= d1:
                total += cal._week_total(d)
                d += timedelta(days=7)
                continue
            total += day_total
        else:
            for a, b in ivs:
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
        d += timedelta(days=1)
    return total


def business_seconds_between(calendar: ServiceCalendar, start: datetime, end: datetime) -> int:
    """Whole business seconds in [start, end); 0 if ``end`` is not after ``start``."""
    return _open_us_between(calendar, _to_us(start), _to_us(end)) // _US


def _add_us(cal: ServiceCalendar, start: int, amount: int) -> int:
    """Earliest instant t >= start with ``amount`` business µs in [start, t)."""
    if amount <= 0:
        return start
    remaining = amount
    d = cal._local_date(start)
    closed_days = 0
    first = True
    while True:
        ivs, day_total, day_start, _ = cal._day(d)
        whole = not first or start <= day_start
        if whole and d.weekday() == 0:
            week = cal._week_total(d)
            if remaining > week:  # strictly: an exact hit ends inside this week
                remaining -= week
                closed_days = closed_days + 7 if week == 0 else 0
                if closed_days > _MAX_CLOSED_DAYS:
                    raise ValueError("calendar has no business hours")
                d += timedelta(days=7)
                continue
        if whole and remaining > day_total:
            remaining -= day_total
        else:
            for a, b in ivs:
                lo = max(a, start)
                if b <= lo:
                    continue
                if remaining <= b - lo:
                    return lo + remaining
                remaining -= b - lo
        closed_days = closed_days + 1 if day_total == 0 else 0
        if closed_days > _MAX_CLOSED_DAYS:
            raise ValueError("calendar has no business hours")
        first = False
        d += timedelta(days=1)


def add_business_seconds(calendar: ServiceCalendar, start: datetime, seconds: float) -> datetime:
    """The deadline: earliest instant by which ``seconds`` of business time have passed.

    An exact hit at closing time returns the closing instant, not the next opening.
    Returned in UTC: Python compares and adds zoned datetimes in wall time, which is
    wrong across DST changes; convert to the calendar's zone only for display.
    """
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    us = _add_us(calendar, _to_us(start), round(seconds * _US))
    return _from_us(us)


def is_open(calendar: ServiceCalendar, at: datetime) -> bool:
    """Whether ``at`` falls in an opening range (ranges are half-open: closing time is closed)."""
    us = _to_us(at)
    ivs = calendar._day(calendar._local_date(us))[0]
    return any(a <= us < b for a, b in ivs)


def next_open(calendar: ServiceCalendar, at: datetime) -> datetime | None:
    """``at`` itself if open, else the next opening instant (UTC); None if closed ~10 years.

    The web chat uses it to say "we are back at …" on the offline form.
    """
    us = _to_us(at)
    d = calendar._local_date(us)
    for _ in range(_MAX_CLOSED_DAYS):
        for a, b in calendar._day(d)[0]:
            if us < b:
                return _from_us(max(a, us))
        d += timedelta(days=1)
    return None


# --------------------------------------------------------------------------- timers


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """The business-time targets of one SLA policy (per client and channel), in seconds."""

    first_response: int
    next_response: int | None = None
    resolution: int | None = None


class TimerKind(StrEnum):
    START = "start"
    PAUSE = "pause"  # pending customer: nobody's clock runs
    RESUME = "resume"
    ESCALATE = "escalate"  # to client L2: provider's clock stops, client's runs
    DEESCALATE = "deescalate"  # back from client L2
    STOP = "stop"  # target event happened (replied, resolved): final


class Party(StrEnum):
    """Whose clock: the provider's agents, or the client's own L2 team."""

    PROVIDER = "provider"
    CLIENT = "client"


class SlaStatus(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    WARNING = "warning"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


TimerEvent = tuple[datetime, TimerKind | str]


@dataclass(frozen=True, slots=True)
class SlaTimer:
    """State of one SLA timer as of ``now`` (or as of its stop); instants are UTC."""

    status: SlaStatus
    running: bool  # the party's clock is ticking now (also after a breach)
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    deadline: datetime | None  # projected; None while paused, not started or stopped
    breached_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None


def sla_timer(
    calendar: ServiceCalendar,
    events: Sequence[TimerEvent],
    *,
    target_seconds: int,
    now: datetime,
    party: Party = Party.PROVIDER,
    warn_ratio: float = 0.2,
    warn_seconds: int | None = None,
) -> SlaTimer:
    """Replay timer events up to ``now`` into elapsed, remaining, deadline and status.

    The clock of ``party`` runs while started, not stopped, not paused, and (provider)
    not escalated / (client) escalated. Repeated or out-of-place events are idempotent
    state changes; events after ``now`` or after the first STOP are ignored. WARNING
    means running with remaining < ``warn_seconds`` (default ``warn_ratio`` × target).
    """
    if target_seconds < 0:
        raise ValueError("target_seconds must be >= 0")
    now_us = _to_us(now)
    target = target_seconds * _US
    warn = (warn_seconds if warn_seconds is not None else warn_ratio * target_seconds) * _US
    parsed = sorted(((_to_us(t), TimerKind(k)) for t, k in events), key=lambda e: e[0])

    started = paused = escalated = False
    started_at = stopped_at = None
    elapsed = 0
    breach_us: int | None = None
    run_from: int | None = None  # start of the current running segment

    def runs() -> bool:
        return started and not paused and (escalated if party is Party.CLIENT else not escalated)

    def close(at: int) -> None:
        nonlocal elapsed, breach_us, run_from
        if run_from is None:
            return
        seg = _open_us_between(calendar, run_from, at)
        if breach_us is None and elapsed + seg > target:
            breach_us = _add_us(calendar, run_from, target - elapsed)
        elapsed += seg
        run_from = None

    for at, kind in parsed:
        if at > now_us:
            break
        if kind is TimerKind.STOP:
            if started:
                close(at)
                stopped_at = at
                break
            continue
        close(at)
        if kind is TimerKind.START and not started:
            started, started_at = True, at
        elif kind is TimerKind.PAUSE:
            paused = True
        elif kind is TimerKind.RESUME:
            paused = False
        elif kind is TimerKind.ESCALATE:
            escalated = True
        elif kind is TimerKind.DEESCALATE:
            escalated = False
        if runs():
            run_from = at

    running = run_from is not None
    if running:
        close(now_us)

    remaining = max(0, target - elapsed)
    elapsed_s = elapsed // _US
    deadline: int | None = None
    if running and breach_us is None:
        deadline = _add_us(calendar, now_us, remaining)
    elif running:
        deadline = breach_us

    if not started:
        status = SlaStatus.NOT_STARTED
    elif breach_us is not None:
        status = SlaStatus.BREACHED
    elif stopped_at is not None:
        status = SlaStatus.MET
    elif not running:
        status = SlaStatus.PAUSED
    elif remaining < warn:
        status = SlaStatus.WARNING
    else:
        status = SlaStatus.RUNNING

    def dt(us: int | None) -> datetime | None:
        return None if us is None else _from_us(us)

    return SlaTimer(
        status=status,
        running=running,
        target_seconds=target_seconds,
        elapsed_seconds=elapsed_s,
        remaining_seconds=max(0, target_seconds - elapsed_s),
        deadline=dt(deadline),
        breached_at=dt(breach_us),
        started_at=dt(started_at),
        stopped_at=dt(stopped_at),
    )
