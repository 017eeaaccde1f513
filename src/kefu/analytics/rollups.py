"""The rollups' writer: fold new events into 15-minute rows, rebuild them, check them.

Nothing happens on the write path: ingest and the desk write events only. The worker's periodic
job `analytics.rollups` (`fold_due`) folds, in event-id order, every event up to the sealer's
safe horizon (`sealing.horizon_usable`: no id at or below it can still commit), so a fold never
misses an event that commits late. A fold of events (after, through] rebuilds, from the events
with an id up to `through`, every quarter hour those events touch
(`rollup_selectors.touched_quarters`) and moves the cursor (`RollupFillState`) in the same
transaction. Readers add the events above the cursor themselves (`rollup_selectors`), so a figure
is exact whatever the cursor's lag. docs/metrics.md, "Rollups".

A quarter hour that is still filling is folded less often than closed ones: when every unfolded
event lies in the current quarter hour (or later), there are fewer than a batch of them and the
cursor moved less than `filling_every` seconds ago, the job leaves them to the next run (each
fold would rebuild the same filling quarter again). Nothing is served differently: the cursor
does not move, so readers read those events as the tail, as always.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min

from kefu.analytics import rollup_selectors, sealing
from kefu.analytics.metrics import compute, facts, quarters, timezones
from kefu.analytics.models import ContactEvent, IntervalRollup, RollupFillState
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core import clock
from kefu.core.scope import Scope

log = logging.getLogger(__name__)

SYSTEM = sealing.SYSTEM  # a cross-tenant system job, like the sealer
BATCH = 5000  # events per fold transaction
REBUILD_CHUNK = timedelta(days=7)
RUN_GAP = 8  # a fold rebuilds the clean quarters between touched ones less than 2 hours apart
FILLING_EVERY = 60.0  # the job folds events of the still-filling quarter hour at most this often (s)


@dataclass
class FoldReport:
    events: int = 0
    quarters: int = 0
    rows: int = 0
    through_event_id: int = 0
    deferred: int = 0  # unfolded events of the filling quarter hour left to a later run

    def line(self) -> str:
        if self.deferred:
            return (
                f"left {self.deferred} events of the filling quarter hour to a later run; "
                f"rollups through event {self.through_event_id}"
            )
        return (
            f"folded {self.events} events into {self.quarters} quarter hours ({self.rows} rows); "
            f"rollups through event {self.through_event_id}"
        )


def _state() -> RollupFillState:
    """The cursor row, locked until the caller's transaction ends (one folder at a time)."""
    RollupFillState.objects.get_or_create(
        name=rollup_selectors.STATE, defaults={"through_event_id": 0, "updated_at": clock.now()}
    )
    return RollupFillState.objects.select_for_update().get(name=rollup_selectors.STATE)


def rows_between(
    client_id: int,
    start: datetime,
    end: datetime,
    *,
    through_id: int,
    thresholds: Iterable[float] = (),
    only: set[str] | None = None,
) -> dict[quarters.RowKey, compute.MicroTotals]:
    """Every rollup row of a client's quarter hours in [start, end), from the events up to
    `through_id`, service level also at each of `thresholds` (of the row metrics in `only` when
    given): one query per anchor."""
    rows: dict[quarters.RowKey, compute.MicroTotals] = {}
    for anchor, metric_ids in rollup_selectors.rolled_metrics().items():
        keys = rollup_selectors.row_metrics(metric_ids, thresholds)
        if only is not None:
            keys = [key for key in keys if key in only]
            if not keys:
                continue
        piece = facts.Slice(client_id=client_id, start=start, end=end, through_id=through_id)
        found = facts.anchor_facts(SYSTEM, piece, anchor=anchor, needs=rollup_selectors.needs_of(metric_ids))
        rows.update(quarters.rows_of(keys, found))
    return rows


