"""Reads of the rollups: a figure summed from quarter-hour rows plus the events not folded yet.

A figure of an additive metric (`Metric.rolls_up`) is Σ over the period's UTC quarter hours of
that quarter's items' totals. For a quarter no event above the cursor touches, its rows are
exact (they were built from every event up to the cursor, and nothing at or below the cursor can
still commit); for the quarters the *tail* (events above the cursor) touches, the items are
recomputed from the events, with the same formulas. Which quarters an event touches is one rule
(`touched_quarters`), shared with the folder. Reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from kefu.analytics.metrics import compute, dictionary, facts, quarters
from kefu.analytics.models import ContactEvent, IntervalRollup, RollupFillState
from kefu.core.scope import Scope

if TYPE_CHECKING:
    from kefu.analytics.metrics.queries import MetricQuery

STATE = "interval_rollups"
THRESHOLD_STATE = STATE + ":"  # + "service_level@30": that threshold's rows are complete
DAILY = ("day", "week", "month")  # series whose buckets are unions of local days
TAIL_LIMIT = 20_000  # more unfolded events than this for the client: read the events instead

# Service level is kept in the rollups at the default 20 s and at every threshold some
# configuration uses (a queue's "X % within Y s", later a contract term). Analytics imports no
# domain app, so the apps that configure thresholds register a source at start-up; the folder
# backfills a threshold that appears, and from then on keeps its rows like any other.
ThresholdSource = Callable[[], Iterable[float]]
_threshold_sources: dict[str, ThresholdSource] = {}


def register_threshold_source(name: str, source: ThresholdSource) -> None:
    """Register (or replace) the source called `name` of service-level thresholds in use."""
    _threshold_sources[name] = source


def wanted_thresholds() -> set[float]:
    """The service-level thresholds (seconds, other than the default) configurations use now."""
    found: set[float] = set()
    for source in _threshold_sources.values():
        found |= {float(t) for t in source()}
    found.discard(compute.DEFAULT_SERVICE_LEVEL_S)
    return found


def rolled_thresholds() -> set[float]:
    """The thresholds whose service-level rows the rollups hold for every folded event."""
    names = RollupFillState.objects.filter(name__startswith=THRESHOLD_STATE).values_list("name", flat=True)
    found = set()
    for name in names:
        _metric, threshold = quarters.split_row_metric(name.removeprefix(THRESHOLD_STATE))
        if threshold is not None:
            found.add(threshold)
    return found


def threshold_state_name(threshold_s: float) -> str:
    return THRESHOLD_STATE + quarters.row_metric(quarters.THRESHOLD_METRIC, threshold_s)


def row_metrics(metric_ids: list[str], thresholds: Iterable[float]) -> list[str]:
    """The row metrics of an anchor's metrics: service level once per kept threshold too."""
    found = list(metric_ids)
    if quarters.THRESHOLD_METRIC in metric_ids:
        found += [quarters.row_metric(quarters.THRESHOLD_METRIC, t) for t in sorted(thresholds)]
    return found


def rollups_through() -> int:
    """The event id up to which the rollups hold every event (0: nothing folded yet)."""
    state = RollupFillState.objects.filter(name=STATE).first()
    return state.through_event_id if state is not None else 0


def rolled_metrics() -> dict[str, list[str]]:
    """The additive metrics by anchor, in dictionary order: what a rollup row can be of."""
    found: dict[str, list[str]] = {}
    for metric in dictionary.METRICS.values():
        if metric.rolls_up:
            found.setdefault(metric.anchor, []).append(metric.id)
    return found


def needs_of(metric_ids: list[str]) -> set[str]:
    return set().union(*(facts.NEEDS.get(metric_id, set()) for metric_id in metric_ids))


def touched_quarters(
    scope: Scope,
    *,
    after_id: int,
    through_id: int | None,
    client_id: int | None = None,
    anchors: tuple[str, ...] | None = None,
) -> dict[int, set[datetime]]:
    """Per client, the UTC quarter hours whose rows the events with id in (after_id, through_id]
    change: a new event of a conversation changes the items anchored on that conversation, so

    - a first-of-type anchor (first customer message, first resolution): the quarter of the
      conversation's first such event before and after the new events (a late event can become
      the first and take the item to another quarter);
    - an anchor whose items read other events (the offer): the quarter of each of its anchors;
    - an anchor whose items read only itself (a survey answer): the quarters of the new ones.

    `anchors` limits the rules to those anchors (a figure needs only its metric's).
    """
    base = ContactEvent.objects.for_scope(scope)
    if client_id is not None:
        base = base.filter(client_id=client_id)
    upto = base if through_id is None else facts.bounded(base, through_id)
    new = upto.filter(id__gt=after_id)
    found: dict[int, set[datetime]] = {}
    conversations = sorted(set(new.values_list("conversation_id", flat=True)))
    for at in range(0, len(conversations), 5000):
        _touched(upto, new, conversations[at : at + 5000], after_id, found, anchors)
    return found


