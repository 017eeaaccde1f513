"""Message ingest through the real HTTP server, against the database's own ceiling.

    uv run python bench/ingest.py [--database-url URL] [--clients 16] [--messages 6000] [--json]

Sets up a scratch installation (its own var dir; for PostgreSQL a throwaway database),
serves it with `kefu serve` (uvicorn), and has N concurrent API clients post messages
to many conversations: each request is accepted, redacted, stored with its sequence
number and logged as a `message_in` event before it is answered (group-committed with the
requests arriving at the same moment, see docs/architecture.md). Reports messages/s end to
end and p50/p99 latency, and measures in the same run the raw ceiling of the same database:
single-row autocommit INSERTs of a message-sized row from 8 concurrent connections.

It checks as well as times: every acknowledged message must be stored exactly once with the
id, sequence number and body it was answered with, with one `message_in` event
(`kefu.testing.loadgen.stored_problems`); any problem, or any answer other than 201, exits
non-zero. The last line printed with --json is one JSON object {"database",
"messages_per_s", "p50_ms", "p99_ms", "raw_insert_per_s", "ratio", "exactly_once", …}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from machine_cpu import named_cpu_s, process_tree_cpu_s  # noqa: E402  (bench/, beside this file)

from kefu.testing import loadgen  # noqa: E402  (imports no Django)

rollups_filling_every = 60.0  # kefu.analytics.rollups.FILLING_EVERY, which the folder uses by default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kefu(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli.main", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"kefu {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


class Api:
    """One keep-alive HTTP connection per client thread, like a connector would hold."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def get(self, path: str) -> dict:
        self.connection.request("GET", path, headers=self.headers)
        return json.loads(self.connection.getresponse().read())

    def post(self, path: str, payload: dict) -> tuple[int, dict]:
        self.connection.request("POST", path, body=json.dumps(payload), headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw or b"{}")
        except ValueError:
            return response.status, {"raw": raw[:300].decode(errors="replace")}


