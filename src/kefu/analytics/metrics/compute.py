"""The metric formulas: pure functions over plain rows (no Django), so they are exact and cheap to test.

Every metric is an aggregate of *items*. An item is the contribution of one record (a
conversation, or an agent-day for `contacts_per_agent_day`): a numerator and a denominator.
The value of a set of items is, by the metric's kind:

- `count`: Σ numerator;
- `ratio`: 100 × Σ numerator / Σ denominator (a percentage; None when Σ denominator is 0);
- `mean`: Σ numerator / Σ denominator (None when Σ denominator is 0).

Sums are additive, so the same `value_of` reads rollups: a 15-minute rollup row keeps
`MicroTotals` (Σ numerator, Σ denominator in millionths, as integers, and the number of items)
per metric × client × queue × channel × agent, and a period's value is `value_of(kind, sum of
its rows' totals)`. Every numerator and denominator is a count or a duration with microsecond
resolution, so summing millionths is exact and independent of the order: rollups and the
events give the same float to the last bit. The drill-down lists the items, and aggregating
them with `totals_of` gives the API's value exactly.

The queries (`queries.py`) fetch one row of `Facts` per conversation, aggregated in the
database; `items_for` turns facts into items with the formulas the dictionary writes out.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

COUNT, RATIO, MEAN = "count", "ratio", "mean"
INTERVALS = ("15m", "hour", "day", "week", "month")
SHORT_ABANDON_S = 5.0  # an abandon this short (or shorter) is a misdial, not a lost customer
DEFAULT_SERVICE_LEVEL_S = 20.0
SATISFIED_SCORES = (4, 5)  # top-2 box on the 1-5 scale
PRESALES_MARKS = ("售前", "pre-sales", "presales", "pre sales")  # a pre-sales category or queue name


def is_presales(name: str | None) -> bool:
    """A pre-sales queue or category: its name, or its first level for a category path, says
    so (售前咨询, "Pre-sales/…"), the convention routing's queues follow (docs/metrics.md)."""
    if not name:
        return False
    first = name.split("/", 1)[0].strip().lower()
    return any(mark in first for mark in PRESALES_MARKS)


NPS_PROMOTER_MIN, NPS_DETRACTOR_MAX = 9, 6  # 0-10 scale: 9-10 promoters, 0-6 detractors


@dataclass(frozen=True)
class Facts:
    """What the database knows of one conversation for one metric family (one row each).

    `at` is the anchor's time (the event that puts the conversation in the period: its
    offer, its first customer message, its first resolution, the survey answer), `agent_id`
    the anchor event's agent; the rest is filled when the family needs it.
    """

    conversation_id: int
    at: datetime
    agent_id: int | None = None
    reply_at: datetime | None = None  # first public reply by a person at or after `at`
    reply_agent_id: int | None = None
    abandoned_wait_s: float | None = None  # None: the contact was not abandoned
    resolved: bool = False
    escalated_l2: bool = False
    escalated: bool = False
    reopened: bool = False
    complaint: bool = False
    assigned_at: datetime | None = None  # the first assignment (for handle time)
    score: int | None = None  # survey answers
    category: str | None = None  # the category of the first resolution (pre-sales or not)
    ordered: bool = False  # an order was linked to the conversation (so far)
    queue: str | None = None  # the anchor's queue (conversion: a pre-sales queue)
    nps: int | None = None  # the survey's 0-10 recommendation answer, when asked


@dataclass(frozen=True)
class Item:
    """One record's contribution to a metric; `key` names it in the drill-down."""

    key: str
    at: datetime
    numerator: float
    denominator: float
    conversation_id: int | None = None
    agent_id: int | None = None
    conversation_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Totals:
    """Additive partial sums: what a rollup row stores and what `value_of` reads."""

    numerator: float = 0.0
    denominator: float = 0.0
    items: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.numerator + other.numerator, self.denominator + other.denominator, self.items + other.items
        )


MICRO = 1_000_000


def micro(value: float) -> int:
    """A numerator or denominator in millionths: exact for counts and microsecond durations."""
    return round(value * MICRO)