def _touched(
    upto: QuerySet[ContactEvent],
    new: QuerySet[ContactEvent],
    conversations: list[int],
    after_id: int,
    found: dict[int, set[datetime]],
    anchors: tuple[str, ...] | None,
) -> None:
    def add(client: int | None, at: datetime | None) -> None:
        if client is not None and at is not None:
            found.setdefault(client, set()).add(quarters.quarter_of(at))

    mine = upto.filter(conversation_id__in=conversations)
    for anchor, metric_ids in rolled_metrics().items():
        if anchors is not None and anchor not in anchors:
            continue
        type = facts.ANCHOR_TYPES[anchor]
        if anchor in facts.FIRST_ONLY:
            firsts = (
                mine.filter(type=type)
                .values("conversation_id", "client_id")
                .annotate(before=Min("at", filter=Q(id__lte=after_id)), now=Min("at"))
                .values_list("client_id", "before", "now")
            )
            for client, before, now in firsts:
                add(client, before)
                add(client, now)
        else:
            own = mine if needs_of(metric_ids) else new
            for client, at in own.filter(type=type).values_list("client_id", "at"):
                add(client, at)


def _tail_is_short(scope: Scope, client_id: int, after_id: int) -> bool:
    tail = ContactEvent.objects.for_scope(scope).filter(client_id=client_id, id__gt=after_id)
    return tail.order_by().values("id")[: TAIL_LIMIT + 1].count() <= TAIL_LIMIT


def can_read(query: MetricQuery, *, median: bool) -> bool:
    """Whether the figure asked can be summed from rollups (else it is read from the events)."""
    metric = query.metric
    if not metric.rolls_up or (median and metric.median):
        return False
    threshold = query.threshold_s
    if threshold not in (None, compute.DEFAULT_SERVICE_LEVEL_S) and threshold not in rolled_thresholds():
        return False
    start, end = query.bounds
    return quarters.zone_fits(query.tz, start, end)


@contextmanager
def snapshot() -> Iterator[None]:
    """One view for the cursor, the tail and the rows: REPEATABLE READ on PostgreSQL (no locks).

    SQLite opens its transactions IMMEDIATE (a write lock, which would hold ingest back), so there
    the reads run one by one; that is still exact. The cursor is read first: a fold that commits
    later rewrites only quarter hours touched by events above that cursor, which this reader
    takes from the events anyway, so every quarter hour is counted once, from one source.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _rows(
    scope: Scope, query: MetricQuery, keys: list[str], start: datetime, end: datetime
) -> QuerySet[IntervalRollup]:
    """The rows of these row metrics with the question's client, queue, channel and agent."""
    rows = IntervalRollup.objects.for_scope(scope).filter(
        client_id=query.client_id, metric__in=keys, bucket__gte=start, bucket__lt=end
    )
    if query.queue:
        rows = rows.filter(queue=query.queue)
    if query.channel:
        rows = rows.filter(channel=query.channel)
    if query.agent_id is not None:
        rows = rows.filter(agent_id=query.agent_id)
    return rows


def _key(query: MetricQuery) -> str:
    return quarters.row_metric(query.metric.id, query.threshold_s)


def _tail_items(
    scope: Scope, query: MetricQuery, runs: list[tuple[datetime, datetime]]
) -> list[compute.Item]:
    """The items anchored in these quarter-hour ranges, from the events (every visible one)."""
    from kefu.analytics.metrics import queries  # the figure's own slice rule

    items: list[compute.Item] = []
    whole = queries.metric_slice(query)
    for start, end in runs:
        piece = replace(whole, start=max(start, whole.start), end=min(end, whole.end))
        rows = facts.anchor_facts(
            scope, piece, anchor=query.metric.anchor, needs=facts.NEEDS.get(query.metric.id, set())
        )
        items += compute.items_for(
            query.metric.id,
            [fact for _dims, fact in rows],
            agent_id=query.agent_id,
            threshold_s=query.threshold_s,
        )
    return items


def rolled_result(scope: Scope, query: MetricQuery) -> compute.Result | None:
    """The figure from rollups and the tail, or None when the tail is too long to be worth it
    (the caller then reads the events). Equal to the events' figure exactly (tested)."""
    found = rolled_results(scope, [query])
    return None if found is None else found[0]


