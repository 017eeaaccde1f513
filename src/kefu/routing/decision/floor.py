"""The routing decision as an incremental in-memory structure: one event, one decision, microseconds.

A floor of 2,000 agents and 10,000 waiting contacts cannot be scanned on every event, so the
`Floor` keeps indexes that turn each decision into a few heap peeks:

- per queue, its waiting contacts in a heap ordered by `rules.contact_key` (first in, first out
  within a queue; the aging key makes the order between queues constant too);
- per (queue, tier, provider), the agents who may serve it and are free now, in a heap ordered by
  `rules.agent_key`;
- per agent, the doors (queue, tier) through which it may serve, computed once from skills,
  certifications, teams, providers and the client's traffic split.

Heaps are lazy: an agent or contact that changes gets a new version and a new entry, and stale
entries are dropped when they reach the top (or when a heap has grown to a few times its members).

Every choice goes through `rules` (eligibility, contact order, `rules.pick`), the same functions the
tests' brute-force oracle uses, so `decide_all`, `decide_for_contact` and `decide_for_agent` are
one set of rules over different entry points. The event decisions assume a settled floor: after
`decide_all(now)` no waiting contact has a free eligible agent. From there, "a contact arrived" and
"an agent freed capacity" give exactly what `decide_all` would give, and leave the floor settled.
Time alone unsettles it (a contact crosses an overflow threshold, a certification expires), so the
wiring calls `decide_all` at `next_wakeup(now)` or on a timer. `now` must not go backwards on one
`Floor`: an agent whose certification has expired leaves the free heaps until it is upserted again.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

# Not `from kefu.routing.decision import rules`: the package re-exports this module, and the
# architecture test's purity walk follows package imports (it would go round in a circle).
import kefu.routing.decision.rules as rules
from kefu.routing.decision.snapshot import (
    Agent,
    Assignment,
    Contact,
    Presence,
    Queue,
    Snapshot,
    TrafficSplit,
)

__all__ = ["Floor", "decide"]

GroupKey = tuple[int, int, int]  # (queue id, tier, provider id)


class _Door:
    """One way an agent may serve a queue, with what the hot path needs at hand."""

    __slots__ = ("channel", "client_id", "group", "prof", "queue", "tier")

    def __init__(self, queue: Queue, tier: int, prof: int, provider_id: int) -> None:
        self.queue = queue
        self.tier = tier
        self.prof = prof
        self.channel = queue.channel
        self.client_id = queue.client_id
        self.group: GroupKey = (queue.id, tier, provider_id)


class _AgentRow:
    """An agent's mutable routing state: load, presence and idle time change with every event;
    `version` invalidates the agent's older heap entries."""

    __slots__ = ("agent", "capacity", "doors", "idle_since", "load", "state", "tiers", "version")

    def __init__(self, agent: Agent, version: int) -> None:
        self.agent = agent
        self.capacity = dict(agent.capacity)
        self.load = dict(agent.load)
        self.state = agent.state
        self.idle_since = agent.idle_since
        self.version = version
        self.doors: list[_Door] = []
        self.tiers: dict[int, int] = {}  # queue id -> tier

    def current(self) -> Agent:
        a = self.agent
        return Agent(
            id=a.id,
            provider_id=a.provider_id,
            team_id=a.team_id,
            state=self.state,
            skills=a.skills,
            certifications=a.certifications,
            capacity=self.capacity,
            load=self.load,
            idle_since=self.idle_since,
        )