@dataclass(frozen=True)
class MicroTotals:
    """`Totals` in exact integer millionths: what a rollup row stores; sums in any order agree."""

    numerator: int = 0
    denominator: int = 0
    items: int = 0

    def __add__(self, other: MicroTotals) -> MicroTotals:
        return MicroTotals(
            self.numerator + other.numerator, self.denominator + other.denominator, self.items + other.items
        )

    def totals(self) -> Totals:
        return Totals(self.numerator / MICRO, self.denominator / MICRO, self.items)


@dataclass(frozen=True)
class Result:
    value: float | None
    count: int
    median: float | None = None
    series: list[dict[str, Any]] = field(default_factory=list)


# --- formulas -------------------------------------------------------------------------------------
def _seconds(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0)


def _conversation_item(
    f: Facts, numerator: float, denominator: float = 1.0, agent: int | None = None
) -> Item:
    return Item(str(f.conversation_id), f.at, numerator, denominator, f.conversation_id, agent)


def _short_abandon(f: Facts) -> bool:
    return f.abandoned_wait_s is not None and f.abandoned_wait_s <= SHORT_ABANDON_S


def items_for(
    metric_id: str, facts: Iterable[Facts], *, agent_id: int | None = None, threshold_s: float | None = None
) -> list[Item]:
    """The items of `metric_id` (see the dictionary for each definition); `agent_id` keeps the
    items of that person only (for the metrics that take the agent filter)."""
    rows = list(facts)
    mine = (lambda a: a == agent_id) if agent_id is not None else (lambda a: True)
    if metric_id == "offered":
        return [_conversation_item(f, 1) for f in rows]
    if metric_id == "handled":
        return [
            _conversation_item(f, 1, agent=f.reply_agent_id)
            for f in rows
            if f.reply_at and mine(f.reply_agent_id)
        ]
    if metric_id == "answer_rate":
        return [_conversation_item(f, 1 if f.reply_at else 0) for f in rows]
    if metric_id == "abandon_rate":
        return [_conversation_item(f, 1 if f.abandoned_wait_s is not None else 0) for f in rows]
    if metric_id == "abandon_rate_excl_short":
        return [
            _conversation_item(f, 1 if f.abandoned_wait_s is not None else 0)
            for f in rows
            if not _short_abandon(f)
        ]
    if metric_id == "asa":
        return [
            _conversation_item(f, _seconds(f.at, f.reply_at), agent=f.reply_agent_id)
            for f in rows
            if f.reply_at and mine(f.reply_agent_id)
        ]
    if metric_id == "service_level":
        limit = DEFAULT_SERVICE_LEVEL_S if threshold_s is None else threshold_s
        return [
            _conversation_item(f, 1 if f.reply_at and _seconds(f.at, f.reply_at) <= limit else 0)
            for f in rows
            if not _short_abandon(f)
        ]
    if metric_id == "first_response_time":
        return [
            _conversation_item(f, _seconds(f.at, f.reply_at), agent=f.reply_agent_id)
            for f in rows
            if f.reply_at and mine(f.reply_agent_id)
        ]
    if metric_id == "aht":
        return [
            _conversation_item(f, _seconds(f.assigned_at, f.at), agent=f.agent_id)
            for f in rows
            if f.assigned_at is not None and f.assigned_at <= f.at and mine(f.agent_id)
        ]
    if metric_id == "fcr":
        return [
            _conversation_item(f, 0 if (f.reopened or f.escalated) else 1, agent=f.agent_id)
            for f in rows
            if mine(f.agent_id)
        ]
    if metric_id == "reopen_rate":
        return [
            _conversation_item(f, 1 if f.reopened else 0, agent=f.agent_id) for f in rows if mine(f.agent_id)
        ]
    if metric_id == "resolution_rate":
        return [_conversation_item(f, 1 if f.resolved else 0) for f in rows]
    if metric_id == "escalation_rate":
        return [_conversation_item(f, 1 if f.escalated_l2 else 0) for f in rows]
    if metric_id == "complaint_rate":
        return [_conversation_item(f, 1 if f.complaint else 0) for f in rows]
    if metric_id == "conversion_rate":
        return [
            _conversation_item(f, 1 if f.ordered else 0)
            for f in rows
            if is_presales(f.category) or is_presales(f.queue)
        ]
    if metric_id == "csat":
        return [
            _conversation_item(f, 1 if f.score in SATISFIED_SCORES else 0, agent=f.agent_id)
            for f in rows
            if f.score is not None and mine(f.agent_id)
        ]
    if metric_id == "nps":
        return [
            _conversation_item(f, nps_contribution(f.nps), agent=f.agent_id)
            for f in rows
            if f.nps is not None and mine(f.agent_id)
        ]
    raise KeyError(metric_id)


