"""One routing pass in isolation on PostgreSQL: the CPU and SQL statements of `route_waiting` for k
new chats, with the floor of `bench/routing_e2e.py` (agents online, skilled for one queue each,
certified, capacity 3, each holding `--held` open chats), in this one process, nothing else
running.

    uv run python bench/routing_pass.py --database-url postgres://postgres@127.0.0.1:5432/postgres
        [--agents 1000] [--queues 10] [--k 1,3,10,30] [--repeat 30] [--held 1] [--profile FILE] [--show-sql]

Each round opens k chats over the queues in turn, runs one pass for them, checks that each chat
got exactly one offer, to an agent skilled for its queue, then cancels the offers and closes the
chats so the next round sees the same floor. Reported per k: the median
and p90 CPU milliseconds of the pass (`time.process_time`: this process only, not PostgreSQL's),
its wall milliseconds, and its statements. Before the measured rounds of each k, one pass
with a chat in every queue fills the configuration cache (not measured). `--profile FILE`
writes cProfile's stats of every measured pass.

Exit 1 when a pass offered a chat twice, to nobody, or to an agent not skilled for its queue.
A throwaway database (`kefu_bench_pass_<pid>`) is created, migrated and dropped at the end.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from routing_e2e import _admin, _with_db, percentile, seed  # noqa: E402


def _counter(count: list[int], show: bool) -> Any:
    """A database execute wrapper that counts statements (and prints them when `show`)."""

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        if show:
            print("SQL", sql[:200])
        return execute(sql, params, many, context)

    return counted


def rounds(
    setup: dict[str, Any], k: int, repeat: int, profiler: cProfile.Profile | None, show_sql: bool = False
) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from kefu.desk.models import Conversation
    from kefu.desk.services import assignment
    from kefu.routing.models import AgentSkill, Offer, Queue, QueueSkill

    provider_id = Queue.all_tenants.values_list("provider_id", flat=True).first()
    queue_skill = dict(QueueSkill.all_tenants.values_list("queue__name", "skill_id"))
    skilled = {}
    for user_id, skill_id in AgentSkill.all_tenants.values_list("user_id", "skill_id"):
        skilled.setdefault(skill_id, set()).add(user_id)
    cpu, wall, statements, problems = [], [], [], []
    for number in range(repeat + 1):
        if number == 0:  # warm-up, not measured: a chat in every queue fills the configuration cache
            names = list(setup["queues"])
        else:
            names = [setup["queues"][(number * k + i) % len(setup["queues"])] for i in range(k)]
        chats = Conversation.all_tenants.bulk_create(
            Conversation(
                provider_id=provider_id,
                client_id=setup["client_id"],
                channel="chat",
                queue=name,
                subject=f"单次 {number}-{i}",
                created_at=timezone.now(),
            )
            for i, name in enumerate(names)
        )
        ids = [c.pk for c in chats]
        count = [0]
        counted = _counter(count, show_sql and number == repeat)
        with connection.execute_wrapper(counted):
            if profiler is not None and number:
                profiler.enable()
            started_cpu, started = time.process_time(), time.perf_counter()
            made = assignment.route_waiting(contact_ids=ids)
            spent_cpu, spent = time.process_time() - started_cpu, time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
        offers = list(
            Offer.all_tenants.filter(conversation_id__in=ids).values_list("conversation_id", "agent_id")
        )
        by_chat = {chat: agent for chat, agent in offers}
        if made != len(ids) or len(offers) != len(ids) or len(by_chat) != len(ids):
            problems.append(
                f"k={k} round {number}: {made} offers made, {len(offers)} stored for {len(ids)} chats"
            )
        for chat, name in zip(ids, names, strict=True):
            agent = by_chat.get(chat)
            if agent is not None and agent not in skilled[queue_skill[name]]:
                problems.append(f"chat {chat} of {name} offered to agent {agent}, not skilled for it")
        Offer.all_tenants.filter(conversation_id__in=ids).update(state="cancelled")
        Conversation.all_tenants.filter(pk__in=ids).update(status="closed")
        if number:
            cpu.append(spent_cpu * 1000)
            wall.append(spent * 1000)
            statements.append(count[0])
    return {
        "k": k,
        "cpu_ms_p50": round(statistics.median(cpu), 2),
        "cpu_ms_p90": round(percentile(cpu, 0.9), 2),
        "wall_ms_p50": round(statistics.median(wall), 2),
        "statements": round(statistics.median(statements)),
        "problems": problems,
    }


def hold(setup: dict[str, Any], held: int) -> None:
    """Each agent holds `held` open chats of its own queue (a working floor: the pass reads loads)."""
    from django.utils import timezone

    from kefu.desk.models import Conversation
    from kefu.routing.models import AgentSkill, Queue

    provider_id = Queue.all_tenants.values_list("provider_id", flat=True).first()
    queue_of_skill = dict(Queue.all_tenants.values_list("required__skill_id", "name"))
    rows = [
        Conversation(
            provider_id=provider_id,
            client_id=setup["client_id"],
            channel="chat",
            queue=queue_of_skill[skill_id],
            subject=f"在办 {user_id}-{n}",
            status="open",
            assignee_id=user_id,
            created_at=timezone.now(),
        )
        for user_id, skill_id in AgentSkill.all_tenants.values_list("user_id", "skill_id")
        for n in range(held)
    ]
    Conversation.all_tenants.bulk_create(rows, batch_size=2000)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--k", default="1,3,10,30", help="chats per pass, comma-separated")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--held", type=int, default=1, help="open chats each agent holds (capacity 3)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the measured passes here")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of each k's last pass")
    args = parser.parse_args()
    try:
        ks = [int(k) for k in args.k.split(",")]
    except ValueError:
        parser.exit(2, f"--k must be numbers separated by commas, got {args.k!r}\n")
    if min(ks) < 1 or args.agents < 1 or args.queues < 1 or args.repeat < 1 or args.held < 0:
        parser.exit(2, "--k, --agents, --queues and --repeat must be at least 1, --held at least 0\n")
    name = f"kefu_bench_pass_{os.getpid()}"
    _admin(args.database_url, f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": _with_db(args.database_url, name),
        "KEFU_VAR_DIR": tempfile.mkdtemp(prefix="kefu-bench-pass-"),
        "DJANGO_SETTINGS_MODULE": "kefu.config.settings.base",
        "KEFU_ROUTING_WAKE": "inline",
        "KEFU_ROUTING_ON_EVENTS": "0",  # the bench runs the pass itself
    }
    os.environ.update(env)
    profiler = cProfile.Profile() if args.profile else None
    try:
        subprocess.run([sys.executable, "-m", "kefu.cli.main", "migrate", "-v", "0"], env=env, check=True)
        import django

        django.setup()
        from kefu.routing.models import Queue

        setup = seed(args.agents, args.queues, 0)
        Queue.all_tenants.update(auto_accept=False, offer_timeout_s=600)
        hold(setup, args.held)
        results = [rounds(setup, k, args.repeat, profiler, args.show_sql) for k in ks]
    finally:
        from django.db import connections

        connections.close_all()
        _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    problems = [p for r in results for p in r.pop("problems")]
    for result in results:
        print(f"k={result['k']}: {result}")
    for problem in problems[:20]:
        print("PROBLEM", problem)
    print(
        json.dumps({"agents": args.agents, "queues": args.queues, "passes": results, "correct": not problems})
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