def stored_rows(client_id: int, start: datetime, end: datetime) -> dict[quarters.RowKey, compute.MicroTotals]:
    """The rollup rows stored for a client's quarter hours in [start, end)."""
    found: dict[quarters.RowKey, compute.MicroTotals] = {}
    rows = IntervalRollup.objects.for_scope(SYSTEM).filter(
        client_id=client_id, bucket__gte=start, bucket__lt=end
    )
    for row in rows.values_list(
        "provider_id", "bucket", "metric", "queue", "channel", "agent_id", "numerator_micro",
        "denominator_micro", "items",
    ):  # fmt: skip
        key = quarters.RowKey(*row[:6])
        found[key] = found.get(key, compute.MicroTotals()) + compute.MicroTotals(*row[6:])
    return found


def _write(
    client_id: int,
    start: datetime,
    end: datetime,
    *,
    through_id: int,
    thresholds: Iterable[float] = (),
    only: set[str] | None = None,
) -> int:
    """Replace a client's rows of [start, end) (of the row metrics in `only` when given) by the
    recomputed ones; returns how many."""
    rows = rows_between(client_id, start, end, through_id=through_id, thresholds=thresholds, only=only)
    stale = IntervalRollup.objects.for_scope(SYSTEM).filter(
        client_id=client_id, bucket__gte=start, bucket__lt=end
    )
    if only is not None:
        stale = stale.filter(metric__in=sorted(only))
    stale.delete()
    _insert(
        [
            (
                key.provider_id,
                client_id,
                key.bucket,
                key.metric,
                key.queue,
                key.channel,
                key.agent_id,
                totals.numerator,
                totals.denominator,
                totals.items,
            )
            for key, totals in rows.items()
        ]
    )
    return len(rows)


_COLUMNS = (
    "provider_id, client_id, bucket, metric, queue, channel, agent_id, "
    "numerator_micro, denominator_micro, items"
)


