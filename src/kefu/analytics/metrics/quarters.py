"""Quarter-hour rollups, the pure part: UTC buckets, rows from facts, zones that fit, runs.

A rollup row holds the `MicroTotals` of one metric's items whose anchor falls in one UTC
quarter hour, per provider × queue × channel × agent (`RowKey`). Rows are built with the same
`compute.items_for` as the figures read from the events, so the two cannot disagree on a
formula; they can only disagree on which events they saw, which `analytics.rollups` settles
with an event-id cursor.

UTC quarter hours serve any client time zone whose offset is a whole number of quarter hours
and changes only on a quarter hour (`zone_fits`; every zone in use today: whole and half hours,
plus Nepal's +5:45 and the Chatham Islands' +12:45/+13:45); a period in a zone that does not
fit is read from the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from kefu.analytics.metrics import compute

QUARTER = timedelta(minutes=15)


class Dims(NamedTuple):
    """Where an anchor event happened: the tenant's provider, its queue and channel."""

    provider_id: int | None
    queue: str
    channel: str


class RowKey(NamedTuple):
    provider_id: int | None
    bucket: datetime  # UTC start of the quarter hour
    metric: str
    queue: str
    channel: str
    agent_id: int | None


def quarter_of(at: datetime) -> datetime:
    """The UTC start of the quarter hour holding `at` (an aware datetime)."""
    utc = at.astimezone(UTC)
    return utc.replace(minute=utc.minute // 15 * 15, second=0, microsecond=0)


THRESHOLD_METRIC = "service_level"  # the one metric whose rows are kept per threshold


def row_metric(metric_id: str, threshold_s: float | None = None) -> str:
    """The `metric` a rollup row is stored under: the metric's id, and for service level at
    another threshold than the default 20 s, `service_level@30` (the threshold in seconds)."""
    if metric_id != THRESHOLD_METRIC or threshold_s is None or threshold_s == compute.DEFAULT_SERVICE_LEVEL_S:
        return metric_id
    return f"{metric_id}@{threshold_s:g}"


def split_row_metric(key: str) -> tuple[str, float | None]:
    """`row_metric` reversed: (metric id, threshold in seconds or None for the default)."""
    metric_id, _at, threshold = key.partition("@")
    return metric_id, float(threshold) if threshold else None


def rows_of(
    metric_ids: Sequence[str], facts: Iterable[tuple[Dims, compute.Facts]]
) -> dict[RowKey, compute.MicroTotals]:
    """The rollup rows of these metrics (which share one anchor) from their facts; a metric given
    as `service_level@30` (`row_metric`) is computed at that threshold.

    `items_for` maps each fact to at most one item on its own, so grouping the facts first
    (provider, quarter hour, queue, channel) and the items then (their agent) gives the same
    items as one call over all facts; empty groups write no row.
    """
    groups: dict[tuple[int | None, datetime, str, str], list[compute.Facts]] = {}
    for dims, fact in facts:
        groups.setdefault((dims.provider_id, quarter_of(fact.at), dims.queue, dims.channel), []).append(fact)
    rows: dict[RowKey, compute.MicroTotals] = {}
    for (provider, bucket, queue, channel), group in groups.items():
        for metric in metric_ids:
            metric_id, threshold_s = split_row_metric(metric)
            for item in compute.items_for(metric_id, group, threshold_s=threshold_s):
                key = RowKey(provider, bucket, metric, queue, channel, item.agent_id)
                rows[key] = rows.get(key, compute.MicroTotals()) + compute.micro_totals_of([item])
    return rows


def runs(buckets: Iterable[datetime], *, gap: int = 8) -> list[tuple[datetime, datetime]]:
    """Quarter hours as [start, end) ranges, joining neighbours less than `gap` quarters apart
    (rebuilding a clean quarter in between is harmless and saves queries)."""
    found: list[tuple[datetime, datetime]] = []
    for bucket in sorted(set(buckets)):
        if found and bucket <= found[-1][1] + QUARTER * (gap - 1):
            found[-1] = (found[-1][0], bucket + QUARTER)
        else:
            found.append((bucket, bucket + QUARTER))
    return found


def chunks(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into ranges of at most `size` (a rebuild reads one at a time)."""
    found = []
    while start < end:
        found.append((start, min(start + size, end)))
        start += size
    return found


def _fits(offset: timedelta | None) -> bool:
    return offset is not None and offset % QUARTER == timedelta(0)


def zone_fits(tz: ZoneInfo, start: datetime, end: datetime) -> bool:
    """Whether every local quarter hour of [start, end) is a UTC quarter hour: each offset is a
    whole number of quarter hours and each change of offset happens on a UTC quarter hour."""
    if start.astimezone(UTC) != quarter_of(start) or end.astimezone(UTC) != quarter_of(end):
        return False
    hour = timedelta(hours=1)
    at = start.astimezone(UTC)
    offset = tz.utcoffset(at)
    if not _fits(offset):
        return False
    while at < end:
        following = min(at + hour, end.astimezone(UTC))
        later = tz.utcoffset(following)
        if later != offset:
            if not _fits(later) or not _fits_change(tz, at, following, offset):
                return False
            offset = later
        at = following
    return True


def _fits_change(tz: ZoneInfo, before: datetime, after: datetime, offset: timedelta | None) -> bool:
    """The first instant in (before, after] with another offset than `offset` is a quarter hour."""
    low, high = before, after  # offset(low) == offset, offset(high) != offset
    while high - low > timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if tz.utcoffset(middle) == offset:
            low = middle
        else:
            high = middle
    return high == quarter_of(high)


def grouped_by_local(
    rows: Iterable[tuple[datetime, compute.MicroTotals]], interval: str, tz: ZoneInfo
) -> dict[datetime, compute.MicroTotals]:
    """Rollup totals by the local bucket (`compute.bucket_of`) of their UTC quarter hour; exact
    when the zone fits (`zone_fits`): a quarter hour then lies in one local bucket."""
    grouped: dict[datetime, compute.MicroTotals] = {}
    for bucket, totals in rows:
        key = compute.bucket_of(bucket, interval, tz)
        grouped[key] = grouped.get(key, compute.MicroTotals()) + totals
    return grouped