def rolled_results(scope: Scope, asked: list[MetricQuery]) -> list[compute.Result] | None:
    """Several figures of one client (a dashboard's: each metric in its period and the previous
    one) from one view of the rollups: one grouped query per set of filters over the span the
    periods cover, the tail's quarter hours found once and recomputed per question."""
    client_id = asked[0].client_id
    if any(q.client_id != client_id for q in asked):
        raise ValueError("one client at a time")
    start = min(q.bounds[0] for q in asked)
    end = max(q.bounds[1] for q in asked)
    with snapshot():
        through = rollups_through()
        if not _tail_is_short(scope, client_id, through):
            return None
        anchors = tuple(sorted({q.metric.anchor for q in asked}))
        touched = touched_quarters(
            scope, after_id=through, through_id=None, client_id=client_id, anchors=anchors
        )
        # a quarter any asked anchor's tail touches is read from the events for every question
        # (exact either way: an untouched quarter's items are the same from rows or events)
        fresh = sorted(q for q in touched.get(client_id, set()) if start <= q < end)
        groups: dict[tuple[str, str, int | None], list[MetricQuery]] = {}
        for query in asked:
            groups.setdefault((query.queue, query.channel, query.agent_id), []).append(query)
        stored: dict[
            tuple[tuple[str, str, int | None], str, bool], list[tuple[datetime, compute.MicroTotals]]
        ] = {}
        whole: dict[tuple[tuple[str, str, int | None], str, datetime, datetime], compute.MicroTotals] = {}
        for filters, members in groups.items():
            # a series needs its quarter hours; a bare value only its period's sums
            for coarse in (False, True):
                series = [q for q in members if q.interval and (q.interval in DAILY) == coarse]
                if not series:
                    continue
                keys = sorted({_key(q) for q in series})
                rows = _rows(scope, members[0], keys, start, end).exclude(bucket__in=fresh)
                tz = series[0].tz  # the client's: one zone for every question
                if coarse:  # summed per local day in the database (a fitting zone: each quarter in one day)
                    rows = rows.annotate(local_day=TruncDate("bucket", tzinfo=tz)).values(
                        "metric", "local_day"
                    )
                else:
                    rows = rows.values("metric", "bucket")
                sums = rows.annotate(n=Sum("numerator_micro"), d=Sum("denominator_micro"), i=Sum("items"))
                for row in sums.order_by():
                    totals = compute.MicroTotals(row["n"], row["d"], row["i"])
                    if coarse:
                        day = row["local_day"]
                        at = datetime(day.year, day.month, day.day, tzinfo=tz)  # the day's first instant
                    else:
                        at = row["bucket"]
                    stored.setdefault((filters, row["metric"], coarse), []).append((at, totals))
            bare = [q for q in members if not q.interval]
            if bare:
                periods = sorted({q.bounds for q in bare})
                sums_of: dict[str, Any] = {}
                for k, (p_start, p_end) in enumerate(periods):
                    within = Q(bucket__gte=p_start, bucket__lt=p_end)
                    sums_of[f"n{k}"] = Sum("numerator_micro", filter=within)
                    sums_of[f"d{k}"] = Sum("denominator_micro", filter=within)
                    sums_of[f"i{k}"] = Sum("items", filter=within)
                keys = sorted({_key(q) for q in bare})
                rows = (
                    _rows(scope, members[0], keys, start, end)
                    .exclude(bucket__in=fresh)
                    .values("metric")
                    .annotate(**sums_of)
                    .order_by("metric")
                )
                for row in rows:
                    for k, (p_start, p_end) in enumerate(periods):
                        totals = compute.MicroTotals(row[f"n{k}"] or 0, row[f"d{k}"] or 0, row[f"i{k}"] or 0)
                        whole[(filters, row["metric"], p_start, p_end)] = totals
        results = []
        for query in asked:  # each question's own slice of the fresh quarters (periods may overlap)
            q_start, q_end = query.bounds
            runs = quarters.runs([q for q in fresh if q_start <= q < q_end], gap=1)
            items = _tail_items(scope, query, runs) if runs else []
            tail = [(quarters.quarter_of(i.at), compute.micro_totals_of([i])) for i in items]
            filters = (query.queue, query.channel, query.agent_id)
            if query.interval:
                rows = stored.get((filters, _key(query), query.interval in DAILY), [])
            else:  # the period's sums, counted in its first quarter hour (no series to place them in)
                sums = whole.get((filters, _key(query), q_start, q_end))
                rows = [] if sums is None else [(quarters.quarter_of(q_start), sums)]
            results.append(_result(query, rows + tail))
    return results


def _result(query: MetricQuery, by_quarter: list[tuple[datetime, compute.MicroTotals]]) -> compute.Result:
    start, end = query.bounds
    mine = [(bucket, totals) for bucket, totals in by_quarter if start <= bucket < end]
    total = sum((totals for _bucket, totals in mine), compute.MicroTotals()).totals()
    series: list[dict[str, object]] = []
    if query.interval:
        grouped = quarters.grouped_by_local(mine, query.interval, query.tz)
        series = compute.series_of_totals(
            query.metric.kind,
            grouped,
            first=query.first,
            last=query.last,
            interval=query.interval,
            tz=query.tz,
        )
    kind = query.metric.kind
    return compute.Result(
        value=compute.value_of(kind, total), count=compute.count_of(kind, total), series=series
    )
