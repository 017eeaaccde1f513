"""The sealer: appends every committed event to its tenant pair's hash chain, then closes days.

Nothing happens on the write path (the ingest loop writes events with raw SQL at full speed);
a periodic job (`analytics.seal`, `kefu analytics seal`) catches up in event-id order. It seals
only up to a *horizon* that is safe: ids in PostgreSQL come from a sequence and transactions
commit out of order, so a lower id may still commit after a higher one is visible. Each run
records a horizon (the highest visible id and, on PostgreSQL, the transactions open just after)
and seals up to the newest horizon that is at least `KEFU_EVENT_SEAL_LAG_S` old and none of
whose open transactions is still open. docs/event-log.md explains why that is sound and
what `verify` reports if an event ever commits below the head anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from kefu.analytics import chain
from kefu.analytics.models import ContactEvent, DailyDigest, EventSeal, SealHorizon
from kefu.core import clock
from kefu.core.scope import Scope

log = logging.getLogger(__name__)

BATCH = 5000
MAX_DAYS_PER_RUN = 400  # a chain catching up closes at most this many days per run

# The sealer and the digests are a cross-tenant system job: it reads every tenant's events.
SYSTEM = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())

ZoneResolver = Callable[[int], str]
_zone_resolvers: list[ZoneResolver] = []


def register_client_zone(resolver: ZoneResolver) -> None:
    """The desk tells analytics each client's time zone (its service calendar) at `ready()`:
    analytics imports no domain app, as for event sinks."""
    if resolver not in _zone_resolvers:
        _zone_resolvers.append(resolver)


def client_zone(client_id: int | None) -> ZoneInfo:
    """The time zone a client's days are cut in; the site's zone when none is known."""
    name = settings.TIME_ZONE
    if client_id is not None and _zone_resolvers:
        name = _zone_resolvers[-1](client_id) or name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def lag_s() -> float:
    return float(getattr(settings, "KEFU_EVENT_SEAL_LAG_S", 5))


@dataclass
class SealReport:
    sealed: int = 0
    chains: set[str] = field(default_factory=set)
    through_event_id: int | None = None
    digests: int = 0

    def line(self) -> str:
        return (
            f"sealed {self.sealed} events in {len(self.chains)} chains through event "
            f"{self.through_event_id if self.through_event_id is not None else '-'}; {self.digests} digests"
        )


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


_OPEN_TRANSACTIONS = (
    "SELECT pid, coalesce(xact_start::text, ''), coalesce(backend_xid::text, '')"
    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND (xact_start IS NOT NULL OR backend_xid IS NOT NULL)"
)


def _open_transactions() -> set[tuple[str, str, str]]:
    """The other sessions' open transactions in this database, by (pid, start, xid): `xact_start`
    is shown for sessions of the same role (Kefu's own), `backend_xid` to everyone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the live state, not a cached one
        cursor.execute(_OPEN_TRANSACTIONS)
        return {(str(pid), start, xid) for pid, start, xid in cursor.fetchall()}


def horizon_take() -> SealHorizon:
    """Record what is visible now: the highest event id, then (PostgreSQL) the transactions still
    open. Any id at or below it that is not visible was drawn by one of those (or rolled back)."""
    top = ContactEvent.objects.for_scope(SYSTEM).aggregate(top=Max("id"))["top"]
    running = ""
    if _is_postgres():
        running = "\n".join("/".join(t) for t in sorted(_open_transactions()))
    return SealHorizon.objects.create(taken_at=clock.now(), max_event_id=top or 0, pg_running=running)


def _transactions_ended(running: str) -> bool:
    """Whether every transaction recorded open with a horizon has ended (committed or rolled back).

    A session is still in the same transaction if it shows the same start time (or, when the
    start is hidden from us, the same transaction id). Prepared (two-phase) transactions are
    not used by Kefu."""
    if not running or not _is_postgres():
        return True
    now = _open_transactions()
    by_start = {(pid, start) for pid, start, _xid in now if start}
    by_xid = {(pid, xid) for pid, _start, xid in now if xid}
    for line in running.splitlines():
        pid, start, xid = line.split("/")
        if (start and (pid, start) in by_start) or (not start and xid and (pid, xid) in by_xid):
            return False
    return True


def horizon_usable(*, lag: float | None = None) -> SealHorizon | None:
    """The newest horizon old enough and with every transaction of its moment ended."""
    lag = lag_s() if lag is None else lag
    horizons = SealHorizon.objects.filter(taken_at__lte=clock.now() - timedelta(seconds=lag))
    for horizon in horizons.order_by("-id")[:20]:
        if _transactions_ended(horizon.pg_running):
            return horizon
    return None


def _head(key: str) -> tuple[int, str]:
    last = EventSeal.objects.for_scope(SYSTEM).filter(chain_key=key).order_by("-seq").first()
    return (last.seq, last.link_hash) if last is not None else (0, chain.GENESIS)


def sealed_through() -> int:
    """The highest sealed event id (the sealer appends in id order, so all below are handled)."""
    return EventSeal.objects.for_scope(SYSTEM).aggregate(top=Max("event_id"))["top"] or 0


def seal_pending(
    *, lag: float | None = None, batch: int = BATCH, max_events: int | None = None
) -> SealReport:
    """Take a horizon, then seal every visible unsealed event up to the usable horizon, in id order.

    Each batch is one transaction; the unique (chain, seq) and event_id keys make a second
    sealer running at the same moment fail instead of forking a chain.
    """
    report = SealReport()
    with transaction.atomic():
        horizon_take()
    horizon = horizon_usable(lag=lag)
    if horizon is None:
        return report
    cursor_id = sealed_through()
    heads: dict[str, tuple[int, str]] = {}
    caught_up = False
    while max_events is None or report.sealed < max_events:
        take = batch if max_events is None else min(batch, max_events - report.sealed)
        rows = list(
            ContactEvent.objects.for_scope(SYSTEM)
            .filter(id__gt=cursor_id, id__lte=horizon.max_event_id)
            .order_by("id")
            .values(*chain.FIELDS)[:take]
        )
        if not rows:
            caught_up = True
            break
        now = clock.now()
        seals: list[tuple[object, ...]] = []
        staged = dict(heads)
        for row in rows:
            key = chain.chain_key(row["provider_id"], row["client_id"])
            seq, previous = staged[key] if key in staged else _head(key)
            body = chain.canonical(row)
            link = chain.link(previous, body)
            seals.append(
                (row["provider_id"], row["client_id"], key, seq + 1, row["id"], row["at"],
                 chain.event_hash(body), link, now)
            )  # fmt: skip
            staged[key] = (seq + 1, link)
            report.chains.add(key)
        with transaction.atomic():
            _insert_seals(seals)
        heads = staged
        cursor_id = rows[-1]["id"]
        report.sealed += len(rows)
        report.through_event_id = cursor_id
    if caught_up or not _more_below(horizon.max_event_id, cursor_id):
        SealHorizon.objects.filter(pk=horizon.pk).update(sealed_at=clock.now())
        SealHorizon.objects.filter(id__lt=horizon.pk).delete()
    return report


_SEAL_COLUMNS = "provider_id, client_id, chain_key, seq, event_id, at, event_hash, link_hash, sealed_at"


def _insert_seals(seals: list[tuple[object, ...]]) -> None:
    """Append the links: COPY on PostgreSQL, one executemany on SQLite (the ORM's bulk_create
    spent most of the sealer's time preparing values; these rows are plain)."""
    with connection.cursor() as cursor:
        if _is_postgres():
            with cursor.cursor.copy(f"COPY analytics_eventseal ({_SEAL_COLUMNS}) FROM STDIN") as copy:
                for seal in seals:
                    copy.write_row(seal)
        else:
            marks = ", ".join(["%s"] * 9)
            cursor.executemany(f"INSERT INTO analytics_eventseal ({_SEAL_COLUMNS}) VALUES ({marks})", seals)


def _more_below(limit: int, after: int) -> bool:
    return ContactEvent.objects.for_scope(SYSTEM).filter(id__gt=after, id__lte=limit).exists()


def _day_end(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def digests_close() -> int:
    """Write each chain's digest for every day that is over and fully sealed; returns how many.

    A day is over for the digests when the newest fully sealed horizon was taken after its end
    (so every event committed before midnight, plus the lag, is in the chain).
    """
    sealed = SealHorizon.objects.exclude(sealed_at=None).order_by("-id").first()
    if sealed is None:
        return 0
    written = 0
    chains = (
        EventSeal.objects.for_scope(SYSTEM)
        .values_list("chain_key", "provider_id", "client_id")
        .order_by("chain_key")
        .distinct()
    )
    for key, provider_id, client_id in chains:
        written += _close_chain(key, provider_id, client_id, sealed.taken_at)
    return written


def _close_chain(key: str, provider_id: int | None, client_id: int | None, horizon_at: datetime) -> int:
    zone = client_zone(client_id)
    seals = EventSeal.objects.for_scope(SYSTEM).filter(chain_key=key)
    last = DailyDigest.objects.for_scope(SYSTEM).filter(chain_key=key).order_by("-date").first()
    if last is not None:
        day, length, head, last_id = (
            last.date + timedelta(days=1),
            last.chain_length,
            last.head_hash,
            last.last_event_id,
        )
    else:
        first = seals.order_by("seq").first()
        if first is None:
            return 0
        day, length, head, last_id = first.at.astimezone(zone).date(), 0, chain.GENESIS, None
    written = 0
    while written < MAX_DAYS_PER_RUN and _day_end(day, zone) <= horizon_at:
        top = seals.filter(seq__gt=length, at__lt=_day_end(day, zone)).order_by("-seq").first()
        if top is not None:
            new_length, head, last_id = top.seq, top.link_hash, top.event_id
        else:
            new_length = length
        DailyDigest.objects.create(
            provider_id=provider_id,
            client_id=client_id,
            chain_key=key,
            date=day,
            tz=str(zone),
            head_hash=head,
            event_count=new_length - length,
            chain_length=new_length,
            last_event_id=last_id,
            created_at=clock.now(),
        )
        length, day, written = new_length, day + timedelta(days=1), written + 1
    return written


def seal_due() -> str:
    """The worker's periodic job: seal what is safe, close the days that are over."""
    report = seal_pending()
    report.digests = digests_close()
    return report.line()
