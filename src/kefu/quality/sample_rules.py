"""Which finished conversations go to a human reviewer, and to whom: pure, so reruns agree.

Sampling is deterministic: a conversation's draw is a hash of its id (and the rule's salt), so
the nightly job run twice picks the same conversations, and a rerun after a crash only adds
the ones it had not stored yet. Distribution gives each new task to the inspector with the
least open work (ties: the lowest id), so loads never differ by more than one when they start
equal (docs/quality-reviews.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BUCKETS = 10_000  # draws are in 0.01 % steps


@dataclass(frozen=True)
class Candidate:
    conversation_id: int
    channel: str
    agent_id: int | None
    agent_is_new: bool = False  # in the break-in period
    complaint: bool = False
    low_rating: bool = False  # CSAT ≤ 2


@dataclass(frozen=True)
class Policy:
    percent_by_channel: Mapping[str, int]  # 0–100
    new_agent_percent: int = 100
    include_complaints: bool = True
    include_low_ratings: bool = True
    salt: str = ""


def draw(conversation_id: int, salt: str = "") -> int:
    """The conversation's fixed draw in 0 .. BUCKETS−1."""
    digest = hashlib.sha256(f"{salt}:{conversation_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def reason(candidate: Candidate, policy: Policy) -> str | None:
    """Why this conversation is reviewed (`complaint`, `low_rating`, `new_agent`, `random`), or
    None. Complaints and low ratings are always in when the policy says so; an agent in the
    break-in period gets the higher of the two percentages."""
    if candidate.agent_id is None:
        return None  # nobody to review
    if policy.include_complaints and candidate.complaint:
        return "complaint"
    if policy.include_low_ratings and candidate.low_rating:
        return "low_rating"
    base = int(policy.percent_by_channel.get(candidate.channel, 0))
    chance = base
    if candidate.agent_is_new and policy.new_agent_percent > base:
        chance = policy.new_agent_percent
    if draw(candidate.conversation_id, policy.salt) < max(0, min(100, chance)) * (BUCKETS // 100):
        return "new_agent" if chance > base else "random"
    return None


def select(candidates: Iterable[Candidate], policy: Policy) -> list[tuple[Candidate, str]]:
    chosen = []
    for candidate in candidates:
        why = reason(candidate, policy)
        if why is not None:
            chosen.append((candidate, why))
    return chosen


def distribute(
    task_keys: Iterable[int], loads: Mapping[int, int], *, exclude: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Task key → inspector id: each task to the inspector with the least open work, ties to the
    lowest id. `exclude` maps a task key to an inspector who may not take it (the agent
    themselves, when an inspector also works conversations). Empty when there is nobody."""
    current = dict(loads)
    exclude = exclude or {}
    result: dict[int, int] = {}
    for key in task_keys:
        choices = [i for i in current if i != exclude.get(key)]
        if not choices:
            continue
        chosen = min(choices, key=lambda i: (current[i], i))
        result[key] = chosen
        current[chosen] += 1
    return result