def nps_contribution(score: int) -> int:
    """An answer's share of NPS: +1 promoter, 0 passive, −1 detractor; the ratio of their sum to
    the number of answers, × 100, is % promoters − % detractors."""
    if score >= NPS_PROMOTER_MIN:
        return 1
    if score <= NPS_DETRACTOR_MAX:
        return -1
    return 0


@dataclass(frozen=True)
class Message:
    """A message event for `next_response_time`: customer (`in`) or a person's reply (`out`)."""

    conversation_id: int
    at: datetime
    direction: str  # "in" | "out"
    agent_id: int | None = None


def next_response_items(
    messages: Sequence[Message], *, start: datetime, end: datetime, agent_id: int | None = None
) -> list[Item]:
    """Per conversation: Σ waits and the number of waits of the customer turns after the first
    reply that start in [start, end) and were answered by a person.

    A turn starts at a customer message whose previous message event in the conversation is a
    person's reply; it ends at the next person's reply (that person is the turn's agent).
    `messages` must be ordered by conversation, time and id and hold the conversation's whole
    history of `in` and person `out` events up to now.
    """
    sums: dict[int, list[float]] = {}
    firsts: dict[int, datetime] = {}
    previous: Message | None = None
    turn_start: datetime | None = None
    for message in messages:
        if previous is None or previous.conversation_id != message.conversation_id:
            previous, turn_start = None, None
        if message.direction == "in":
            if previous is not None and previous.direction == "out" and turn_start is None:
                turn_start = message.at
        elif turn_start is not None:
            if start <= turn_start < end and (agent_id is None or message.agent_id == agent_id):
                entry = sums.setdefault(message.conversation_id, [0.0, 0.0])
                entry[0] += _seconds(turn_start, message.at)
                entry[1] += 1
                firsts.setdefault(message.conversation_id, turn_start)
            turn_start = None
        previous = message
    return [Item(str(cid), firsts[cid], total, n, cid, agent_id) for cid, (total, n) in sorted(sums.items())]


def agent_day_items(rows: Iterable[tuple[int, date, int]], tz: ZoneInfo) -> list[Item]:
    """`contacts_per_agent_day`: (agent, local day, conversation) rows, one per conversation an
    agent replied to that day, become one item per agent-day: the conversations, over one day."""
    days: dict[tuple[int, date], set[int]] = {}
    for agent, day, conversation in rows:
        days.setdefault((agent, day), set()).add(conversation)
    return [
        _agent_day(agent, day, len(conversations), tz, tuple(sorted(conversations)))
        for (agent, day), conversations in sorted(days.items())
    ]


def agent_day_count_items(rows: Iterable[tuple[int, date, int]], tz: ZoneInfo) -> list[Item]:
    """`agent_day_items` from (agent, local day, number of conversations) rows the database
    counted: the same items without the conversations' ids, which only the drill-down lists."""
    return [_agent_day(agent, day, count, tz) for agent, day, count in sorted(rows)]


def _agent_day(agent: int, day: date, count: int, tz: ZoneInfo, conversations: tuple[int, ...] = ()) -> Item:
    return Item(
        f"{agent}:{day.isoformat()}",
        datetime(day.year, day.month, day.day, tzinfo=tz),
        float(count),
        1.0,
        None,
        agent,
        conversations,
    )


# --- aggregation ------------------------------------------------------------------------------------
def micro_totals_of(items: Iterable[Item]) -> MicroTotals:
    numerator = denominator = n = 0
    for item in items:
        numerator += micro(item.numerator)
        denominator += micro(item.denominator)
        n += 1
    return MicroTotals(numerator, denominator, n)


def totals_of(items: Iterable[Item]) -> Totals:
    """Σ of the items, exactly (in millionths), so it equals the sum of rollup rows to the bit."""
    return micro_totals_of(items).totals()


def value_of(kind: str, totals: Totals) -> float | None:
    """The metric's value from additive totals (items or rollup rows)."""
    if kind == COUNT:
        return totals.numerator
    if not totals.denominator:
        return None
    if kind == RATIO:
        return 100.0 * totals.numerator / totals.denominator
    return totals.numerator / totals.denominator


