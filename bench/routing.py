"""Routing: the decision core against a full floor (the end-to-end half comes later).

    uv run python bench/routing.py [--agents 2000] [--queues 100] [--skills 20] [--waiting 10000]
                                   [--events 50000] [--seed 0]

Builds a seeded floor (agents with skills, certifications, chat and voice capacity; queues with
required skills, priorities, overflow rules; two clients splitting traffic between providers),
queues `--waiting` contacts and settles it with one `decide_all`. Then it plays `--events`
events against the full floor, half "an agent finished a contact" (load - 1, then
`decide_for_agent`) and half "a contact was queued" (`decide_for_contact`), the simulated clock
advancing 10 ms per event, and a `decide_all` sweep every simulated second (the timer that catches
overflow thresholds). Each event is timed from the state change to the returned decision.

It checks as well as times: every assignment is checked against the raw floor data (the contact
was waiting and is assigned once, the agent was online, under capacity, skilled, certified and
serving the queue or its open overflow); any problem exits 1. The last line is one JSON object.

With `--database-url postgres://…` the end-to-end half runs too (`bench/routing_e2e.py`: two
processes assigning from one PostgreSQL database, offer latency through two served processes);
its figures and its exactly-once verdict join the JSON. Without it, `e2e_assignments_per_s` and
`offer_latency_p99_ms` are null.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kefu.routing.decision import (  # noqa: E402  (imports no Django)
    Agent,
    Assignment,
    Contact,
    Floor,
    OverflowRule,
    Presence,
    Queue,
    SkillNeed,
    Snapshot,
    TrafficSplit,
)

PROVIDERS = 4
TEAMS = 40  # team t belongs to provider t % PROVIDERS + 1
CLIENTS = 10
SPLITS = {0: {1: 20, 2: 80}, 1: {1: 50, 2: 50}}  # client -> provider weights


def build_floor(rnd: random.Random, n_agents: int, n_queues: int, n_skills: int) -> Snapshot:
    """A floor shaped like a mid-sized outsourcer: each team works a few clients."""
    skills = [f"s{i}" for i in range(n_skills)]
    queues = []
    for queue_id in range(1, n_queues + 1):
        client = rnd.randrange(CLIENTS)
        home = frozenset(rnd.sample(range(TEAMS), rnd.choice([2, 3, 4])))
        overflow = ()
        if rnd.random() < 0.5:
            overflow = (OverflowRule(60.0, teams=frozenset(rnd.sample(range(TEAMS), 3))),)
        queues.append(
            Queue(
                id=queue_id,
                client_id=client,
                channel="voice" if rnd.random() < 0.2 else "chat",
                priority=rnd.randrange(4),
                needs=tuple(
                    SkillNeed(skill, rnd.randint(1, 3)) for skill in rnd.sample(skills, rnd.choice([1, 2]))
                ),
                teams=home,
                providers=frozenset({1, 2}) if client in SPLITS else frozenset(),
                overflow=overflow,
                service_level_s=20.0,
            )
        )
    agents = []
    for agent_id in range(1, n_agents + 1):
        team = rnd.randrange(TEAMS)
        agents.append(
            Agent(
                id=agent_id,
                provider_id=team % PROVIDERS + 1,
                team_id=team,
                state=Presence.ONLINE if rnd.random() < 0.85 else Presence.BREAK,
                skills={skill: rnd.randint(1, 5) for skill in rnd.sample(skills, rnd.randint(4, 8))},
                certifications={
                    client: (None if rnd.random() < 0.8 else 10_000_000.0)
                    for client in rnd.sample(range(CLIENTS), rnd.randint(3, 5))
                },
                capacity={"chat": 3, "voice": 1},
                load={},
                idle_since=rnd.uniform(0, 1000),
            )
        )
    splits = tuple(TrafficSplit(client, planned) for client, planned in SPLITS.items())
    return Snapshot(agents=tuple(agents), queues=tuple(queues), splits=splits)


class Checker:
    """Shadow accounting on the raw floor data, independent of the live's indexes and rules."""

    def __init__(self, floor: Snapshot) -> None:
        self.agents = {agent.id: agent for agent in floor.agents}
        self.queues = {queue.id: queue for queue in floor.queues}
        self.load = {agent.id: {"chat": 0, "voice": 0} for agent in floor.agents}
        self.held: dict[int, list[tuple[int, str]]] = {agent.id: [] for agent in floor.agents}
        self.waiting: dict[int, Contact] = {}
        self.assigned: set[int] = set()
        self.problems: list[str] = []

    def check(self, made: list[Assignment], now: float) -> None:
        for one in made:
            contact = self.waiting.pop(one.contact_id, None)
            agent = self.agents[one.agent_id]
            queue = self.queues[one.queue_id]
            where = f"contact {one.contact_id} → agent {agent.id}"
            if contact is None or one.contact_id in self.assigned:
                self.problems.append(f"{where}: not waiting, or assigned twice")
                continue
            self.assigned.add(one.contact_id)
            self.load[agent.id][queue.channel] += 1
            self.held[agent.id].append((one.contact_id, queue.channel))
            if self.load[agent.id][queue.channel] > agent.capacity[queue.channel]:
                self.problems.append(f"{where}: over capacity")
            if agent.state != "online" or agent.id in contact.missed_by:
                self.problems.append(f"{where}: not online, or missed it")
            if any(agent.skills.get(need.skill, 0) < need.min_level for need in queue.needs):
                self.problems.append(f"{where}: unqualified")
            expiry = agent.certifications.get(queue.client_id, "none")
            if expiry == "none" or (expiry is not None and expiry <= now):
                self.problems.append(f"{where}: uncertified")
            split = SPLITS.get(queue.client_id)
            home = agent.team_id in queue.teams or agent.provider_id in queue.providers
            home = home and (split is None or split.get(agent.provider_id, 0) > 0)
            opened = any(
                now - contact.enqueued_at >= rule.after_s and agent.team_id in rule.teams
                for rule in queue.overflow
            )
            if not (home or opened):
                self.problems.append(f"{where}: does not serve the queue")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--skills", type=int, default=20)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", default="", help="PostgreSQL: run the end-to-end half too")
    parser.add_argument("--e2e-args", default="", help="more arguments for bench/routing_e2e.py")
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    floor = build_floor(rnd, args.agents, args.queues, args.skills)
    checker = Checker(floor)
    queue_ids = [queue.id for queue in floor.queues]
    weights = [rnd.paretovariate(1.5) for _ in queue_ids]  # a few busy queues, many quiet ones
    now = 1000.0
    next_contact = 1

    def new_contact(at: float) -> Contact:
        nonlocal next_contact
        contact = Contact(next_contact, rnd.choices(queue_ids, weights)[0], at)
        next_contact += 1
        checker.waiting[contact.id] = contact
        return contact

    started = time.perf_counter()
    live = Floor(floor)
    build_s = time.perf_counter() - started
    for _ in range(args.waiting):
        live.add_contact(new_contact(now - rnd.uniform(0, 600)))
    started = time.perf_counter()
    made = live.decide_all(now)
    settle_s = time.perf_counter() - started
    checker.check(made, now)
    settled_assignments = len(made)
    while len(checker.waiting) < args.waiting:  # back to a full backlog
        contact = new_contact(now)
        live.add_contact(contact)
        checker.check(live.decide_for_contact(contact.id, now), now)

    gc.collect()
    gc.freeze()  # the floor is long-lived; keep the collector off it during timing
    timings: dict[str, list[float]] = {"agent_freed": [], "contact_queued": []}
    sweeps: list[float] = []
    cpu_ms: list[float] = []  # the same events in CPU time: what preemption on a busy machine leaves out
    assignments = 0
    busy = [agent_id for agent_id, held in checker.held.items() if held]
    for event in range(args.events):
        now += 0.01
        if event % 2 == 0 and busy:
            index = rnd.randrange(len(busy))
            agent_id = busy[index]
            held = checker.held[agent_id]
            _ended, channel = held.pop(rnd.randrange(len(held)))
            checker.load[agent_id][channel] -= 1
            if not held:
                busy[index] = busy[-1]
                busy.pop()
            kind = "agent_freed"
            load = checker.load[agent_id][channel]
            cpu, tick = time.thread_time_ns(), time.perf_counter_ns()
            live.set_load(agent_id, channel, load)
            made = live.decide_for_agent(agent_id, now)
        else:
            kind = "contact_queued"
            contact = new_contact(now)
            cpu, tick = time.thread_time_ns(), time.perf_counter_ns()
            live.add_contact(contact)
            made = live.decide_for_contact(contact.id, now)
        timings[kind].append((time.perf_counter_ns() - tick) / 1e6)
        cpu_ms.append((time.thread_time_ns() - cpu) / 1e6)
        if event % 100 == 99:  # one simulated second: the sweep for overflow thresholds
            tick = time.perf_counter_ns()
            made = [*made, *live.decide_all(now)]
            sweeps.append((time.perf_counter_ns() - tick) / 1e6)
        before = {one.agent_id for one in made if not checker.held[one.agent_id]}
        checker.check(made, now)
        busy.extend(before)
        assignments += len(made)
    gc.unfreeze()

    everything = timings["agent_freed"] + timings["contact_queued"]
    total_ms = sum(everything)
    wall_per_s = len(everything) / (total_ms / 1000) if total_ms else 0.0
    per_s = len(cpu_ms) / (sum(cpu_ms) / 1000) if sum(cpu_ms) else 0.0
    exactly_once = not checker.problems
    result = {
        "agents": args.agents,
        "queues": args.queues,
        "skills": args.skills,
        "waiting_start": args.waiting,
        "waiting_end": len(checker.waiting),
        "events": len(everything),
        "assignments": assignments,
        "build_s": round(build_s, 3),
        "settle_s": round(settle_s, 3),
        "settle_assignments": settled_assignments,
        "core_decisions_per_s": round(per_s),
        "core_decisions_per_s_wall": round(wall_per_s),
        "core_p50_ms": round(percentile(everything, 0.50), 4),
        "core_p99_ms": round(percentile(everything, 0.99), 4),
        "core_cpu_p99_ms": round(percentile(cpu_ms, 0.99), 4),
        "core_max_ms": round(max(everything), 3),
        "agent_freed_p99_ms": round(percentile(timings["agent_freed"], 0.99), 4),
        "contact_queued_p99_ms": round(percentile(timings["contact_queued"], 0.99), 4),
        "sweep_p50_ms": round(statistics.median(sweeps), 2) if sweeps else None,
        "sweep_max_ms": round(max(sweeps), 2) if sweeps else None,
        "e2e_assignments_per_s": None,
        "offer_latency_p99_ms": None,
        "exactly_once": exactly_once,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(f"floor: {args.agents} agents, {args.queues} queues, {args.skills} skills, seed {args.seed}")
    print(f"build {build_s:.2f} s; settle (decide_all over {args.waiting} waiting) {settle_s:.2f} s")
    print(f"{len(everything)} events, {assignments} assignments, {len(checker.waiting)} waiting at the end")
    print(
        f"per event: {per_s:,.0f}/s in CPU time ({wall_per_s:,.0f}/s in wall time), "
        f"p50 {result['core_p50_ms']} ms, p99 {result['core_p99_ms']} ms (wall)"
    )
    print(f"sweeps (decide_all every simulated second): p50 {result['sweep_p50_ms']} ms")
    slow = [ms for ms in everything if ms > 1.0]
    print(f"events over 1 ms: {len(slow)}, {sum(slow):.0f} ms of {total_ms:.0f} ms in all")
    for problem in checker.problems[:10]:
        print("PROBLEM", problem)
    if args.database_url:
        e2e = end_to_end(args.database_url, args.e2e_args)
        result["e2e_assignments_per_s"] = e2e.get("e2e_assignments_per_s")
        result["offer_latency_p99_ms"] = e2e.get("offer_latency_p99_ms")
        result["e2e"] = e2e
        exactly_once = exactly_once and bool(e2e.get("exactly_once"))
        result["exactly_once"] = exactly_once
    print(json.dumps(result))
    return 0 if exactly_once else 1


def end_to_end(database_url: str, extra: str) -> dict:
    """Run bench/routing_e2e.py and read its last line (its own output passes through)."""
    import subprocess

    command = [sys.executable, str(ROOT / "bench" / "routing_e2e.py"), "--database-url", database_url]
    run = subprocess.run([*command, *extra.split()], capture_output=True, text=True, check=False)
    sys.stderr.write(run.stderr[-4000:])
    lines = run.stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1])
    except (IndexError, ValueError):
        found, lines = (
            {"exactly_once": False, "error": f"routing_e2e.py exited {run.returncode}"},
            [*lines, ""],
        )
    for line in lines[:-1]:
        print("e2e:", line)
    return found


if __name__ == "__main__":
    raise SystemExit(main())
