"""The hash chain of the contact event log: canonical form, links, and the verification walk.

Pure (no Django), so a client can re-implement it from docs/event-log.md and so the rule
that seals is the very rule that verifies. One chain per tenant pair (provider, client), in
event-id order:

    link_n = sha256(link_{n-1} (32 raw bytes) || canonical(event_n))    link_0 = 32 zero bytes

`canonical(event)` is the event's every field as JSON with sorted keys, no whitespace, ASCII
only (`\\uXXXX` escapes) and Python's shortest round-trip float text, so a re-encoding by
any JSON library that keeps those rules gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The link before the first event of every chain (hex of 32 zero bytes)."""

FIELDS = (
    "id", "type", "at", "conversation_id", "case_id", "channel", "queue", "agent_id", "actor_id",
    "value_s", "value_business_s", "data", "provider_id", "client_id",
)  # fmt: skip
"""Every column of `analytics_contactevent`: a change to any of them breaks the chain."""

_FLOATS = ("value_s", "value_business_s")


def chain_key(provider_id: int | None, client_id: int | None) -> str:
    """The name of a tenant pair's chain: ``"<provider>:<client>"``, 0 for none."""
    return f"{provider_id or 0}:{client_id or 0}"


def format_at(at: datetime | str) -> str:
    """UTC with microseconds and a Z: ``2026-12-06T01:02:03.000004Z`` (strings pass through)."""
    if isinstance(at, str):
        return at
    if at.tzinfo is None:
        raise ValueError("an event time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_object(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event as the chain sees it: exactly `FIELDS`, `at` as text, durations as floats."""
    missing = [name for name in FIELDS if name not in event]
    if missing:
        raise ValueError(f"event lacks {', '.join(missing)}")
    obj = {name: event[name] for name in FIELDS}
    obj["at"] = format_at(obj["at"])
    for name in _FLOATS:
        if obj[name] is not None:
            obj[name] = float(obj[name])
    return obj


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: the same for the same event on any machine, any database."""
    return json.dumps(event_object(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def event_hash(canonical_bytes: bytes) -> str:
    """sha256 of the canonical form alone: tells an edited event from an edited seal."""
    return hashlib.sha256(canonical_bytes).hexdigest()


def link(previous: str, canonical_bytes: bytes) -> str:
    """The next link: sha256 of the previous link's 32 bytes followed by the canonical event."""
    return hashlib.sha256(bytes.fromhex(previous) + canonical_bytes).hexdigest()


@dataclass(frozen=True)
class Seal:
    """One stored link: position in the chain (from 1), the event it seals, its hashes."""

    seq: int
    event_id: int
    event_hash: str
    link_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """A published head (a daily digest): the chain's length then and its link."""

    label: str
    chain_length: int
    head_hash: str
    last_event_id: int | None


# What broke, as `verify` names it (docs/event-log.md lists what each means).
EVENT_EDITED = "event_edited"
EVENT_MISSING = "event_missing"
EVENT_INSERTED = "event_inserted"
SEAL_EDITED = "seal_edited"
SEAL_MISSING = "seal_missing"
SEAL_OUT_OF_ORDER = "seal_out_of_order"
DIGEST_MISMATCH = "digest_mismatch"


@dataclass(frozen=True)
class Break:
    """The first broken link: which kind, at which position, about which event."""

    kind: str
    seq: int
    event_id: int | None
    detail: str


@dataclass
class Outcome:
    """A chain's verification: its head, how much was checked, and the first break if any."""

    sealed: int = 0
    head: str = GENESIS
    last_event_id: int | None = None
    pending: int = 0  # events above the head, not sealed yet (normal: the sealer lags)
    checkpoints: int = 0
    broken: Break | None = None
    links: dict[int, str] = field(default_factory=dict)  # seq -> link, for the asked positions


def verify(
    events: Iterable[Mapping[str, Any]],
    seals: Iterable[Seal],
    checkpoints: Iterable[Checkpoint] = (),
) -> Outcome:
    """Walk one chain: `events` (every event of the tenant pair, by id) against `seals` (by seq).

    Stops at the first break. An event below the sealed head without a seal is *inserted*
    (written later with a lower id, or smuggled in); a seal whose event is gone is *missing*;
    a canonical form that hashes differently from the seal's is an *edited* event; a seal
    whose event hash agrees but whose link does not is an *edited seal*. Each checkpoint's
    head must equal the recomputed link at its length.
    """
    wanted = list(checkpoints)
    wanted_seqs = {checkpoint.chain_length for checkpoint in wanted}
    outcome = Outcome()
    stream: Iterator[Mapping[str, Any]] = iter(events)
    pending: Mapping[str, Any] | None = next(stream, None)
    previous, expected, last_id = GENESIS, 1, 0
    for seal in seals:
        if seal.seq != expected:
            kind = SEAL_MISSING if seal.seq > expected else SEAL_OUT_OF_ORDER
            outcome.broken = Break(
                kind, expected, seal.event_id, f"expected link {expected}, found {seal.seq}"
            )
            return outcome
        if seal.event_id <= last_id:
            outcome.broken = Break(
                SEAL_OUT_OF_ORDER, seal.seq, seal.event_id, f"event {seal.event_id} after event {last_id}"
            )
            return outcome
        if pending is not None and pending["id"] < seal.event_id:
            outcome.broken = Break(
                EVENT_INSERTED, seal.seq, pending["id"], f"event {pending['id']} is below the sealed head"
            )
            return outcome
        if pending is None or pending["id"] != seal.event_id:
            outcome.broken = Break(EVENT_MISSING, seal.seq, seal.event_id, "the sealed event is gone")
            return outcome
        body = canonical(pending)
        if event_hash(body) != seal.event_hash:
            outcome.broken = Break(
                EVENT_EDITED, seal.seq, seal.event_id, "the event differs from what was sealed"
            )
            return outcome
        current = link(previous, body)
        if current != seal.link_hash:
            outcome.broken = Break(SEAL_EDITED, seal.seq, seal.event_id, "the stored link hash was altered")
            return outcome
        if seal.seq in wanted_seqs:
            outcome.links[seal.seq] = current
        previous, expected, last_id = current, expected + 1, seal.event_id
        outcome.sealed, outcome.head, outcome.last_event_id = seal.seq, current, seal.event_id
        pending = next(stream, None)
    while pending is not None:
        outcome.pending += 1
        pending = next(stream, None)
    outcome.links[0] = GENESIS
    for checkpoint in wanted:
        outcome.checkpoints += 1
        if checkpoint.chain_length > outcome.sealed:
            outcome.broken = Break(
                SEAL_MISSING,
                outcome.sealed + 1,
                checkpoint.last_event_id,
                f"digest {checkpoint.label} covers {checkpoint.chain_length} links, {outcome.sealed} remain",
            )
            return outcome
        if outcome.links.get(checkpoint.chain_length) != checkpoint.head_hash:
            outcome.broken = Break(
                DIGEST_MISMATCH,
                checkpoint.chain_length,
                checkpoint.last_event_id,
                f"digest {checkpoint.label} does not match the recomputed head",
            )
            return outcome
    return outcome