def _wait_healthy(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not become healthy")


def _raw_insert_rate(database_url: str, seconds: float = 5.0, connections: int = 8) -> float:
    """Single-row autocommit INSERTs of a message-sized row from N concurrent connections."""
    counts = [0] * connections
    stop = time.monotonic() + seconds
    row = (loadgen.BODY, "in", 1)

    if database_url.startswith("sqlite"):
        path = urlsplit(database_url).path
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw "
            "(id INTEGER PRIMARY KEY, body TEXT, direction TEXT, seq INT)"
        )
        setup.commit()
        setup.close()

        def insert(i: int) -> None:
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            while time.monotonic() < stop:
                db.execute("INSERT INTO bench_raw (body, direction, seq) VALUES (?, ?, ?)", row)
                counts[i] += 1
            db.close()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as setup:
            setup.execute(
                "CREATE TABLE IF NOT EXISTS bench_raw "
                "(id BIGSERIAL PRIMARY KEY, body TEXT, direction TEXT, seq INT)"
            )

        def insert(i: int) -> None:
            with psycopg.connect(database_url, autocommit=True) as db:
                while time.monotonic() < stop:
                    db.execute("INSERT INTO bench_raw (body, direction, seq) VALUES (%s, %s, %s)", row)
                    counts[i] += 1

    threads = [threading.Thread(target=insert, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="", help="postgres://… (a throwaway database is made); default SQLite"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument(
        "--workers", type=int, default=0, help="server processes (default: 2 on PostgreSQL, 1 on SQLite)"
    )
    parser.add_argument(
        "--rollups-every",
        type=float,
        default=0,
        help="also fold the 15-minute rollups in a second process every S seconds during the load "
        "(the worker's analytics.rollups job, more often than its 15 s); 0: off",
    )
    parser.add_argument(
        "--filling-every",
        type=float,
        default=None,
        help="with --rollups-every: fold events of the still-filling quarter hour at most every S seconds "
        "(default: the job's rollups.FILLING_EVERY, 60); 0: fold them on every run",
    )
    parser.add_argument(
        "--profile-folder",
        default="",
        help="with --rollups-every: write the folder's cProfile statistics to this file (pstats)",
    )
    parser.add_argument(
        "--database",
        default="",
        help="with --database-url: the throwaway database's name (default kefu_bench_PID)",
    )
    parser.add_argument(
        "--healthy-timeout", type=float, default=60, help="seconds the server may take to answer /healthz"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=600,
        help="seconds the clients keep sending; messages not sent by then count as not acknowledged",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    database_url = args.database_url
    admin_url = None
    if database_url:
        import psycopg

        parts = urlsplit(database_url)
        bench_db = args.database or f"kefu_bench_{os.getpid()}"
        if not bench_db.replace("_", "").isalnum():
            parser.error(f"--database {bench_db!r}: letters, digits and underscores only")
        admin_url = database_url
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {bench_db}")
            admin.execute(f"CREATE DATABASE {bench_db}")
        database_url = parts._replace(path=f"/{bench_db}").geturl()
    else:
        database_url = f"sqlite:///{var_dir / 'kefu.sqlite3'}"
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    workers = args.workers or (2 if vendor == "postgresql" else 1)

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env.update(
        {
            "KEFU_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "kefu.config.settings.base",
            "KEFU_DB_CONN_MAX_AGE": "600",
            "KEFU_LOG_LEVEL": "ERROR",
            "KEFU_ACCESS_LOG": "false",  # one log line per request is not what is measured
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    server = folder = None
    try:
        _kefu(env, "demo", "--no-serve", "--json", "--history-days", "0")
        token = _kefu(env, "token", "create", "--user", "zhangwei").strip()
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kefu.cli.main",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-migrate",
                "--no-worker",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(var_dir / "server.log", "w"),  # noqa: SIM115 - closed with the process
        )
        _wait_healthy(port, args.healthy_timeout)
        api = Api(port, token)
        client_id = min(api.get("/api/me")["visible_client_ids"])
        conversations = []
        for n in range(args.conversations):
            status, body = api.post(
                "/api/conversations", {"channel": "api", "client_id": client_id, "subject": f"bench {n}"}
            )
            if status != 201:
                raise SystemExit(f"could not create a conversation: {status} {body}")
            conversations.append(body["id"])
        warm = [f"warm-{n}" for n in range(min(200, args.messages))]
        warmed = loadgen.post_messages(port, token, conversations, warm, args.clients)
        if warmed.failures or warmed.broken:
            raise SystemExit(f"warm-up failed: {warmed.failures[:3]}, {warmed.broken} broken connections")
        if args.rollups_every:
            folder = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _FOLDER,
                    str(args.rollups_every),
                    args.profile_folder,
                    "" if args.filling_every is None else str(args.filling_every),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=open(var_dir / "folder.log", "w"),  # noqa: SIM115 - closed with the process
                text=True,
            )
            time.sleep(3)  # Django set up before the load starts
        cpu_before = process_tree_cpu_s(server.pid)
        folder_cpu_before = process_tree_cpu_s(folder.pid) if folder else 0.0
        client_cpu_before, database_cpu_before = time.process_time(), named_cpu_s("postgres")
        started = time.perf_counter()
        load = loadgen.post_messages(
            port,
            token,
            conversations,
            [f"bench-{n}" for n in range(args.messages)],
            args.clients,
            deadline_s=args.deadline,
        )
        elapsed = time.perf_counter() - started
        latencies = load.latencies
        server_cpu_s = process_tree_cpu_s(server.pid) - cpu_before
        client_cpu_s = time.process_time() - client_cpu_before
        database_cpu_s = named_cpu_s("postgres") - database_cpu_before
        folded = None
        if folder is not None:
            folder_cpu_s = process_tree_cpu_s(folder.pid) - folder_cpu_before
            folder.terminate()
            out, _err = folder.communicate(timeout=60)
            folded = {"events": sum(int(n) for n in out.split()), "cpu_s": round(folder_cpu_s, 2)}
    except SystemExit:
        log = var_dir / "server.log"
        if log.exists():
            print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if folder is not None and folder.poll() is None:
            folder.kill()

    problems = loadgen.stored_problems(database_url, load, prefix="bench-")
    if load.failures or load.broken:
        problems.append(
            f"{len(load.failures)} answers other than 201 (e.g. {load.failures[:1]}), {load.broken} broken"
        )
    if len(load.acknowledged) != args.messages:
        problems.append(f"{len(load.acknowledged)} of {args.messages} messages acknowledged")
    stored = _count_stored(database_url)
    raw = _raw_insert_rate(database_url)
    result = {
        "database": vendor,
        "messages_per_s": round(len(load.acknowledged) / elapsed, 1),  # what was answered, in time
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "raw_insert_per_s": round(raw, 1),
        "ratio": round(args.messages / elapsed / raw, 3),
        "server_cpu_ms_per_message": round(server_cpu_s * 1000 / args.messages, 3),
        "client_cpu_ms_per_message": round(client_cpu_s * 1000 / args.messages, 3),
        "database_cpu_ms_per_message": (
            round(database_cpu_s * 1000 / args.messages, 3) if vendor == "postgresql" else None
        ),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "clients": args.clients,
        "server_workers": workers,
        "messages": args.messages,
        "stored_messages": stored["messages"],
        "stored_message_in_events": stored["events"],
        "exactly_once": not problems,
        "rollups_every_s": args.rollups_every or None,
        "rollups_filling_every_s": (
            (rollups_filling_every if args.filling_every is None else args.filling_every)
            if args.rollups_every
            else None
        ),
        "rollup_events_folded": folded["events"] if folded else None,
        "rollup_cpu_ms_per_message": round(folded["cpu_s"] * 1000 / args.messages, 3) if folded else None,
    }
    if admin_url:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(database_url).path.lstrip('/')}")
    shutil.rmtree(var_dir, ignore_errors=True)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
    print(json.dumps(result))
    if problems:
        print("stored rows disagree with the answers:", *problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)


# The folding process of --rollups-every: `rollups.fold` in a loop; prints the events folded by each run.
_FOLDER = """
import cProfile, signal, sys, time
import django
django.setup()
from kefu.analytics import rollups
every, profile_to = float(sys.argv[1]), sys.argv[2]
filling_every = float(sys.argv[3]) if sys.argv[3] else rollups.FILLING_EVERY
profiler = cProfile.Profile() if profile_to else None
def stop(*_):
    if profiler is not None:
        profiler.dump_stats(profile_to)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    if profiler is not None:
        profiler.enable()
    print(rollups.fold(lag=1, filling_every=filling_every).events, flush=True)
    if profiler is not None:
        profiler.disable()
    time.sleep(every)
"""


def _count_stored(database_url: str) -> dict[str, int]:
    """Every posted message must be stored and logged: the benchmark checks, not just times."""
    queries = {
        "messages": "SELECT COUNT(*) FROM desk_message WHERE external_id LIKE 'bench-%'",
        "events": "SELECT COUNT(*) FROM analytics_contactevent e JOIN desk_message m "
        "ON m.conversation_id = e.conversation_id AND e.type = 'message_in' "
        f"AND CAST({loadgen.json_seq_sql(database_url)} AS INTEGER) = m.seq "
        "WHERE m.external_id LIKE 'bench-%'",
    }
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(database_url).path)
        counts = {name: db.execute(sql).fetchone()[0] for name, sql in queries.items()}
        db.close()
        return counts
    import psycopg

    with psycopg.connect(database_url) as db:
        return {name: db.execute(sql).fetchone()[0] for name, sql in queries.items()}


if __name__ == "__main__":
    main()
