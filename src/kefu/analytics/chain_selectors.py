"""Reads of the hash chain: the daily digests a client holds, a day's export, and verification.

Digests and exports are scoped like every table; verification is a system read over every
chain (the `kefu analytics verify` command), recomputing each link from the events themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.analytics import chain
from kefu.analytics.models import ContactEvent, DailyDigest, EventSeal
from kefu.analytics.permissions import EventLogPerm
from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import Scope

SYSTEM = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())
_CHUNK = 2000


def _client_in_scope(scope: Scope, client_id: int | None) -> int:
    """The client asked for, if the actor sees it (else 404); without one, the actor's only client."""
    scope.require(EventLogPerm.VIEW_DIGESTS)
    if client_id is None:
        if len(scope.client_ids) != 1:
            raise Invalid(_("Choose the client."), field="client")
        (client_id,) = scope.client_ids
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client")
    return client_id


def digest_list(
    scope: Scope, *, client_id: int | None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[DailyDigest]:
    """A client's daily digests (one per chain: per provider serving it, and its own), newest first."""
    client_id = _client_in_scope(scope, client_id)
    digests = DailyDigest.objects.for_scope(scope).filter(client_id=client_id)
    if date_from is not None:
        digests = digests.filter(date__gte=date_from)
    if date_to is not None:
        digests = digests.filter(date__lte=date_to)
    return digests.order_by("-date", "chain_key")


@dataclass(frozen=True)
class Segment:
    """One chain's links of one day: what the client recomputes from `previous_head`."""

    digest: DailyDigest
    previous_head: str
    lines: Iterator[dict[str, Any]]

    def header(self) -> dict[str, Any]:
        d = self.digest
        return {
            "chain": d.chain_key,
            "provider_id": d.provider_id,
            "client_id": d.client_id,
            "date": d.date.isoformat(),
            "tz": d.tz,
            "previous_head": self.previous_head,
            "head": d.head_hash,
            "event_count": d.event_count,
            "chain_length": d.chain_length,
        }


def export_segments(scope: Scope, *, client_id: int | None, day: date) -> list[Segment]:
    """The day's segment of each of the client's chains the actor sees (NotFound: no digest yet)."""
    digests = list(digest_list(scope, client_id=client_id, date_from=day, date_to=day).order_by("chain_key"))
    if not digests:
        raise NotFound(_("No digest of that day yet: a day is sealed once it is over."), field="date")
    segments = []
    for digest in digests:
        before = (
            DailyDigest.objects.for_scope(scope)
            .filter(chain_key=digest.chain_key, date__lt=day)
            .order_by("-date")
            .first()
        )
        start = before.chain_length if before is not None else 0
        previous = before.head_hash if before is not None else chain.GENESIS
        segments.append(Segment(digest, previous, _lines(scope, digest, start)))
    return segments


def _lines(scope: Scope, digest: DailyDigest, start: int) -> Iterator[dict[str, Any]]:
    seals = EventSeal.objects.for_scope(scope).filter(
        chain_key=digest.chain_key, seq__gt=start, seq__lte=digest.chain_length
    )
    batch: list[EventSeal] = []
    for seal in seals.order_by("seq").iterator(chunk_size=_CHUNK):
        batch.append(seal)
        if len(batch) == _CHUNK:
            yield from _with_events(scope, batch)
            batch = []
    yield from _with_events(scope, batch)


def _with_events(scope: Scope, seals: list[EventSeal]) -> Iterator[dict[str, Any]]:
    if not seals:
        return
    rows = (
        ContactEvent.objects.for_scope(scope).filter(id__in=[s.event_id for s in seals]).values(*chain.FIELDS)
    )
    events = {row["id"]: row for row in rows}
    for seal in seals:
        row = events.get(seal.event_id)
        yield {
            "seq": seal.seq,
            "event": chain.event_object(row) if row is not None else None,
            "canonical": chain.canonical(row).decode("ascii") if row is not None else None,
            "link": seal.link_hash,
        }


@dataclass(frozen=True)
class ChainCheck:
    chain_key: str
    provider_id: int | None
    client_id: int | None
    outcome: chain.Outcome


def chains_verify(*, client_id: int | None = None) -> list[ChainCheck]:
    """Recompute every chain (or one client's) from its events, seals and digests (a system read)."""
    events = ContactEvent.objects.for_scope(SYSTEM)
    seals = EventSeal.objects.for_scope(SYSTEM)
    digests = DailyDigest.objects.for_scope(SYSTEM)
    if client_id is not None:
        events, seals, digests = (
            events.filter(client_id=client_id),
            seals.filter(client_id=client_id),
            digests.filter(client_id=client_id),
        )
    pairs = set(events.values_list("provider_id", "client_id").order_by().distinct())
    pairs |= set(seals.values_list("provider_id", "client_id").order_by().distinct())
    pairs |= set(digests.values_list("provider_id", "client_id").order_by().distinct())
    checks = []
    for provider_id, owner_id in sorted(pairs, key=lambda p: (p[1] or 0, p[0] or 0)):
        key = chain.chain_key(provider_id, owner_id)
        chain_events = (
            events.filter(provider_id=provider_id, client_id=owner_id)
            .order_by("id")
            .values(*chain.FIELDS)
            .iterator(chunk_size=_CHUNK)
        )
        chain_seals = (
            chain.Seal(seq, event_id, event_hash, link_hash)
            for seq, event_id, event_hash, link_hash in seals.filter(chain_key=key)
            .order_by("seq")
            .values_list("seq", "event_id", "event_hash", "link_hash")
            .iterator(chunk_size=_CHUNK)
        )
        checkpoints = [
            chain.Checkpoint(d.date.isoformat(), d.chain_length, d.head_hash, d.last_event_id)
            for d in digests.filter(chain_key=key).order_by("date")
        ]
        outcome = chain.verify(chain_events, chain_seals, checkpoints)
        checks.append(ChainCheck(key, provider_id, owner_id, outcome))
    return checks


def digest_get(*, client_id: int, day: date) -> list[DailyDigest]:
    """A client's digests of one day, every chain (a system read, for the CLI)."""
    return list(
        DailyDigest.objects.for_scope(SYSTEM).filter(client_id=client_id, date=day).order_by("chain_key")
    )
