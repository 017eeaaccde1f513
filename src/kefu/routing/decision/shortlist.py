"""Which agents a batch decision can need: the best few of each group, not the whole floor.

A routing pass over k waiting contacts used to build the core's `Agent` for everyone who could
take one of them, and the `Floor` indexed them all: on a floor of 1,000 agents that was half of
the pass's CPU, though at most k of them get a contact. `shortlist` names the agents the batch
decision can choose, from a few plain numbers per agent, before any `Agent` is built.

Why the decision stays the same. The `Floor` offers each contact the recent agent, or else the
best free agent (`rules.agent_key`) of each open (queue, tier, provider) group. An assignment
changes one agent, and only for the worse: its load rises (and `agent_key` compares occupancy
before idle time) or it fills up. When the i-th contact of the batch is decided, at most i - 1
agents have changed, and its `missed_by` rules out at most m more. So a group that keeps its
k + m best agents (k contacts, m the longest `missed_by`) still holds one that is unchanged and
not ruled out whenever the whole group would offer someone, and that one beats every agent left
out, whose key has not changed. The recent agents are kept too: they are looked at apart from
the groups. `test_decision_properties` checks the claim on random floors.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

# Not `from kefu.routing.decision import rules`: see floor.py.
import kefu.routing.decision.rules as rules
from kefu.routing.decision.snapshot import Contact

__all__ = ["FreeAgent", "shortlist"]

# (group, proficiency for the group's queue, load on its channel, capacity on it, idle since, agent
# id): one agent free to serve one (queue, tier, provider) group, as `rules.agent_key` ranks it.
FreeAgent = tuple[Hashable, int, int, int, float, int]


def kept_per_group(contacts: Sequence[Contact]) -> int:
    """How many of each group's best agents the batch can reach: k contacts + the longest miss list."""
    return len(contacts) + max((len(contact.missed_by) for contact in contacts), default=0)


def shortlist(free: Iterable[FreeAgent], contacts: Sequence[Contact]) -> set[int]:
    """The ids of the agents a batch decision over `contacts` may pick: each group's best
    `kept_per_group`, and every contact's recent agent. `free` lists each agent once per group it
    may serve now (online, skilled, certified, with room on the queue's channel)."""
    keep = kept_per_group(contacts)
    by_group: dict[Hashable, list[tuple]] = defaultdict(list)
    for group, proficiency, load, capacity, idle_since, agent_id in free:
        by_group[group].append(rules.agent_key(proficiency, load, capacity, idle_since, agent_id))
    chosen = {contact.preferred_agent_id for contact in contacts if contact.preferred_agent_id is not None}
    for keys in by_group.values():
        best = keys if len(keys) <= keep else heapq.nsmallest(keep, keys)
        chosen.update(key[3] for key in best)
    return chosen