def count_of(kind: str, totals: Totals, *, items: bool = False) -> int:
    """What `count` reports: records counted (count), the denominator (ratio: conversations or
    answers considered; mean: the values averaged), or with `items` the number of records
    (agent-days of the presence metrics, whose denominators are seconds)."""
    if items:
        return totals.items
    return round(totals.numerator) if kind == COUNT else round(totals.denominator)


def median_of(items: Sequence[Item]) -> float | None:
    """The median of the items' values when each item is one value (denominator 1)."""
    values = [item.numerator for item in items if item.denominator == 1]
    if not values or len(values) != len(items):
        return None
    return float(statistics.median(values))


# --- periods and buckets -------------------------------------------------------------------------------
MAX_DAYS = 366
MAX_DAYS_BY_INTERVAL = {"15m": 31, "hour": 92}


def period_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of calendar days `first`..`last` (inclusive) in the client's time zone."""
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    after = last + timedelta(days=1)
    return start, datetime(after.year, after.month, after.day, tzinfo=tz)


def bucket_of(at: datetime, interval: str, tz: ZoneInfo) -> datetime:
    """The local wall-clock start (naive) of the interval holding `at`."""
    return _floor(at.astimezone(tz).replace(tzinfo=None), interval)


def _floor(local: datetime, interval: str) -> datetime:
    if interval == "15m":
        return local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return midnight
    if interval == "week":
        return midnight - timedelta(days=midnight.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return midnight.replace(day=1)
    raise KeyError(interval)


def buckets(first: date, last: date, interval: str) -> list[datetime]:
    """Every bucket start (local, naive) of the period, empty ones included; the first week or
    month bucket may start before `first` (the week or month holding it)."""
    start = _floor(datetime(first.year, first.month, first.day), interval)
    end = datetime(last.year, last.month, last.day) + timedelta(days=1)
    found: list[datetime] = []
    current = start
    while current < end:
        found.append(current)
        if interval == "month":
            year, month = divmod(current.month, 12)
            current = current.replace(year=current.year + year, month=month + 1)
        else:
            step = {"15m": timedelta(minutes=15), "hour": timedelta(hours=1), "day": timedelta(days=1)}
            current += step.get(interval, timedelta(days=7))
    return found


def series_of(
    kind: str,
    items: Iterable[Item],
    *,
    first: date,
    last: date,
    interval: str,
    tz: ZoneInfo,
    count_items: bool = False,
) -> list[dict[str, Any]]:
    """One entry per bucket: its local start (ISO with offset), value and count."""
    grouped: dict[datetime, list[Item]] = {}
    for item in items:
        grouped.setdefault(bucket_of(item.at, interval, tz), []).append(item)
    sums = {key: micro_totals_of(group) for key, group in grouped.items()}
    return series_of_totals(
        kind, sums, first=first, last=last, interval=interval, tz=tz, count_items=count_items
    )


def series_of_totals(
    kind: str,
    grouped: Mapping[datetime, MicroTotals],
    *,
    first: date,
    last: date,
    interval: str,
    tz: ZoneInfo,
    count_items: bool = False,
) -> list[dict[str, Any]]:
    """`series_of` from totals already grouped by local bucket start (rollup rows and items)."""
    out = []
    for start in buckets(first, last, interval):
        totals = grouped.get(start, MicroTotals()).totals()
        out.append(
            {
                "start": start.replace(tzinfo=tz).isoformat(),
                "value": value_of(kind, totals),
                "count": count_of(kind, totals, items=count_items),
            }
        )
    return out


def result_of(
    kind: str,
    items: Sequence[Item],
    *,
    first: date,
    last: date,
    tz: ZoneInfo,
    interval: str | None = None,
    with_median: bool = False,
    count_items: bool = False,
) -> Result:
    totals = totals_of(items)
    series = (
        series_of(kind, items, first=first, last=last, interval=interval, tz=tz, count_items=count_items)
        if interval
        else []
    )
    return Result(
        value=value_of(kind, totals),
        count=count_of(kind, totals, items=count_items),
        median=median_of(items) if with_median else None,
        series=series,
    )


def facts_from_mapping(row: Mapping[str, Any]) -> Facts:
    """A database row (a dict of `Facts` fields) as `Facts`."""
    return Facts(**row)
