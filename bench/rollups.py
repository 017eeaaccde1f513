"""A month figure from raw events vs from the 15-minute rollups, on a generated history.

    uv run python bench/rollups.py [--conversations 50000] [--days 30] [--database-url URL] [--json]

Sets up a scratch installation (its own var dir; for PostgreSQL a throwaway database), writes a
seeded history of one client (bulk inserts of the events the desk writes: offers, customer
messages, automatic greetings, assignments, replies, resolutions, reopenings, escalations,
abandons, complaints, survey answers), then for a month of that client:

1. times each additive figure recomputed from the events alone (`metric_value_from_events`);
2. rebuilds the rollups from the event log (`rollups.rebuild`) and times it;
3. times the same figures served from the rollups (`metric_value`, median left out);
4. writes one more day of events without folding them (the unfolded tail) and times the figures
   again (rollups + tail), then folds that day (`rollups.fold`) and reports events folded per s.

It checks as well as times: every served figure (value, count and the daily series) must equal
the events' figure exactly, before and after the tail; any difference exits 1. The last line is
one JSON object {"conversations", "events", "raw_s", "rollup_ms", "rollups_match_recomputation", …}.
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
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

METRICS = ["offered", "answer_rate", "service_level", "asa", "first_response_time", "aht", "fcr", "csat"]
FIRST = date(2026, 11, 1)  # the client's calendar (Asia/Shanghai)


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


def _history(conversations: int, start: datetime, days: int, seed: int, first_id: int) -> tuple[list, int]:
    """Seeded events of `conversations` contacts spread over `days` from `start` (a daily curve)."""
    from kefu.analytics.models import ContactEvent, EventType
    from kefu.tenancy.models import Organization, User

    provider = Organization.objects.get(slug="bench-provider")
    client = Organization.objects.get(slug="bench-client")
    agents = list(User.objects.filter(username__startswith="bench-agent").values_list("pk", flat=True))
    rng = random.Random(seed)
    rows: list[ContactEvent] = []
    queues = ["售前", "售后", "物流"]
    for n in range(conversations):
        cid = first_id + n
        day = rng.randrange(days)
        hour = min(23, max(0, int(rng.gauss(14, 4))))  # local 8:00-22:00 mostly
        offered = start + timedelta(days=day, hours=hour - 8, seconds=rng.randrange(3600))
        channel = "phone" if rng.random() < 0.15 else "chat"
        queue = rng.choice(queues)
        agent = rng.choice(agents)

        def event(
            kind: str,
            at: datetime,
            agent_id: int | None = None,
            value: float | None = None,
            cid: int = cid,
            channel: str = channel,
            queue: str = queue,
            **data: object,
        ) -> None:
            rows.append(
                ContactEvent(
                    type=kind, at=at, provider_id=provider.pk, client_id=client.pk, conversation_id=cid,
                    channel=channel, queue=queue, agent_id=agent_id, value_s=value, data=data,
                )
            )  # fmt: skip

        event(EventType.OFFERED, offered)
        if channel == "phone" and rng.random() < 0.25:
            event(
                EventType.ABANDONED,
                offered + timedelta(seconds=rng.randrange(1, 60)),
                value=rng.randrange(1, 60),
            )
            continue
        event(EventType.MESSAGE_IN, offered)
        if rng.random() < 0.5:
            event(EventType.MESSAGE_OUT, offered + timedelta(seconds=2))  # automatic greeting
        assigned = offered + timedelta(seconds=rng.expovariate(1 / 20))
        event(EventType.ASSIGNED, assigned, agent)
        if rng.random() < 0.03:
            continue  # never answered
        reply = assigned + timedelta(seconds=rng.expovariate(1 / 25), microseconds=rng.randrange(10**6))
        event(EventType.MESSAGE_OUT, reply, agent)
        at = reply
        for _turn in range(rng.randrange(0, 4)):
            at += timedelta(seconds=rng.randrange(10, 300))
            event(EventType.MESSAGE_IN, at)
            at += timedelta(seconds=rng.expovariate(1 / 40))
            event(EventType.MESSAGE_OUT, at, agent)
        if rng.random() < 0.05:
            event(EventType.ESCALATED, at + timedelta(seconds=30), agent, tier=rng.choice(["l2", "l3"]))
        if rng.random() < 0.01:
            event(EventType.CASE_OPENED, at + timedelta(seconds=40), agent, type="complaint")
            event(EventType.COMPLAINT_REGISTERED, at + timedelta(seconds=50), agent, complaint_id=1)
        if rng.random() < 0.9:
            resolved = at + timedelta(seconds=rng.randrange(60, 900))
            event(EventType.RESOLVED, resolved, agent)
            if rng.random() < 0.05:
                event(EventType.REOPENED, resolved + timedelta(hours=3))
                event(EventType.RESOLVED, resolved + timedelta(hours=4), agent)
            if rng.random() < 0.33:
                event(
                    EventType.SURVEY_ANSWERED,
                    resolved + timedelta(minutes=5),
                    agent,
                    score=rng.choice([5, 5, 4, 4, 3, 2, 1]),
                )
    return rows, first_id + conversations


def _write(rows: list) -> None:
    from kefu.analytics.models import ContactEvent

    rows.sort(key=lambda e: e.at)  # written roughly as they happened
    for i in range(0, len(rows), 10_000):
        ContactEvent.all_tenants.bulk_create(rows[i : i + 10_000])


def _figures(served: bool, days: int) -> tuple[dict[str, float], dict[str, tuple]]:
    """Each metric's month figure (daily series included): seconds taken and what came out."""
    from kefu.analytics import rollup_selectors
    from kefu.analytics.metrics import queries
    from kefu.analytics.permissions import AnalyticsPerm
    from kefu.core.scope import Scope
    from kefu.tenancy.models import Organization

    client = Organization.objects.get(slug="bench-client")
    scope = Scope.platform(user_id=None, organization_id=None, permissions=frozenset(AnalyticsPerm))
    timings, results = {}, {}
    for metric in METRICS:
        query = queries.metric_query(
            scope, metric_id=metric, client_id=client.pk, date_from=FIRST,
            date_to=FIRST + timedelta(days=days - 1), interval="day",
        )  # fmt: skip
        started = time.perf_counter()
        if served:
            result = rollup_selectors.rolled_result(scope, query)
            if result is None:
                raise SystemExit(f"{metric}: the rollups could not serve the figure")
        else:
            result = queries.metric_value_from_events(scope, query, median=False).result
        timings[metric] = time.perf_counter() - started
        results[metric] = (result.value, result.count, json.dumps(result.series))
    return timings, results


