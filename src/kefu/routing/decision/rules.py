"""The rules of routing, once: who may take a contact, which contact goes first, which agent wins.

The incremental `Floor` (`floor.py`) keeps indexes so that one decision touches a handful of
entries, and the tests' brute-force oracle looks at every agent and every contact; both call these
functions, so the fast path cannot drift from the rules (docs/routing-decision.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kefu.routing.decision.snapshot import Agent, Contact, Presence, Queue, TrafficSplit

__all__ = [
    "Candidate",
    "agent_key",
    "certified",
    "contact_key",
    "effective_priority",
    "has_room",
    "pick",
    "proficiency",
    "provider_key",
    "qualifies",
    "routable",
    "tier",
    "tier_open",
]


def routable(state: str) -> bool:
    """Only an online agent is offered contacts."""
    return state == Presence.ONLINE


def has_room(capacity: Mapping[str, int], load: Mapping[str, int], channel: str) -> bool:
    """Below capacity on the channel (no capacity on a channel means the agent does not work it)."""
    return load.get(channel, 0) < capacity.get(channel, 0)


def qualifies(agent: Agent, queue: Queue) -> bool:
    """Holds every skill the queue requires, each at its minimum proficiency."""
    return all(agent.skills.get(need.skill, 0) >= need.min_level for need in queue.needs)


def proficiency(agent: Agent, queue: Queue) -> int:
    """How well the agent fits the queue: the weakest of the required skills (an agent is as good
    on a Japanese-language refund queue as their weaker of Japanese and refunds). 0 when the queue
    requires nothing, so all agents tie."""
    return min((agent.skills.get(need.skill, 0) for need in queue.needs), default=0)


def certified(agent: Agent, client_id: int, now: float) -> bool:
    """Holds a certification for the client that has not expired at `now`."""
    if client_id not in agent.certifications:
        return False
    expires = agent.certifications[client_id]
    return expires is None or expires > now


def tier(agent: Agent, queue: Queue, split: TrafficSplit | None) -> int | None:
    """Through which door the agent may serve the queue: 0 if their team or provider serves it
    (and the client's traffic split gives the provider a share), n if the n-th overflow rule names
    their team or provider, None if neither. Skills and certification are checked separately."""
    serves = agent.team_id in queue.teams or agent.provider_id in queue.providers
    if serves and (split is None or split.planned.get(agent.provider_id, 0) > 0):
        return 0
    for number, rule in enumerate(queue.overflow, 1):
        if agent.team_id in rule.teams or agent.provider_id in rule.providers:
            return number
    return None


def tier_open(queue: Queue, tier_number: int, waited_s: float) -> bool:
    """Tier 0 is always open; overflow tier n once the contact has waited the n-th rule's time."""
    return tier_number == 0 or waited_s >= queue.overflow[tier_number - 1].after_s


def contact_key(contact: Contact, queue: Queue, aging_s: float) -> tuple[float, float, int]:
    """Sort key of waiting contacts, most urgent first.

    The effective priority is `priority + waited / aging_s`; every contact ages at the same rate,
    so the order between two contacts never changes while they wait, and the key can be the
    constant `enqueued_at - aging_s * priority` (smaller is more urgent). Ties go to the contact
    enqueued first, then the smaller id; within one queue the order is exactly first-in first-out."""
    return (contact.enqueued_at - aging_s * queue.priority, contact.enqueued_at, contact.id)


def effective_priority(contact: Contact, queue: Queue, now: float, aging_s: float) -> float:
    """The priority a contact has reached at `now` (for display and tests; the order uses
    `contact_key`, which sorts the same way at every moment)."""
    return queue.priority + (now - contact.enqueued_at) / aging_s


def agent_key(prof: int, load: int, capacity: int, idle_since: float, agent_id: int) -> tuple:
    """Sort key of candidate agents within a tier and provider, best first: higher proficiency,
    then lower occupancy on the channel, then idle longest, then the smaller id."""
    return (-prof, load / capacity, idle_since, agent_id)


def provider_key(split: TrafficSplit, realised: Mapping[int, int], provider_id: int) -> tuple:
    """Sort key of providers for the client's next contact, first wins: the provider furthest below
    its planned share of all contacts so far counting this one (deficit round robin), then the
    smaller id. Integer weights keep the comparison exact."""
    total_weight = sum(split.planned.values())
    assigned = sum(realised.values())
    deficit = split.planned.get(provider_id, 0) * (assigned + 1) - total_weight * realised.get(provider_id, 0)
    return (-deficit, provider_id)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent who may take the contact now: eligible, free, not having missed it."""

    agent_id: int
    provider_id: int
    tier: int
    key: tuple


def pick(
    candidates: Iterable[Candidate],
    *,
    preferred: int | None,
    split: TrafficSplit | None,
    realised: Mapping[int, int],
) -> Candidate | None:
    """The agent a contact goes to, among candidates.

    The customer's recent agent first (stickiness); otherwise the lowest open tier (the queue's own
    agents before overflow); within it, when the client splits traffic, the provider furthest below
    plan; within that, the best `agent_key`. The `Floor` passes only the best candidate of each
    (tier, provider) group plus the recent agent, which gives the same answer as passing all."""
    pool = list(candidates)
    if not pool:
        return None
    if preferred is not None:
        for candidate in pool:
            if candidate.agent_id == preferred:
                return candidate
    lowest = min(candidate.tier for candidate in pool)
    pool = [candidate for candidate in pool if candidate.tier == lowest]
    if split is not None:
        provider = min(
            {candidate.provider_id for candidate in pool}, key=lambda p: provider_key(split, realised, p)
        )
        pool = [candidate for candidate in pool if candidate.provider_id == provider]
    return min(pool, key=lambda candidate: candidate.key)