class Floor:
    """The live routing state of a floor, built from a snapshot and kept up to date by events."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.aging_s = snapshot.aging_s
        self._version = 0
        self._queues: dict[int, Queue] = {queue.id: queue for queue in snapshot.queues}
        self._queues_by_need: dict[str | None, list[int]] = {}
        self._queue_order: dict[int, int] = {}
        self._index_queues()
        self._splits: dict[int, TrafficSplit] = {split.client_id: split for split in snapshot.splits}
        self._realised: dict[int, dict[int, int]] = {
            split.client_id: dict(split.realised) for split in snapshot.splits
        }
        self._agents: dict[int, _AgentRow] = {}
        self._free: dict[GroupKey, list] = {}
        self._group_size: dict[GroupKey, int] = {}
        self._groups: dict[int, list[tuple[int, int]]] = {}  # queue id -> sorted (tier, provider)
        self._contacts: dict[int, Contact] = {}
        self._contact_version: dict[int, int] = {}
        self._waiting: dict[int, list] = {queue_id: [] for queue_id in self._queues}
        self._waiting_count: dict[int, int] = dict.fromkeys(self._queues, 0)
        for agent in snapshot.agents:
            self.upsert_agent(agent)
        for contact in snapshot.contacts:
            self.add_contact(contact)

    # ------------------------------------------------------------------ events

    def upsert_agent(self, agent: Agent) -> None:
        """An agent appears or changes (skills, certifications, team, capacity, load, state)."""
        if agent.id in self._agents:
            self._forget_doors(self._agents[agent.id])
        row = _AgentRow(agent, self._next_version())
        self._agents[agent.id] = row
        self._index_doors(row)
        self._push_agent(row)

    def remove_agent(self, agent_id: int) -> None:
        """An agent leaves the floor; unknown ids are ignored."""
        row = self._agents.pop(agent_id, None)
        if row is not None:
            self._forget_doors(row)

    def set_state(self, agent_id: int, state: Presence | str, *, idle_since: float | None = None) -> None:
        """Presence changes; `idle_since` (e.g. the moment the agent came online) if given."""
        row = self._agents[agent_id]
        row.state = Presence(state)
        if idle_since is not None:
            row.idle_since = idle_since
        self._touch(row)

    def set_load(self, agent_id: int, channel: str, load: int) -> None:
        """The agent now holds `load` contacts on the channel (a contact ended, or was taken by
        hand)."""
        row = self._agents[agent_id]
        row.load[channel] = load
        self._touch(row)

    def set_capacity(self, agent_id: int, channel: str, capacity: int) -> None:
        """A lead raises or lowers the agent's concurrency on a channel (emergency plan)."""
        row = self._agents[agent_id]
        row.capacity[channel] = capacity
        self._forget_doors(row)
        self._index_doors(row)
        self._touch(row)

    def add_contact(self, contact: Contact) -> None:
        """A contact is queued (or re-queued after a miss, with the agent in `missed_by`)."""
        queue = self._queues.get(contact.queue_id)
        if queue is None:
            raise ValueError(f"contact {contact.id} waits in unknown queue {contact.queue_id}")
        if contact.id in self._contacts:
            self.remove_contact(contact.id)
        version = self._next_version()
        self._contacts[contact.id] = contact
        self._contact_version[contact.id] = version
        heap = self._waiting[queue.id]
        heapq.heappush(heap, (rules.contact_key(contact, queue, self.aging_s), version))
        self._waiting_count[queue.id] += 1
        if len(heap) > 2 * self._waiting_count[queue.id] + 32:
            self._compact_waiting(queue.id)

    def remove_contact(self, contact_id: int) -> None:
        """A contact leaves the queue (abandoned, taken by hand); unknown ids are ignored."""
        contact = self._contacts.pop(contact_id, None)
        if contact is not None:
            del self._contact_version[contact_id]
            self._waiting_count[contact.queue_id] -= 1

    def upsert_queue(self, queue: Queue) -> None:
        """A queue appears or its rules change: every agent's doors are worked out again (rare)."""
        self._queues[queue.id] = queue
        self._index_queues()
        self._waiting.setdefault(queue.id, [])
        self._waiting_count.setdefault(queue.id, 0)
        self._compact_waiting(queue.id)  # the priority is part of the contact key
        self._reindex_all()

    def set_split(self, split: TrafficSplit) -> None:
        """A client's traffic plan changes (the handover's next step); realised counts restart from
        the split's."""
        self._splits[split.client_id] = split
        self._realised[split.client_id] = dict(split.realised)
        self._reindex_all()

    # ------------------------------------------------------------------ decisions

    def decide_all(self, now: float) -> list[Assignment]:
        """Pair every waiting contact that can be served, most urgent first, each with its best free
        agent; loads are updated as it goes, so nobody exceeds capacity. Leaves the floor settled.

        Queues are walked in step (a heap of each queue's next contact), and a queue is dropped at
        its first contact that finds no agent and missed nobody: the contacts behind it in the
        same queue have waited no longer (no more overflow tiers open) and agents only fill up
        during the sweep, so none of them can find one either. A saturated floor costs one look
        per queue, not one per contact."""
        fronts = []
        for queue_id, heap in self._waiting.items():
            if self._clean_waiting(heap):
                fronts.append((heap[0][0], queue_id))
        heapq.heapify(fronts)
        behind: dict[int, Iterator[tuple]] = {}
        made = []
        while fronts:
            key, queue_id = heapq.heappop(fronts)
            contact = self._contacts[key[2]]
            candidate = self._best_agent(contact, now)
            if candidate is not None:
                made.append(self._assign(contact, candidate, now))
            elif not contact.missed_by:
                continue  # the rest of this queue cannot be served either
            if queue_id not in behind:
                behind[queue_id] = iter(sorted(self._waiting[queue_id]))
            for later, version in behind[queue_id]:
                if later > key and self._live(later, version):
                    heapq.heappush(fronts, (later, queue_id))
                    break
        return made

    def decide_for_contact(self, contact_id: int, now: float) -> list[Assignment]:
        """A contact was queued: its best free agent, if any (a list of at most one)."""
        contact = self._contacts.get(contact_id)
        if contact is None:
            return []
        candidate = self._best_agent(contact, now)
        return [] if candidate is None else [self._assign(contact, candidate, now)]

    def decide_for_agent(self, agent_id: int, now: float) -> list[Assignment]:
        """An agent freed capacity or came online: the most urgent contacts it may take, until it
        is full. Each contact still goes to its own best agent by `rules.pick`, which on a settled
        floor is this agent (the only one free for it)."""
        row = self._agents.get(agent_id)
        made: list[Assignment] = []
        while row is not None:
            contact = self._best_contact(row, now)
            if contact is None:
                break
            candidate = self._best_agent(contact, now)
            if candidate is None:  # unreachable: this agent is a candidate
                break
            made.append(self._assign(contact, candidate, now))
            row = self._agents.get(agent_id)
        return made

    # ------------------------------------------------------------------ reads

    def contact(self, contact_id: int) -> Contact | None:
        return self._contacts.get(contact_id)

    def agent(self, agent_id: int) -> Agent | None:
        """The agent as it stands now (with current load, state and idle time)."""
        row = self._agents.get(agent_id)
        return None if row is None else row.current()

    def waiting(self, queue_id: int) -> int:
        return self._waiting_count.get(queue_id, 0)

    def longest_wait(self, queue_id: int, now: float) -> float:
        """Seconds the queue's oldest waiting contact has waited (0 when none waits), for the
        queue's stats and the wallboard."""
        heap = self._waiting.get(queue_id)
        if not heap or not self._clean_waiting(heap):
            return 0.0
        return max(0.0, now - heap[0][0][1])

    def position(self, contact_id: int) -> int | None:
        """How many contacts of the same queue are ahead (0: next), for the customer's widget."""
        contact = self._contacts.get(contact_id)
        if contact is None:
            return None
        queue = self._queues[contact.queue_id]
        mine = rules.contact_key(contact, queue, self.aging_s)
        return sum(1 for key, version in self._waiting[queue.id] if key < mine and self._live(key, version))

    def realised(self, client_id: int) -> dict[int, int]:
        """Contacts per provider for a client with a traffic split, counting this floor's decisions."""
        return dict(self._realised.get(client_id, {}))

    def next_wakeup(self, now: float) -> float | None:
        """The next moment after `now` at which a waiting contact crosses an overflow threshold:
        the floor may unsettle then, and the wiring should call `decide_all`."""
        soonest = None
        for queue_id, heap in self._waiting.items():
            queue = self._queues[queue_id]
            if not queue.overflow or not self._clean_waiting(heap):
                continue
            oldest = heap[0][0][1]
            for rule in queue.overflow:
                at = oldest + rule.after_s
                if at > now and (soonest is None or at < soonest):
                    soonest = at
        return soonest

    def snapshot(self) -> Snapshot:
        """The current state as plain values (to persist, compare, or start another `Floor`)."""
        return Snapshot(
            agents=tuple(row.current() for row in self._agents.values()),
            queues=tuple(self._queues.values()),
            contacts=tuple(self._contacts.values()),
            splits=tuple(
                TrafficSplit(client_id, split.planned, self._realised[client_id])
                for client_id, split in self._splits.items()
            ),
            aging_s=self.aging_s,
        )

    # ------------------------------------------------------------------ internals

    def _next_version(self) -> int:
        self._version += 1
        return self._version

    def _index_queues(self) -> None:
        """Each queue under one skill an agent must hold to qualify (None: it requires nothing), so
        that indexing an agent looks only at the queues its skills can open, in the queues' order."""
        self._queues_by_need.clear()
        self._queue_order = {queue_id: n for n, queue_id in enumerate(self._queues)}
        for queue in self._queues.values():
            key = next((need.skill for need in queue.needs if need.min_level > 0), None)
            self._queues_by_need.setdefault(key, []).append(queue.id)

    def _candidate_queues(self, agent: Agent) -> list[Queue]:
        ids = list(self._queues_by_need.get(None, ()))
        for skill in agent.skills:
            ids.extend(self._queues_by_need.get(skill, ()))
        if len(ids) > 1:
            ids.sort(key=self._queue_order.__getitem__)
        return [self._queues[queue_id] for queue_id in ids]

    def _index_doors(self, row: _AgentRow) -> None:
        """The queues the agent may serve and through which tier: skills, a certification for the
        client (its expiry is checked at decision time), capacity on the channel, team/provider."""
        agent = row.agent
        row.doors = []
        row.tiers = {}
        for queue in self._candidate_queues(agent):
            if row.capacity.get(queue.channel, 0) <= 0 or queue.client_id not in agent.certifications:
                continue
            if not rules.qualifies(agent, queue):
                continue
            number = rules.tier(agent, queue, self._splits.get(queue.client_id))
            if number is None:
                continue
            door = _Door(queue, number, rules.proficiency(agent, queue), agent.provider_id)
            row.doors.append(door)
            row.tiers[queue.id] = number
            self._group_size[door.group] = self._group_size.get(door.group, 0) + 1
            if self._group_size[door.group] == 1:
                self._free[door.group] = []
                self._groups[queue.id] = sorted({*self._groups.get(queue.id, []), door.group[1:]})

    def _forget_doors(self, row: _AgentRow) -> None:
        row.version = self._next_version()  # every heap entry of the agent is stale now
        for door in row.doors:
            self._group_size[door.group] -= 1
            if self._group_size[door.group] == 0:
                del self._group_size[door.group], self._free[door.group]
                self._groups[door.group[0]].remove(door.group[1:])
        row.doors = []
        row.tiers = {}

    def _reindex_all(self) -> None:
        for row in list(self._agents.values()):
            self._forget_doors(row)
            self._index_doors(row)
            self._push_agent(row)

    def _touch(self, row: _AgentRow) -> None:
        row.version = self._next_version()
        self._push_agent(row)

    def _push_agent(self, row: _AgentRow) -> None:
        """New heap entries for every door through which the agent is free now."""
        if not rules.routable(row.state):
            return
        load, capacity = row.load, row.capacity
        agent_id, idle, version = row.agent.id, row.idle_since, row.version
        for door in row.doors:
            held = load.get(door.channel, 0)
            limit = capacity.get(door.channel, 0)
            if held >= limit:
                continue
            heap = self._free[door.group]
            heapq.heappush(heap, (rules.agent_key(door.prof, held, limit, idle, agent_id), version))
            if len(heap) > 3 * self._group_size[door.group] + 16:
                self._compact_free(door.group)

    def _compact_free(self, group: GroupKey) -> None:
        agents = self._agents
        live = [
            entry
            for entry in self._free[group]
            if (row := agents.get(entry[0][3])) is not None and row.version == entry[1]
        ]
        heapq.heapify(live)
        self._free[group] = live

    def _compact_waiting(self, queue_id: int) -> None:
        """Drops stale entries and recomputes the keys (a queue's priority may have changed)."""
        queue = self._queues[queue_id]
        live = []
        for key, version in self._waiting[queue_id]:
            if self._live(key, version):
                contact = self._contacts[key[2]]
                live.append((rules.contact_key(contact, queue, self.aging_s), version))
        heapq.heapify(live)
        self._waiting[queue_id] = live

    def _live(self, key: tuple, version: int) -> bool:
        return self._contact_version.get(key[2]) == version

    def _clean_waiting(self, heap: list) -> bool:
        """Drops stale entries from the top; True if a live contact is left."""
        versions = self._contact_version
        while heap:
            key, version = heap[0]
            if versions.get(key[2]) == version:
                return True
            heapq.heappop(heap)
        return False

    def _best_agent(self, contact: Contact, now: float) -> rules.Candidate | None:
        """The contact's agent by `rules.pick`, from the recent agent (if free and eligible) and the
        best free agent of each open (tier, provider) group."""
        queue = self._queues[contact.queue_id]
        waited = now - contact.enqueued_at
        missed = contact.missed_by
        candidates: list[rules.Candidate] = []
        preferred = contact.preferred_agent_id
        if preferred is not None and preferred not in missed:
            row = self._agents.get(preferred)
            if row is not None and queue.id in row.tiers:
                number = row.tiers[queue.id]
                if (
                    rules.tier_open(queue, number, waited)
                    and rules.routable(row.state)
                    and rules.has_room(row.capacity, row.load, queue.channel)
                    and rules.certified(row.agent, queue.client_id, now)
                ):
                    candidates.append(rules.Candidate(preferred, row.agent.provider_id, number, ()))
        if not candidates:
            lowest = None
            for number, provider_id in self._groups.get(queue.id, ()):
                if lowest is not None and number > lowest:
                    break  # `pick` takes the lowest open tier that has a candidate
                if not rules.tier_open(queue, number, waited):
                    continue
                found = self._top_agent(queue, (queue.id, number, provider_id), missed, now)
                if found is not None:
                    candidates.append(found)
                    lowest = number
        split = self._splits.get(queue.client_id)
        return rules.pick(
            candidates, preferred=preferred, split=split, realised=self._realised.get(queue.client_id, {})
        )

    def _top_agent(
        self, queue: Queue, group: GroupKey, missed: frozenset[int], now: float
    ) -> rules.Candidate | None:
        """The best free agent of a group who has not missed the contact and is certified now."""
        heap = self._free[group]
        agents = self._agents
        while heap:
            key, version = heap[0]
            row = agents.get(key[3])
            if row is None or row.version != version or not rules.certified(row.agent, queue.client_id, now):
                heapq.heappop(heap)
                continue
            if key[3] not in missed:
                return rules.Candidate(key[3], group[2], group[1], key)
            break
        for key, version in sorted(heap):  # rare: the best agent missed this contact
            row = agents.get(key[3])
            if (
                row is not None
                and row.version == version
                and key[3] not in missed
                and rules.certified(row.agent, queue.client_id, now)
            ):
                return rules.Candidate(key[3], group[2], group[1], key)
        return None

    def _best_contact(self, row: _AgentRow, now: float) -> Contact | None:
        """The most urgent waiting contact this agent may take now."""
        if not rules.routable(row.state):
            return None
        agent = row.agent
        best_key = None
        certified: dict[int, bool] = {}
        for door in row.doors:
            if row.load.get(door.channel, 0) >= row.capacity.get(door.channel, 0):
                continue
            if door.client_id not in certified:
                certified[door.client_id] = rules.certified(agent, door.client_id, now)
            if not certified[door.client_id]:
                continue
            key = self._top_contact(door, agent.id, now)
            if key is not None and (best_key is None or key < best_key):
                best_key = key
        return None if best_key is None else self._contacts[best_key[2]]

    def _top_contact(self, door: _Door, agent_id: int, now: float) -> tuple | None:
        """The key of the queue's most urgent contact open to this door and not missed by the
        agent. Within a queue the order is first-in first-out, so when the oldest contact has not
        reached an overflow threshold, none has."""
        heap = self._waiting[door.queue.id]
        if not self._clean_waiting(heap):
            return None
        key = heap[0][0]
        threshold = 0.0 if door.tier == 0 else door.queue.overflow[door.tier - 1].after_s
        if now - key[1] < threshold:
            return None
        if agent_id not in self._contacts[key[2]].missed_by:
            return key
        for key, version in sorted(heap):  # rare: the agent missed the oldest contact
            if not self._live(key, version):
                continue
            if now - key[1] < threshold:
                return None
            if agent_id not in self._contacts[key[2]].missed_by:
                return key
        return None

    def _assign(self, contact: Contact, candidate: rules.Candidate, now: float) -> Assignment:
        queue = self._queues[contact.queue_id]
        self.remove_contact(contact.id)
        row = self._agents[candidate.agent_id]
        row.load[queue.channel] = row.load.get(queue.channel, 0) + 1
        row.idle_since = now
        self._touch(row)
        realised = self._realised.get(queue.client_id)
        if realised is not None:
            realised[candidate.provider_id] = realised.get(candidate.provider_id, 0) + 1
        return Assignment(
            contact_id=contact.id,
            agent_id=candidate.agent_id,
            queue_id=queue.id,
            channel=queue.channel,
            provider_id=candidate.provider_id,
            tier=candidate.tier,
            sticky=candidate.agent_id == contact.preferred_agent_id,
        )


def decide(snapshot: Snapshot, now: float) -> list[Assignment]:
    """One batch decision over a snapshot, leaving the snapshot as it was: every waiting contact
    that can be served, most urgent first, each with its best free agent."""
    return Floor(snapshot).decide_all(now)
