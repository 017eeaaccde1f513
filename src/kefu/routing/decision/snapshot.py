"""What the routing decision sees: plain frozen values, no Django.

The wiring (routing services) reads queues, agents, presence, capacity, certifications and waiting
contacts from the database and hands them over as these values; the decision core never queries
anything. Keeping the inputs frozen means a test or a benchmark can build a floor of thousands of
agents in memory and get exactly the answer production would get from the same rows.

Times are seconds since the Unix epoch as floats (`datetime.timestamp()`): the core only compares
and subtracts them, and floats keep the hot path free of datetime arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "Agent",
    "Assignment",
    "Contact",
    "OverflowRule",
    "Presence",
    "Queue",
    "SkillNeed",
    "Snapshot",
    "TrafficSplit",
]


class Presence(StrEnum):
    """An agent's state. Only `online` takes new contacts: `busy` is the agent's own "do not route
    to me" (a call outside the system, a task), the others are away from the queue."""

    ONLINE = "online"
    BUSY = "busy"
    AFTER_CONTACT_WORK = "after_contact_work"
    BREAK = "break"
    MISSED = "missed"
    OFFLINE = "offline"


def _frozen_map(value: Mapping) -> Mapping:
    """A read-only copy, so a snapshot value cannot change under the index built from it."""
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class SkillNeed:
    """A skill a queue requires, at `min_level` proficiency or better (1–5)."""

    skill: str
    min_level: int = 1


@dataclass(frozen=True, slots=True)
class OverflowRule:
    """After a contact has waited `after_s` seconds, these teams and providers may take it too.

    Overflow agents are a last resort: a contact goes to the queue's own agents whenever one is
    free, and to an overflow agent only when none is."""

    after_s: float
    teams: frozenset[int] = frozenset()
    providers: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue: one client's business on one channel (悦家-售前-在线).

    `teams` and `providers` serve it from the first second; `overflow` widens that after a wait
    (the rules are kept sorted by threshold: the n-th rule is overflow tier n). `priority`: higher
    is more urgent. `service_level_s` is the target answer time; the core does not use it yet (the
    aging is uniform, see docs/routing-decision.md) but the wiring reports against it."""

    id: int
    client_id: int
    channel: str
    priority: int = 0
    needs: tuple[SkillNeed, ...] = ()
    teams: frozenset[int] = frozenset()
    providers: frozenset[int] = frozenset()
    overflow: tuple[OverflowRule, ...] = ()
    service_level_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "overflow", tuple(sorted(self.overflow, key=lambda rule: rule.after_s)))


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent as routing sees them at one moment.

    `skills`: skill → proficiency 1–5. `certifications`: client id → expiry (None: no expiry); an
    agent takes a client's contacts only while its certification is valid. `capacity` and `load`:
    channel → concurrent contacts allowed / held now. `idle_since`: when the agent last got a
    contact or became available; the longest idle agent wins a tie."""

    id: int
    provider_id: int
    team_id: int
    state: Presence = Presence.ONLINE
    skills: Mapping[str, int] = field(default_factory=dict)
    certifications: Mapping[int, float | None] = field(default_factory=dict)
    capacity: Mapping[str, int] = field(default_factory=dict)
    load: Mapping[str, int] = field(default_factory=dict)
    idle_since: float = 0.0

    def __post_init__(self) -> None:
        for name in ("skills", "certifications", "capacity", "load"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact waiting in a queue (its channel is the queue's).

    `preferred_agent_id` is the agent who served this customer recently (the wiring decides what
    "recently" means); `missed_by` are agents who let an offer of this contact time out or declined
    it, and are not offered it again. A re-queued contact keeps its `enqueued_at`, so a miss does not
    send it to the back of the line."""

    id: int
    queue_id: int
    enqueued_at: float
    preferred_agent_id: int | None = None
    missed_by: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class TrafficSplit:
    """A client's plan for sharing its contacts between providers, and what happened so far.

    `planned`: provider id → weight (percentages, or any weights; only ratios matter). A provider
    with weight 0 or not in the plan takes none of the client's contacts except through an
    overflow rule (the last step of a handover: 20 % → 50 % → 100 %). `realised`: provider id →
    contacts assigned so far in the period the wiring reports on (e.g. today)."""

    client_id: int
    planned: Mapping[int, float]
    realised: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "planned", _frozen_map(self.planned))
        object.__setattr__(self, "realised", _frozen_map(self.realised))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one decision needs. `aging_s` is the waiting time worth one priority point
    (docs/routing-decision.md, "Aging")."""

    agents: tuple[Agent, ...] = ()
    queues: tuple[Queue, ...] = ()
    contacts: tuple[Contact, ...] = ()
    splits: tuple[TrafficSplit, ...] = ()
    aging_s: float = 60.0


@dataclass(frozen=True, slots=True)
class Assignment:
    """One decision: offer `contact_id` to `agent_id`. `tier` 0 is the queue's own agents, n the
    n-th overflow rule; `sticky` says the customer's recent agent was chosen."""

    contact_id: int
    agent_id: int
    queue_id: int
    channel: str
    provider_id: int
    tier: int = 0
    sticky: bool = False
