"""Six months of three clients, then the monthly KPI review and a dashboard, timed on PostgreSQL.

    uv run python bench/reports.py [--conversations 1000000] [--months 6]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--database NAME] [--keep] [--reuse]
        [--json]

Makes a throwaway database `--database` (default `kefu_bench_metrics`; dropped at the end unless
`--keep`), writes a seeded history by bulk inserts (`COPY`, a batch of 20,000 events at a time in
time order) with a progress bar on stderr: `--conversations`
contacts spread over `--months` months for three clients with a daily curve, each client with an
SLA policy (first response, next response, resolution and L2 resolution targets) and three queues
with service-level targets. A contact carries the events the desk writes for a chat like the
demo's (`desk.demo._replay_conversation`), about 11 on average (so 1,000,000 conversations make
about 11,000,000 events): the offer and the customer's question, an automatic greeting for half,
the assignment, the agent's first reply with its `first_response` (for 30 % a "one moment" before
the answer), zero to two more turns, the customer's thanks, the agent's goodbye and the resolution;
4 % abandoned before an answer (then closed), 4 % escalated to the client's L2 with a case and
handed back, 1 % complaints (a case and the register's entry), 4 % reopened, a survey answer for a
third, linked orders for 30 % of pre-sales chats. Then it folds the 15-minute rollups from the
event log (`rollups.rebuild`, timed: what the worker does as events arrive), vacuums (as
autovacuum does to an append-only table: the visibility map lets the covering indexes answer
without the table, docs/reports.md "How the review reads") and, for the first client:

1. times the monthly KPI review of the last full month (`reports.figure_selectors.monthly_review`,
   what `GET /api/monthly-review` and the archive serve);
2. times a dashboard query: the client's home figures (`dashboard_selectors.client_dashboard`
   with `HOME_METRICS`, 14 days, daily series, each with the previous 14 days);
3. checks every additive figure of that month served from the rollups against the same figure
   recomputed from the events alone (value, count, daily series): `rollups_match_recomputation`.

`--reuse` times a kept database again (after a code change) without making it anew: when
`--database` exists and holds the generated history of `--conversations` (its bench provider,
its highest conversation id equal to `--conversations`, its rollups folded up to its newest
event), the drop and create, the generation and the rebuild are skipped; the review is timed
three times (first and best reported), the dashboard twice, and the rollups are checked against
the events as above. When the database does not exist it is made as without the flag; when it
exists but holds something else (another `--conversations`, a generation still running or cut
short) the script stops with exit 2 and changes nothing (migrations aside). A reused or newly
made database is kept (`--reuse` implies `--keep`). The `events` figure is then the stored
count (nothing was generated to compare it with).

The last line is one JSON object with `conversations`, `events`, `monthly_review_s`,
`dashboard_ms`, `rollups_match_recomputation` and the timings behind them. Exit 1 when the
rollups disagree with the events or the stored event count is not what was generated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATABASE = "kefu_bench_metrics"
CLIENTS = (("bench-yuejia", "悦家家居"), ("bench-qingyu", "轻语美妆"), ("bench-jike", "极客数码"))
QUEUES = ("售前-在线", "售后-在线", "物流-在线")
BATCH = 20_000
TZ_OFFSET = timedelta(hours=8)  # the clients' calendar (Asia/Shanghai, the default)


def _setup(database_url: str, var_dir: Path) -> None:
    os.environ.update(
        {
            "KEFU_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "kefu.config.settings.base",
            "KEFU_LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Progress:
    """A bar on stderr (a line per tenth when stderr is not a terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done, self.shown = total, label, 0, -1
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def advance(self, n: int, detail: str = "") -> None:
        self.done += n
        share = self.done / self.total if self.total else 1.0
        step = int(share * (100 if self.tty else 10))
        if step == self.shown and self.done < self.total:
            return
        self.shown = step
        bar = "#" * int(share * 30)
        elapsed = time.perf_counter() - self.started
        line = f"{self.label} [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} {detail} {elapsed:.0f} s"
        print(("\r" if self.tty else "") + line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _organisations() -> tuple[int, list[int], list[int]]:
    """The provider, the three clients (with SLA policies and queues) and 60 agents."""
    from kefu.desk.models import SlaPolicy
    from kefu.routing.models import Queue
    from kefu.tenancy.models import Organization, User

    provider = Organization.objects.create(kind="provider", name="基准服务商", slug="bench-provider")
    clients = []
    for slug, name in CLIENTS:
        client = Organization.objects.create(kind="client", name=name, slug=slug)
        clients.append(client.pk)
        SlaPolicy.all_tenants.create(
            client_id=client.pk,
            channel="",
            first_response_s=60,
            next_response_s=120,
            resolution_s=4 * 3600,
            l2_resolution_s=24 * 3600,  # the review counts the L2 cohort (its escalation read)
        )
        for queue in QUEUES:
            Queue.all_tenants.create(
                provider_id=provider.pk, client_id=client.pk, name=f"{name[:2]}-{queue}", channel="chat",
                business_type="pre_sales" if queue.startswith("售前") else "after_sales",
                sl_target_percent=80, sl_target_seconds=30,
            )  # fmt: skip
    agents = [User.objects.create(username=f"bench-agent-{n}").pk for n in range(60)]
    return provider.pk, clients, agents


def _conversation(rng: random.Random, emit, cid: int, offered: datetime, queue: str, agent: int) -> None:  # type: ignore[no-untyped-def]
    """One contact's events, as the desk writes them (`emit(type, at, agent, value, cid, **data)`):
    a chat as the demo replays it (`desk.demo._replay_conversation`): the customer's question, an
    automatic greeting for half, the agent's answer (a "one moment" first for some, `first_response`
    with the first reply), a few more turns, the customer's thanks and the agent's goodbye, then
    the resolution; abandoned chats are closed, L2 escalations open a case and come back."""
    from kefu.analytics.models import EventType

    emit(EventType.OFFERED, offered, None, None, priority="normal")
    seq = iter(range(1, 1000))
    emit(EventType.MESSAGE_IN, offered, None, None, seq=next(seq))
    if rng.random() < 0.04:  # left before an answer: the desk closes the chat
        wait = rng.uniform(1, 5) if rng.random() < 0.3 else rng.uniform(25, 240)
        gone = offered + timedelta(seconds=wait)
        emit(EventType.ABANDONED, gone, None, wait, by="left")
        emit(EventType.CLOSED, gone, None, None, to="closed")
        return
    if rng.random() < 0.5:
        emit(EventType.MESSAGE_OUT, offered + timedelta(seconds=2), None, None, seq=next(seq))  # greeting
    assigned = offered + timedelta(seconds=rng.expovariate(1 / 20))
    emit(EventType.ASSIGNED, assigned, agent, None, how="auto")
    reply = assigned + timedelta(seconds=rng.expovariate(1 / 25), microseconds=rng.randrange(10**6))
    at, first = reply, next(seq)
    emit(EventType.MESSAGE_OUT, reply, agent, None, seq=first)
    emit(EventType.FIRST_RESPONSE, reply, agent, (reply - offered).total_seconds(), seq=first)
    if rng.random() < 0.3:  # that was "one moment, I'll look it up": the answer follows
        at += timedelta(seconds=rng.randrange(15, 90))
        emit(EventType.MESSAGE_OUT, at, agent, None, seq=next(seq))
    for _turn in range(rng.choice((0, 1, 1, 2))):
        at += timedelta(seconds=rng.randrange(10, 300))
        emit(EventType.MESSAGE_IN, at, None, None, seq=next(seq))
        at += timedelta(seconds=rng.expovariate(1 / 40))
        emit(EventType.MESSAGE_OUT, at, agent, None, seq=next(seq))
    at += timedelta(seconds=rng.randrange(5, 60))
    emit(EventType.MESSAGE_IN, at, None, None, seq=next(seq))  # "好的，谢谢"
    if queue.endswith("售前-在线") and rng.random() < 0.3:
        emit(EventType.ORDER_LINKED, at + timedelta(seconds=20), agent, None, order_number=f"B{cid}")
    category = "售前咨询/商品咨询" if "售前" in queue else "物流/查件"
    if rng.random() < 0.04:  # handed to the client's L2 with a case; back to the agent the next day
        escalated = at + timedelta(seconds=30)
        emit(EventType.CASE_OPENED, escalated, agent, None, type="return")
        emit(EventType.ESCALATED, escalated, agent, None, tier="l2", **{"from": "open"})
        back = escalated + timedelta(hours=rng.uniform(2, 30))
        emit(EventType.DEESCALATED, back, agent, None, tier="l2", to="open")
        at = back + timedelta(minutes=rng.uniform(1, 30))
        emit(EventType.MESSAGE_OUT, at, agent, None, seq=next(seq))  # the agent tells the customer
    if rng.random() < 0.01:  # a complaint: its case, and the register's entry (`complaint_rate`)
        emit(EventType.CASE_OPENED, at + timedelta(seconds=40), agent, None, type="complaint")
        emit(
            EventType.COMPLAINT_REGISTERED, at + timedelta(seconds=50), None, None,
            complaint_id=cid, severity="normal", source="chat",
        )  # fmt: skip
    resolved = at + timedelta(seconds=rng.randrange(60, 900))
    emit(EventType.MESSAGE_OUT, resolved - timedelta(seconds=15), agent, None, seq=next(seq))  # goodbye
    emit(EventType.RESOLVED, resolved, agent, None, category=category)
    if rng.random() < 0.04:
        emit(EventType.REOPENED, resolved + timedelta(hours=3), agent, None)
        emit(EventType.RESOLVED, resolved + timedelta(hours=4), agent, None, category=category)
    if rng.random() < 0.33:
        emit(
            EventType.SURVEY_ANSWERED,
            resolved + timedelta(minutes=5),
            agent,
            None,
            score=rng.choice((5, 5, 5, 4, 4, 3, 1)),
        )


COLUMNS = (
    "type",
    "at",
    "provider_id",
    "client_id",
    "conversation_id",
    "channel",
    "queue",
    "agent_id",
    "value_s",
    "data",
)


def _copy(rows: list[tuple[Any, ...]]) -> None:
    """Write events with `COPY` (the rest of each row is null): building a `ContactEvent` and an
    `INSERT` per event took most of the generation's time (a profile: 40 % compiling the SQL,
    20 % making the objects)."""
    from django.db import connection

    from kefu.analytics.models import ContactEvent

    connection.ensure_connection()
    table = ContactEvent._meta.db_table
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _history(conversations: int, first: date, days: int, seed: int) -> int:
    """Bulk-write the seeded history (each batch in time order); returns the number of events written."""
    from psycopg.types.json import Jsonb

    from kefu.tenancy.models import Organization, User

    provider = Organization.objects.get(slug="bench-provider").pk
    clients = list(Organization.objects.filter(slug__in=[s for s, _n in CLIENTS]).order_by("pk"))
    agents = list(User.objects.filter(username__startswith="bench-agent").values_list("pk", flat=True))
    rng = random.Random(seed)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC) - TZ_OFFSET
    rows: list[tuple[Any, ...]] = []
    written = 0
    bar = Progress(conversations, "history")
    for cid in range(1, conversations + 1):
        client = clients[cid % len(clients)]
        queue = f"{client.name[:2]}-{rng.choice(QUEUES)}"
        hour = min(23.9, max(0.0, rng.gauss(14.5, 4)))  # local time of day, most between 8:00 and 22:00
        offered = start + timedelta(days=rng.randrange(days), hours=hour)
        channel = "chat"

        def emit(kind, at, agent, value, cid=cid, client=client.pk, queue=queue, channel=channel, **data):  # type: ignore[no-untyped-def]
            # in COLUMNS' order; the type's value, not the enum (psycopg would write its name)
            rows.append((kind.value, at, provider, client, cid, channel, queue, agent, value, Jsonb(data)))

        _conversation(rng, emit, cid, offered, queue, rng.choice(agents))
        if len(rows) >= BATCH or cid == conversations:
            rows.sort(key=lambda row: row[1])
            _copy(rows)
            written += len(rows)
            rows.clear()
            bar.advance(cid - bar.done, f"{written:,} events")
    bar.close()
    return written


def _note(line: str) -> None:
    """A phase's end on stderr, with the load average (a long run's log shows how far it got)."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{datetime.now(UTC):%H:%M:%S} {line} (load {load})", file=sys.stderr, flush=True)


def _database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _holds_history(conversations: int) -> str:
    """Why the migrated database does not hold the generated history of `conversations` ("": it does)."""
    from django.db.models import Max

    from kefu.analytics.models import ContactEvent, IntervalRollup, RollupFillState
    from kefu.tenancy.models import Organization

    if not Organization.objects.filter(slug="bench-provider").exists():
        return "it has no bench provider"
    highest = ContactEvent.all_tenants.aggregate(highest=Max("conversation_id"))["highest"]
    if highest != conversations:
        return f"its highest conversation id is {highest}, not {conversations}"
    folded = RollupFillState.objects.filter(name="interval_rollups").values_list(
        "through_event_id", flat=True
    )
    newest = ContactEvent.all_tenants.aggregate(newest=Max("id"))["newest"]
    if not IntervalRollup.all_tenants.exists() or not folded or folded[0] < newest:
        return "its rollups were not folded up to its newest event"
    return ""


def _timed(call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=DATABASE, help="the scratch database's name")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time a kept database holding this history again (skip making it); implies --keep",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import psycopg

    admin_url, name = args.database_url, args.database
    if not name.replace("_", "").isalnum():
        parser.error(f"--database {name!r}: letters, digits and underscores only")
    reuse = args.reuse and _database_exists(admin_url, name)
    if not reuse:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    database_url = urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    var_dir = Path(tempfile.mkdtemp(prefix="kefu-bench-reports-"))
    _setup(database_url, var_dir)
    if reuse and (why := _holds_history(args.conversations)):
        shutil.rmtree(var_dir, ignore_errors=True)
        print(
            f"--reuse: {name} does not hold the history of {args.conversations:,} conversations: {why}",
            file=sys.stderr,
        )
        raise SystemExit(2)

    from django.db import connection

    from kefu.analytics import dashboard_selectors, rollup_selectors, rollups
    from kefu.analytics.metrics import queries
    from kefu.analytics.metrics.dictionary import METRICS
    from kefu.analytics.models import ContactEvent
    from kefu.core.roles import all_permissions
    from kefu.core.scope import Scope
    from kefu.reports import figure_selectors
    from kefu.tenancy.models import Organization

    first = date(2026, 5, 1)
    after = date(
        first.year + (first.month - 1 + args.months) // 12, (first.month - 1 + args.months) % 12 + 1, 1
    )
    last = after - timedelta(days=1)
    days = (last - first).days + 1
    generate_s: float | None = None
    rebuild_s: float | None = None
    if reuse:
        clients = list(
            Organization.objects.filter(slug__in=[s for s, _n in CLIENTS])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        events = ContactEvent.all_tenants.count()
        problems: list[str] = []
        _note(f"reusing {name}: {events:,} events; timing the review and the dashboard")
    else:
        _provider, clients, _agents = _organisations()
        generated, generate_s = _timed(lambda: _history(args.conversations, first, days, args.seed))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        events = ContactEvent.all_tenants.count()
        problems = [] if events == generated else [f"{generated} events generated, {events} stored"]
        _note(f"generated {events:,} events in {generate_s:.0f} s; rebuilding the rollups")
        _, rebuild_s = _timed(lambda: rollups.rebuild(lag=0))
        _note(f"rollups rebuilt in {rebuild_s:.0f} s; vacuuming")
        with connection.cursor() as cursor:
            # what autovacuum does to an append-only table after enough inserts: the visibility
            # map it sets lets the covering indexes' index-only scans skip the heap
            cursor.execute("VACUUM (ANALYZE)")
        _note("vacuumed; timing the review and the dashboard")

    scope = Scope.platform(user_id=None, organization_id=None, permissions=all_permissions())
    client = clients[0]
    month = date(last.year, last.month, 1)  # the last full month
    review_times = []
    for _run in range(3 if reuse else 2):
        review, seconds = _timed(
            lambda: figure_selectors.monthly_review(scope, client_id=client, month=month)
        )
        review_times.append(seconds)
    period = dashboard_selectors.Period(last - timedelta(days=13), last)
    dashboard, dashboard_s = _timed(
        lambda: dashboard_selectors.client_dashboard(
            scope, client_id=client, period=period, metric_ids=dashboard_selectors.HOME_METRICS
        )
    )
    _, dashboard_again_s = _timed(
        lambda: dashboard_selectors.client_dashboard(
            scope, client_id=client, period=period, metric_ids=dashboard_selectors.HOME_METRICS
        )
    )
    best_review, best_dashboard = min(review_times), min(dashboard_s, dashboard_again_s)
    _note(f"review {best_review:.3f} s, dashboard {best_dashboard * 1000:.1f} ms; checking the rollups")
    month_last = last
    asked = [(m.id, None, "") for m in METRICS.values() if m.rolls_up]
    # service level at each queue's own threshold, per queue: what the review reads
    queues = [f"{CLIENTS[0][1][:2]}-{queue}" for queue in QUEUES]  # the first client's
    asked += [("service_level", t, q) for t in sorted(rollup_selectors.rolled_thresholds()) for q in queues]
    for metric_id, threshold, queue in asked:
        query = queries.metric_query(
            scope,
            metric_id=metric_id,
            client_id=client,
            date_from=month,
            date_to=month_last,
            interval="day",
            threshold_s=threshold,
            queue=queue,
        )
        if not rollup_selectors.can_read(query, median=False):
            problems.append(f"{metric_id} at {threshold} s: not served from the rollups")
        served = queries.metric_value(scope, query, median=False).result
        raw = queries.metric_value_from_events(scope, query, median=False).result
        if (served.value, served.count, served.series) != (raw.value, raw.count, raw.series):
            problems.append(
                f"{metric_id} {threshold or ''} {queue}: rollups {served.value}/{served.count}, "
                f"events {raw.value}/{raw.count}"
            )

    result = {
        "database": connection.vendor,
        "conversations": args.conversations,
        "events": events,
        "clients": len(clients),
        "months": args.months,
        "reused": reuse,
        "generate_s": None if generate_s is None else round(generate_s, 1),
        "rollups_rebuild_s": None if rebuild_s is None else round(rebuild_s, 1),
        "review_month": month.strftime("%Y-%m"),
        "review_targets": len(review["targets"]),
        "monthly_review_s": round(best_review, 3),
        "monthly_review_first_s": round(review_times[0], 3),
        "monthly_review_runs": len(review_times),
        "dashboard_figures": len(dashboard.figures),
        "dashboard_ms": round(min(dashboard_s, dashboard_again_s) * 1000, 1),
        "dashboard_first_ms": round(dashboard_s * 1000, 1),
        "figures_checked": len(asked),
        "rollups_match_recomputation": not problems,
    }
    connection.close()
    if not (args.keep or args.reuse):
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    shutil.rmtree(var_dir, ignore_errors=True)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    print(json.dumps(result, ensure_ascii=False))
    if problems:
        print("problems:", *problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