def _insert(rows: list[tuple[object, ...]]) -> None:
    """Append rows: COPY on PostgreSQL, one executemany on SQLite (as the sealer does: the ORM's
    bulk_create spent most of a rebuild preparing values)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY analytics_intervalrollup ({_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 10)
            stored = connection.ops.adapt_datetimefield_value  # the ORM's text for a UTC time
            cursor.executemany(
                f"INSERT INTO analytics_intervalrollup ({_COLUMNS}) VALUES ({marks})",
                [(*row[:2], stored(row[2]), *row[3:]) for row in rows],
            )


def _deferred(limit: int | None, *, batch: int, filling_every: float) -> tuple[int, int] | None:
    """(the cursor, the unfolded events) when they may wait for a later run: all in the quarter
    hour still filling (or later), fewer than `batch`, and the cursor moved less than
    `filling_every` seconds ago; None when the fold should run now."""
    state = RollupFillState.objects.filter(name=rollup_selectors.STATE).first()
    if filling_every <= 0 or limit is None or state is None or state.through_event_id >= limit:
        return None
    now = clock.now()
    if (now - state.updated_at).total_seconds() >= filling_every:
        return None
    unfolded = (
        ContactEvent.objects.for_scope(SYSTEM)
        .filter(id__gt=state.through_event_id, id__lte=limit)
        .aggregate(events=Count("id"), first=Min("at"))
    )
    if unfolded["events"] >= batch or (
        unfolded["first"] is not None and unfolded["first"] < quarters.quarter_of(now)
    ):
        return None
    return state.through_event_id, unfolded["events"]


def fold(
    *,
    lag: float | None = None,
    batch: int = BATCH,
    max_events: int | None = None,
    filling_every: float = 0,
) -> FoldReport:
    """Fold the events up to the newest usable horizon into the rollups, `batch` events per
    transaction (each moves the cursor with the rows it rewrote). With `filling_every` (seconds),
    events that all fall in the still-filling quarter hour wait for a later run unless the cursor
    moved that long ago (`_deferred`)."""
    report = FoldReport()
    with transaction.atomic():
        sealing.horizon_take()
    horizon = sealing.horizon_usable(lag=lag)
    limit = horizon.max_event_id if horizon is not None else None
    waiting = _deferred(limit, batch=batch, filling_every=filling_every)
    if waiting is not None:
        report.through_event_id, report.deferred = waiting
        return report
    backfill_thresholds()
    while True:
        with transaction.atomic():
            state = _state()
            after = report.through_event_id = state.through_event_id
            if limit is None or after >= limit or (max_events is not None and report.events >= max_events):
                break
            take = batch if max_events is None else min(batch, max_events - report.events)
            ids = list(
                ContactEvent.objects.for_scope(SYSTEM)
                .filter(id__gt=after, id__lte=limit)
                .order_by("id")
                .values_list("id", flat=True)[:take]
            )
            through = ids[-1] if len(ids) == take else limit  # past the gaps at the end
            touched = rollup_selectors.touched_quarters(SYSTEM, after_id=after, through_id=through)
            thresholds = rollup_selectors.rolled_thresholds()
            for client_id, found in sorted(touched.items()):
                for start, end in quarters.runs(found, gap=RUN_GAP):
                    report.rows += _write(client_id, start, end, through_id=through, thresholds=thresholds)
                    report.quarters += round((end - start) / quarters.QUARTER)
            state.through_event_id = report.through_event_id = through
            state.updated_at = clock.now()
            state.save(update_fields=["through_event_id", "updated_at"])
            report.events += len(ids)
    return report


def _clients(through: int) -> list[int]:
    return sorted(
        c
        for c in ContactEvent.objects.for_scope(SYSTEM)
        .filter(id__lte=through)
        .order_by()
        .values_list("client_id", flat=True)
        .distinct()
        if c is not None
    )


def _mark_thresholds(thresholds: Iterable[float], through: int) -> None:
    for threshold in thresholds:
        RollupFillState.objects.update_or_create(
            name=rollup_selectors.threshold_state_name(threshold),
            defaults={"through_event_id": through, "updated_at": clock.now()},
        )


def backfill_thresholds() -> list[float]:
    """Service level at each threshold a configuration now uses and the rollups do not hold yet:
    its rows for the whole history up to the cursor, then the threshold is kept like any other
    (readers use its rows from then on; until then they read the events). Returns the ones added."""
    added: list[float] = []
    for threshold in sorted(rollup_selectors.wanted_thresholds() - rollup_selectors.rolled_thresholds()):
        with transaction.atomic():
            state = _state()
            through = state.through_event_id
            key = quarters.row_metric(quarters.THRESHOLD_METRIC, threshold)
            for client in _clients(through):
                extent = _extent(client, through)
                if extent is None:
                    continue
                for start, end in quarters.chunks(*extent, REBUILD_CHUNK):
                    _write(client, start, end, through_id=through, thresholds=[threshold], only={key})
            _mark_thresholds([threshold], through)
            added.append(threshold)
    return added


def fold_due() -> str:
    """The worker's periodic job `analytics.rollups`."""
    return fold(filling_every=FILLING_EVERY).line()


# --- rebuild ----------------------------------------------------------------------------------------------
@dataclass
class RebuildReport:
    clients: list[int] = field(default_factory=list)
    rows: int = 0
    through_event_id: int = 0


def _extent(client_id: int, through_id: int) -> tuple[datetime, datetime] | None:
    events = ContactEvent.objects.for_scope(SYSTEM).filter(client_id=client_id, id__lte=through_id)
    found = events.aggregate(first=Min("at"), last=Max("at"))
    if found["first"] is None:
        return None
    return quarters.quarter_of(found["first"]), quarters.quarter_of(found["last"]) + quarters.QUARTER


