"""Routing end to end on PostgreSQL: assignments per second with two processes, and offer latency
through two served processes, exactly once checked in the same run (`bench/routing.py --database-url`).

    uv run python bench/routing_e2e.py --database-url postgres://postgres@127.0.0.1:5432/postgres
        [--agents 1000] [--queues 10] [--backlog 3000] [--rate 100] [--seconds 10] [--redis redis://…]
        [--profile DIR [--profile-gil]]

`--profile DIR` records both servers with py-spy (installed apart: `pip install py-spy`) over the
posting window, as raw stacks in `DIR/spy-<pid>.txt` (`bench/spy_summary.py` sums them up);
with `--profile-gil`, only the samples holding the interpreter lock (the Python work).

A throwaway database (`kefu_bench_routing_<pid>`) is created, migrated and dropped at the end.

1. *Throughput*: `--backlog` waiting chats in auto-accepting queues and `--agents` online agents
   (capacity 3, each skilled for one of `--queues` queues, all certified). Two forked processes
   run the desk's assignment (`route_waiting`, batches of 200) at once until nothing is left;
   assignments per second = assigned / wall time from the start to the last process done; also
   SQL statements and the workers' CPU time per assignment, which a shared machine's load moves
   less than the wall time.
2. *Offer latency*: the same agents (their chats closed again) each hold a workspace WebSocket
   (`/ws/agent/`, signed-in sessions) spread over two `kefu serve` processes sharing Redis's
   channel layer. Chats are opened through the API at `--rate` per second for `--seconds`
   seconds, alternating between the two servers; the queues offer (no auto-accept), and the
   routing wake-up after each commit offers the chat (where `KEFU_ROUTING_WAKE` says: by default
   a `kefu worker` started beside the servers leads, as `kefu serve` starts one beside each
   server; its CPU is reported apart). Latency = the moment the `offer.created`
   frame reaches the agent's socket − the moment the customer's message was stored
   (`message_in` event time; one machine, one clock). Over the same window: the CPU per chat of
   the servers, the worker, PostgreSQL and Redis, the client's share of a core, and
   `machine_busy`, the share of all cores busy (near 1: the run was short of CPU).

Exactly once: no conversation assigned twice (one `assigned` event each), no agent over capacity,
one offer per chat the servers stored (a post the client gave up on after 30 s still counts:
`posts_timed_out` says how many, a sign of overload, not a failure), every offer frame received
once and by the offered agent; else exit 1.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from machine_cpu import machine_busy, machine_ticks, named_cpu_s, process_cpu_s  # noqa: E402  (bench/)

CAPACITY = 3
CPU_FIGURES = ("client_", "servers_", "worker_", "postgres_", "redis_", "machine_")  # of `latency`
DRAIN_S = 30  # after the last chat, wait this long at most for offers still on their way


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- seeding (Django in this process) ----------------------------------------------------------------
def seed(agents: int, queues: int, backlog: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from kefu.core.roles import Role
    from kefu.desk.models import Conversation
    from kefu.routing.models import AgentPresence, AgentSkill, Certification, Queue, QueueSkill, Skill
    from kefu.tenancy import services as tenancy_services
    from kefu.tenancy.models import Engagement, Membership, Organization

    now = timezone.now()
    provider = Organization.objects.create(kind="provider", name="压测服务商", slug="bench-p")
    client = Organization.objects.create(kind="client", name="压测店铺", slug="bench-c")
    Engagement.objects.create(provider=provider, client=client, status="active")
    user_model = get_user_model()
    lead = user_model.objects.create_user(username="bench-lead", password="x")
    Membership.objects.create(user=lead, organization=provider, role=Role.SUPERVISOR)
    people = user_model.objects.bulk_create(user_model(username=f"bench-agent-{i}") for i in range(agents))
    Membership.objects.bulk_create(Membership(user=u, organization=provider, role=Role.AGENT) for u in people)
    names = [f"压测-{q}" for q in range(queues)]
    rows = []
    for name in names:
        queue = Queue.all_tenants.create(
            provider=provider, client=client, name=name, auto_accept=True, default_chat_concurrency=CAPACITY
        )
        skill = Skill.all_tenants.create(provider=provider, kind="queue", name=name)
        QueueSkill.all_tenants.create(provider=provider, client=client, queue=queue, skill=skill)
        rows.append(skill)
    AgentSkill.all_tenants.bulk_create(
        AgentSkill(provider=provider, user=u, skill=rows[i % queues], proficiency=1 + i % 5)
        for i, u in enumerate(people)
    )
    Certification.all_tenants.bulk_create(
        Certification(provider=provider, client=client, user=u, valid_from=now - timedelta(days=1))
        for u in people
    )
    AgentPresence.all_tenants.bulk_create(
        AgentPresence(provider=provider, user=u, state="online", since=now) for u in people
    )
    Conversation.all_tenants.bulk_create(
        Conversation(
            provider=provider,
            client=client,
            channel="chat",
            queue=names[i % queues],
            subject=f"积压 {i}",
            created_at=now - timedelta(seconds=backlog - i),
        )
        for i in range(backlog)
    )
    sessions = {}
    for user in people:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[user.pk] = store.session_key
    _token, raw = tenancy_services.api_token_create(user=lead, name="bench")
    return {"client_id": client.pk, "queues": names, "sessions": sessions, "token": raw}


def _assign_worker(barrier: Any, results: Any) -> None:
    from django.db import connection, connections

    from kefu.desk.services import assignment

    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    barrier.wait()
    made, idle = 0, 0
    cpu = time.process_time()
    with connection.execute_wrapper(count):
        while idle < 2:
            got = assignment.route_waiting(batch=200)
            made += got
            idle = idle + 1 if got == 0 else 0
    results.put((made, time.perf_counter(), statements[0], time.process_time() - cpu))
    connections.close_all()


def throughput(agents: int) -> dict[str, Any]:
    from channels.layers import get_channel_layer
    from django.db import connections

    from kefu.analytics.models import ContactEvent
    from kefu.desk.models import Conversation
    from kefu.routing.models import Queue

    # the channel layer's import (redis, 0.7 s) happens once at a process's start, not in the
    # measured window: the children inherit it (its connections are opened per event loop, later)
    get_channel_layer()
    connections.close_all()
    for connection in connections.all():  # the pool's connections must not be shared with the children
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_assign_worker, args=(barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    done = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    wall = max(at for _made, at, _n, _cpu in done) - start
    made = sum(m for m, _at, _n, _cpu in done)
    statements = sum(n for _m, _at, n, _cpu in done)
    cpu = sum(c for _m, _at, _n, c in done)
    assigned = Counter(
        ContactEvent.all_tenants.filter(type="assigned").values_list("conversation_id", flat=True)
    )
    held = Counter(
        Conversation.all_tenants.filter(assignee__isnull=False).values_list("assignee_id", flat=True)
    )
    problems = []
    if assigned and max(assigned.values()) > 1:
        problems.append("a conversation was assigned twice")
    if held and max(held.values()) > CAPACITY:
        problems.append("an agent went over capacity")
    if made != len(assigned) or made != min(agents * CAPACITY, Conversation.all_tenants.count()):
        problems.append(f"{made} assignments reported, {len(assigned)} logged")
    # free every place again and switch the queues to offers for the latency half
    Conversation.all_tenants.update(status="closed")
    Queue.all_tenants.update(auto_accept=False, offer_timeout_s=600)
    return {
        "assigned": made,
        "by_process": sorted(m for m, _at, _n, _cpu in done),
        "wall_s": round(wall, 3),
        "e2e_assignments_per_s": round(made / wall) if wall > 0 else None,
        # load-independent figures: SQL statements and the workers' CPU (client side) per assignment
        "statements_per_assignment": round(statements / made, 2) if made else None,
        "worker_cpu_ms_per_assignment": round(cpu * 1000 / made, 2) if made else None,
        "problems": problems,
    }


# --- the latency half: two servers, agents' sockets, chats at a steady rate --------------------------
def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kefu.cli.main",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-worker",
            "--no-migrate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        # a file, not a pipe: nobody reads a pipe until the end, and a server whose log fills the
        # pipe's 64 KB blocks on its next log line, event loop and sockets included
        stderr=open(Path(env["KEFU_VAR_DIR"]) / f"serve-{port}.log", "wb"),
    )


def _worker(env: dict[str, str]) -> subprocess.Popen:
    """`kefu worker`, as `kefu serve` starts one beside each server: it leads routing's wake-ups
    (`KEFU_ROUTING_WAKE=leader`) and runs the periodic jobs, the routing sweep among them."""
    return subprocess.Popen(
        [sys.executable, "-m", "kefu.cli.main", "worker", "-v", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(env["KEFU_VAR_DIR"]) / "worker.log", "wb"),
    )


def _cpu_so_far(servers: list[subprocess.Popen], worker: subprocess.Popen) -> dict[str, float]:
    """CPU seconds used so far by the two servers, the worker, PostgreSQL and Redis (their
    processes on this machine): read at both ends of the window."""
    return {
        "servers_cpu": sum(process_cpu_s(server.pid) for server in servers),
        "worker_cpu": process_cpu_s(worker.pid),
        "postgres_cpu": named_cpu_s("postgres"),
        "redis_cpu": named_cpu_s("redis-server"),
    }


def _healthy(port: int, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()  # any answer: it serves (503 only says no worker runs)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on {port} did not start")


async def _sockets(
    ports: list[int],
    sessions: dict[int, str],
    frames: dict[int, list],
    ready: asyncio.Event,
    stop: asyncio.Event,
    socket_errors: list[str],
    counts: Counter,
) -> None:
    import websockets

    async def one(index: int, user_id: int, key: str) -> None:
        port = ports[index % len(ports)]
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/agent/",
            additional_headers={"Cookie": f"sessionid={key}", "Origin": f"http://127.0.0.1:{port}"},
            max_size=2**20,
            open_timeout=120,
            ping_interval=None,  # a loaded client must not drop its own sockets; the server pings
        ) as ws:
            hello = json.loads(await ws.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"agent {user_id}: {hello}")
            connected.append(user_id)
            if len(connected) == len(sessions):
                ready.set()
            # read until cancelled at the end of the run: a timeout per read (2,000 timers a
            # second for 1,000 sockets) cost the client more CPU than the frames themselves
            async for raw in ws:
                at = time.time()
                counts["frames"] += 1
                if "offer.created" not in raw:  # the inbox hints: counted, not parsed
                    continue
                frame = json.loads(raw)
                if frame.get("type") == "offer.created":
                    frames.setdefault(frame["conversation_id"], []).append(
                        (
                            user_id,
                            at,
                            frame["id"],
                            frame.get("offered_at"),
                            frame.get("sent_at"),
                            frame.get("trace"),
                        )
                    )

    connected: list[int] = []
    tasks = []
    for index, (user_id, key) in enumerate(sessions.items()):
        tasks.append(asyncio.create_task(one(index, user_id, key)))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # do not open a thousand handshakes in one instant
    gathered = asyncio.gather(*tasks, return_exceptions=True)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({gathered, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    for task in tasks:
        task.cancel()
    for failed in await gathered:
        if isinstance(failed, BaseException) and not isinstance(failed, asyncio.CancelledError):
            socket_errors.append(repr(failed))
    ready.set()


def _post_chats(
    ports: list[int],
    token: str,
    client_id: int,
    queues: list[str],
    rate: int,
    seconds: int,
    opened: list[int],
    errors: list[str],
    timeouts: list[int],
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    total = rate * seconds
    rnd = random.Random(1)

    def post(i: int) -> None:
        port = ports[i % len(ports)]
        body = {
            "channel": "chat",
            "client_id": client_id,
            "queue": rnd.choice(queues),
            "message": f"在吗 {i}",
        }
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/api/conversations", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            answer = json.loads(response.read() or b"{}")
            if response.status == 201:
                opened.append(answer["id"])
            else:
                errors.append(f"{response.status} {answer}")
        except TimeoutError:  # the client gave up; the server may still open the chat (counted below)
            timeouts.append(i)
        except OSError as exc:
            errors.append(str(exc))

    start = time.perf_counter()
    threads = []
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=post, args=(i,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=60)


def _profile(pids: list[int], seconds: int, into: Path, *, gil: bool = False) -> list[subprocess.Popen]:
    """py-spy on each server for the posting window (raw stacks, 100 samples a second). With
    `gil`, only the samples of the thread holding the interpreter lock: the Python work itself,
    without the threads waiting on the database or an idle event loop (which `--nonblocking`
    sampling cannot tell apart from work)."""
    into.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                *("py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100"),
                *("--format", "raw", "--nonblocking", "-o", str(into / f"spy-{pid}.txt")),
                *(("--gil",) if gil else ()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def latency(
    env: dict[str, str],
    setup: dict[str, Any],
    rate: int,
    seconds: int,
    profile: Path | None = None,
    profile_gil: bool = False,
) -> dict[str, Any]:
    from django.db.models import Max

    from kefu.analytics.models import ContactEvent
    from kefu.desk.models import Conversation
    from kefu.routing.models import Offer

    # the chats of this phase are the conversations made after it starts: what the servers stored,
    # including those whose post the client gave up on, not only the answers the client read
    before = Conversation.all_tenants.aggregate(last=Max("pk"))["last"] or 0
    ports = [_free_port(), _free_port()]
    servers = [_serve(env, port) for port in ports]
    worker = _worker(env)
    try:
        for port in ports:
            _healthy(port)
        frames: dict[int, list] = {}
        opened: list[int] = []
        errors: list[str] = []
        timeouts: list[int] = []
        socket_errors: list[str] = []
        counts: Counter = Counter()
        window: dict[str, float] = {}

        async def run() -> None:
            ready, stop = asyncio.Event(), asyncio.Event()
            sockets = asyncio.create_task(
                _sockets(ports, setup["sessions"], frames, ready, stop, socket_errors, counts)
            )
            await asyncio.wait_for(ready.wait(), timeout=300)
            counts["frames"] = 0
            window["start"], window["cpu"] = time.perf_counter(), time.process_time()
            window.update(_cpu_so_far(servers, worker))
            ticks = machine_ticks()
            pids = [s.pid for s in (*servers, worker)]
            spies = _profile(pids, seconds, profile, gil=profile_gil) if profile else []
            await asyncio.to_thread(
                _post_chats,
                ports,
                setup["token"],
                setup["client_id"],
                setup["queues"],
                rate,
                seconds,
                opened,
                errors,
                timeouts,
            )
            deadline = time.monotonic() + DRAIN_S  # the last offers on their way
            while len(frames) < len(opened) + len(timeouts) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            window["wall"] = time.perf_counter() - window["start"]
            window["cpu"] = time.process_time() - window["cpu"]
            window.update({key: cpu - window[key] for key, cpu in _cpu_so_far(servers, worker).items()})
            window["machine_busy"] = machine_busy(ticks, machine_ticks())
            stop.set()
            await sockets
            for spy in spies:
                spy.wait(timeout=60)

        asyncio.run(run())
    finally:
        for server in (*servers, worker):
            server.terminate()
        for port in ports:
            log = Path(env["KEFU_VAR_DIR"]) / f"serve-{port}.log"
            print(f"server {port}: {log.stat().st_size} bytes of log, last lines:", flush=True)
            print("\n".join(log.read_text(errors="replace").splitlines()[-8:]), flush=True)
        for server in (*servers, worker):
            server.wait(timeout=30)
    created = set(Conversation.all_tenants.filter(pk__gt=before).values_list("pk", flat=True))
    stored = dict(
        ContactEvent.all_tenants.filter(type="message_in", conversation_id__in=created).values_list(
            "conversation_id", "at"
        )
    )
    offers = {o.conversation_id: o for o in Offer.all_tenants.filter(conversation_id__in=created)}
    latencies = [
        (seen[0][1] - stored[cid].timestamp()) * 1000 for cid, seen in frames.items() if cid in stored
    ]
    # where the time goes: message stored -> offer created (the wake-up's decision) -> frame sent by
    # the server (its consumer, `sent_at`) -> frame received here; one machine, one clock
    # (with KEFU_REALTIME_TRACE the server's `trace` splits offered -> sent further: the offer's
    # commit handing the frame over (published), the server loop taking it (loop), the consumer)
    legs: dict[str, list[float]] = {"stored_to_offered": [], "offered_to_sent": [], "sent_to_received": []}
    legs |= {"offered_to_published": [], "published_to_loop": [], "loop_to_sent": []}
    legs |= {"loop_to_heard": [], "heard_to_sent": []}  # the receiving process's fan-out took it
    for cid, seen in frames.items():
        _user, received, _offer, offered_at, sent_at, trace = seen[0]
        if cid not in stored or offered_at is None or sent_at is None:
            continue
        offered = datetime.fromisoformat(offered_at).timestamp()
        legs["stored_to_offered"].append((offered - stored[cid].timestamp()) * 1000)
        legs["offered_to_sent"].append((sent_at - offered) * 1000)
        legs["sent_to_received"].append((received - sent_at) * 1000)
        if trace and "published" in trace and "loop" in trace:
            legs["offered_to_published"].append((trace["published"] - offered) * 1000)
            legs["published_to_loop"].append((trace["loop"] - trace["published"]) * 1000)
            legs["loop_to_sent"].append((sent_at - trace["loop"]) * 1000)
            if "heard" in trace:
                legs["loop_to_heard"].append((trace["heard"] - trace["loop"]) * 1000)
                legs["heard_to_sent"].append((sent_at - trace["heard"]) * 1000)
    split = {
        f"{leg}_p50_p99_ms": [round(percentile(v, 0.5), 1), round(percentile(v, 0.99), 1)] if v else None
        for leg, v in legs.items()
    }
    problems = [f"post failed: {e}" for e in errors[:5]] + [f"socket: {e}" for e in socket_errors[:3]]
    if not set(opened) <= created:
        problems.append(f"{len(set(opened) - created)} chats answered 201 but not stored")
    if len(offers) != len(created):
        problems.append(f"{len(created)} chats stored, {len(offers)} offered")
    for cid, seen in frames.items():
        offer = offers.get(cid)
        if len(seen) != 1 or offer is None or seen[0][0] != offer.agent_id or seen[0][2] != offer.pk:
            problems.append(f"chat {cid}: frames {seen}, offer {offer and (offer.pk, offer.agent_id)}")
            break
    if len(frames) != len(offers):
        problems.append(f"{len(offers)} offers, {len(frames)} reached a socket")

    def per_chat(key: str) -> float | None:
        return round(window[key] * 1000 / len(created), 1) if created else None

    return {
        "chats": len(created),
        # posts the client gave up on after 30 s (the server still stored and offered each of
        # them, else a problem above): a measure of overload, not of exactly-once
        "posts_timed_out": len(timeouts),
        "offers_seen": len(frames),
        "offer_latency_p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
        "offer_latency_p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "offer_latency_max_ms": round(max(latencies), 1) if latencies else None,
        **split,
        # the client's own load: every frame its sockets took in, and its CPU share of the window
        "client_frames": counts["frames"],
        "client_frames_per_s": round(counts["frames"] / window["wall"]) if window.get("wall") else None,
        "client_cpu_share": round(window["cpu"] / window["wall"], 2) if window.get("wall") else None,
        # the two servers' CPU (user + system) over the same window, per chat and as cores used
        "servers_cpu_ms_per_chat": per_chat("servers_cpu"),
        "servers_cpu_cores": round(window["servers_cpu"] / window["wall"], 2) if window.get("wall") else None,
        # the worker beside them: the routing passes when it leads the wake-ups, the sweep
        "worker_cpu_ms_per_chat": per_chat("worker_cpu"),
        # the database's and Redis's processes on this machine (0 when they run elsewhere)
        "postgres_cpu_ms_per_chat": per_chat("postgres_cpu"),
        "redis_cpu_ms_per_chat": per_chat("redis_cpu"),
        # the share of all the machine's cores busy over the window: near 1, the run was short
        # of CPU and the latency above is mostly the wait for it
        "machine_busy": round(window["machine_busy"], 2) if window.get("wall") else None,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--throughput-only", action="store_true", help="skip the offer latency half")
    parser.add_argument("--profile", type=Path, help="record both servers with py-spy into this folder")
    parser.add_argument(
        "--profile-gil", action="store_true", help="record only the samples holding the interpreter lock"
    )
    args = parser.parse_args()
    name = f"kefu_bench_routing_{os.getpid()}"
    _admin(args.database_url, f'CREATE DATABASE "{name}"')
    var = tempfile.mkdtemp(prefix="kefu-bench-routing-")
    env = {
        **os.environ,
        "DATABASE_URL": _with_db(args.database_url, name),
        "REDIS_URL": args.redis,
        "KEFU_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "kefu.config.settings.base",
        "KEFU_DB_CONN_MAX_AGE": "60",
        "KEFU_REALTIME_TRACE": "1",
    }
    os.environ.update(env)
    try:
        subprocess.run([sys.executable, "-m", "kefu.cli.main", "migrate", "-v", "0"], env=env, check=True)
        import django

        django.setup()
        setup = seed(args.agents, args.queues, args.backlog)
        first = throughput(args.agents)
        print(f"throughput: {first}", flush=True)
        if args.throughput_only:
            second = {"offer_latency_p50_ms": None, "offer_latency_p99_ms": None}
            second |= {"offer_latency_max_ms": None, "chats": 0, "problems": []}
        else:
            second = latency(env, setup, args.rate, args.seconds, args.profile, args.profile_gil)
        print(f"latency: {second}")
    finally:
        from django.db import connections

        connections.close_all()
        _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    problems = first["problems"] + second["problems"]
    for problem in problems:
        print("PROBLEM", problem)
    result = {
        "agents": args.agents,
        "queues": args.queues,
        "backlog": args.backlog,
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "e2e_assignments_per_s": first["e2e_assignments_per_s"],
        "e2e_by_process": first["by_process"],
        "e2e_statements_per_assignment": first["statements_per_assignment"],
        "e2e_worker_cpu_ms_per_assignment": first["worker_cpu_ms_per_assignment"],
        "offer_latency_p50_ms": second["offer_latency_p50_ms"],
        "offer_latency_p99_ms": second["offer_latency_p99_ms"],
        "offer_latency_max_ms": second["offer_latency_max_ms"],
        **{k: v for k, v in second.items() if k.endswith("_p50_p99_ms")},
        **{k: v for k, v in second.items() if k.startswith(CPU_FIGURES)},
        "chats": second["chats"],
        "posts_timed_out": second.get("posts_timed_out", 0),
        "exactly_once": not problems,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