def _mismatches(label: str, raw: dict, served: dict) -> list[str]:
    return [f"{label} {m}: events {raw[m][:2]} rollups {served[m][:2]}" for m in raw if raw[m] != served[m]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="postgres://… (a throwaway database is made)")
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="kefu-bench-rollups-"))
    database_url, admin_url = args.database_url, None
    if database_url:
        import psycopg

        admin_url = database_url
        bench_db = f"kefu_bench_rollups_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {bench_db}")
            admin.execute(f"CREATE DATABASE {bench_db}")
        database_url = urlsplit(database_url)._replace(path=f"/{bench_db}").geturl()
    else:
        database_url = f"sqlite:///{var_dir / 'kefu.sqlite3'}"
    _setup(database_url, var_dir)
    from django.db import connection

    from kefu.analytics import rollups
    from kefu.analytics.models import ContactEvent, IntervalRollup
    from kefu.tenancy.models import Organization, User

    Organization.objects.create(kind="provider", name="基准服务商", slug="bench-provider")
    Organization.objects.create(kind="client", name="基准店铺", slug="bench-client")
    for n in range(25):
        User.objects.create(username=f"bench-agent-{n}")
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) - timedelta(hours=8)

    problems: list[str] = []
    started = time.perf_counter()
    rows, next_id = _history(args.conversations, start, args.days, args.seed, 1)
    _write(rows)
    generate_s = time.perf_counter() - started
    events = ContactEvent.all_tenants.count()
    print(
        f"history: {args.conversations} conversations, {events} events ({generate_s:.1f} s)", file=sys.stderr
    )

    raw_s, raw = _figures(False, args.days)
    started = time.perf_counter()
    rollups.rebuild(lag=0)
    rebuild_s = time.perf_counter() - started
    served_s, served = _figures(True, args.days)
    problems += _mismatches("folded", raw, served)

    # one more day written as it happens (the last day of the month), not folded yet: the tail
    tail_rows, _ = _history(
        max(1, args.conversations // args.days),
        start + timedelta(days=args.days - 1),
        1,
        args.seed + 1,
        next_id,
    )
    _write(tail_rows)
    tail_raw_s, tail_raw = _figures(False, args.days)
    tail_served_s, tail_served = _figures(True, args.days)
    problems += _mismatches("with tail", tail_raw, tail_served)
    started = time.perf_counter()
    folded = rollups.fold(lag=0)
    fold_s = time.perf_counter() - started
    folded_s, folded_figures = _figures(True, args.days)
    problems += _mismatches("folded tail", tail_raw, folded_figures)

    result = {
        "database": connection.vendor,
        "conversations": args.conversations,
        "events": events,
        "days": args.days,
        "raw_s": {m: round(s, 3) for m, s in raw_s.items()},
        "rollup_ms": {m: round(s * 1000, 1) for m, s in served_s.items()},
        "raw_total_s": round(sum(raw_s.values()), 2),
        "rollup_total_ms": round(sum(served_s.values()) * 1000, 1),
        "with_tail_events": len(tail_rows),
        "with_tail_raw_total_s": round(sum(tail_raw_s.values()), 2),
        "with_tail_rollup_total_ms": round(sum(tail_served_s.values()) * 1000, 1),
        "after_fold_rollup_total_ms": round(sum(folded_s.values()) * 1000, 1),
        "rebuild_s": round(rebuild_s, 2),
        "rollup_rows": IntervalRollup.all_tenants.count(),
        "fold_events": folded.events,
        "fold_s": round(fold_s, 3),
        "fold_events_per_s": round(folded.events / fold_s, 1) if fold_s else None,
        "rollups_match_recomputation": not problems,
    }
    connection.close()
    if admin_url:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(database_url).path.lstrip('/')}")
    shutil.rmtree(var_dir, ignore_errors=True)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    print(json.dumps(result, ensure_ascii=False))
    if problems:
        print("rollups disagree with the events:", *problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