def period_quarters(client_id: int, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC quarter hours covering the client's calendar days first..last."""
    start, end = compute.period_bounds(first, last, timezones.client_time_zone(client_id))
    ceiling = quarters.quarter_of(end)
    return quarters.quarter_of(start), ceiling if ceiling == end else ceiling + quarters.QUARTER


def rebuild(
    *,
    client_id: int | None = None,
    first: date | None = None,
    last: date | None = None,
    lag: float | None = None,
) -> RebuildReport:
    """Recompute rows from the event log. With no client and no dates: every row, from scratch, up
    to the newest usable horizon (the cursor moves there). Otherwise the rows of that client (or of
    every client) in those days (or in all of its history), at the current cursor."""
    report = RebuildReport()
    everything = client_id is None and first is None and last is None
    if everything:
        with transaction.atomic():
            sealing.horizon_take()
    with transaction.atomic():
        state = _state()
        through = state.through_event_id
        if everything:
            horizon = sealing.horizon_usable(lag=lag)
            through = max(through, horizon.max_event_id if horizon is not None else 0)
            IntervalRollup.objects.for_scope(SYSTEM).delete()
            # from scratch: the thresholds configurations use now, and no other
            RollupFillState.objects.filter(name__startswith=rollup_selectors.THRESHOLD_STATE).delete()
            thresholds = rollup_selectors.wanted_thresholds()
            _mark_thresholds(thresholds, through)
        else:
            thresholds = rollup_selectors.rolled_thresholds()
        clients = [client_id] if client_id is not None else _clients(through)
        for client in clients:
            extent = _extent(client, through)
            if extent is None:
                continue
            start, end = extent
            if first is not None or last is not None:
                start, end = period_quarters(client, first or start.date(), last or end.date())
            for piece_start, piece_end in quarters.chunks(start, end, REBUILD_CHUNK):
                report.rows += _write(
                    client, piece_start, piece_end, through_id=through, thresholds=thresholds
                )
            report.clients.append(client)
        state.through_event_id = report.through_event_id = through
        state.updated_at = clock.now()
        state.save(update_fields=["through_event_id", "updated_at"])
    return report


# --- check -----------------------------------------------------------------------------------------------
@dataclass
class Difference:
    """The first rollup measure that disagrees with the events (or a period figure that does)."""

    bucket: datetime | None
    metric: str
    measure: str
    rollup: Any
    events: Any
    key: quarters.RowKey | None = None


@dataclass
class CheckReport:
    client_id: int
    first: date
    last: date
    through_event_id: int
    rows: int = 0
    figures: int = 0
    differences: list[Difference] = field(default_factory=list)


def check(*, client_id: int, first: date, last: date) -> CheckReport:
    """Recompute the client's rows of the period from the events up to the cursor and compare them
    with the stored ones, measure by measure; then each additive figure of the period, summed from
    the rollups (plus the tail) and recomputed from the events alone. Differences in time order."""
    from kefu.analytics.metrics import queries

    with transaction.atomic():
        state = _state()  # no fold moves the cursor meanwhile
        report = CheckReport(client_id, first, last, state.through_event_id)
        start, end = period_quarters(client_id, first, last)
        thresholds = sorted(rollup_selectors.rolled_thresholds())
        expected = rows_between(
            client_id, start, end, through_id=state.through_event_id, thresholds=thresholds
        )
        stored = stored_rows(client_id, start, end)
        report.rows = len(stored)
        order = sorted(set(expected) | set(stored), key=lambda k: (k.bucket, k.metric, repr(k)))
        for key in order:
            want, have = expected.get(key, compute.MicroTotals()), stored.get(key, compute.MicroTotals())
            for measure in ("numerator", "denominator", "items"):
                if getattr(want, measure) != getattr(have, measure):
                    report.differences.append(
                        Difference(
                            key.bucket,
                            key.metric,
                            measure,
                            getattr(have, measure),
                            getattr(want, measure),
                            key,
                        )
                    )
                    break
        figure_scope = Scope.platform(
            user_id=None, organization_id=None, permissions=frozenset(AnalyticsPerm)
        )
        asked = [
            (metric_id, None)
            for metric_ids in rollup_selectors.rolled_metrics().values()
            for metric_id in metric_ids
        ]
        asked += [(quarters.THRESHOLD_METRIC, threshold) for threshold in thresholds]
        for metric_id, threshold in asked:
            query = queries.metric_query(
                figure_scope,
                metric_id=metric_id,
                client_id=client_id,
                date_from=first,
                date_to=last,
                threshold_s=threshold,
            )
            rolled = queries.metric_value(figure_scope, query, median=False).result
            raw = queries.metric_value_from_events(figure_scope, query, median=False).result
            report.figures += 1
            for measure in ("value", "count"):
                if getattr(rolled, measure) != getattr(raw, measure):
                    report.differences.append(
                        Difference(
                            None,
                            quarters.row_metric(metric_id, threshold),
                            measure,
                            getattr(rolled, measure),
                            getattr(raw, measure),
                        )
                    )
                    break
    return report
