"""Routing's configuration, cached in the process across assignment passes.

One pass runs after every new chat; re-reading the queues, their planned shares, the required
skills, the agents' skills, certifications and capacity overrides for each one was about 30 % of
a pass, for tables that change a few times a day. So they are kept here between passes, labelled
with the stamp of `RoutingConfigVersion`, which every write of those tables changes in its own
transaction (the signals of `connect`, and `bump()` beside each `update()`/`bulk_*` of them).

A pass reads the stamp first (one indexed read), then the configuration: a cache labelled with an
older stamp may hold newer rows, which is harmless (the next pass reloads). The stamp is random,
not a counter: a bump that rolls back is never reused by a later one, so a cache read inside a
rolled-back transaction cannot pass for the committed state. A cache older than
`KEFU_ROUTING_CONFIG_MAX_AGE_S` is dropped whatever the stamp (raw SQL by an operator).

Rows are read lazily, as passes meet queues, skills and agents, and kept until the stamp changes.
Certification validity is still judged per pass against its `now` (rows are cached, not verdicts).
docs/routing.md, "The configuration cache".
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from kefu.core.compiled import CompiledRead
from kefu.routing.models import (
    AgentCapacity,
    AgentSkill,
    Certification,
    Queue,
    QueueProvider,
    QueueSkill,
    RoutingConfigVersion,
)

CONFIG_MODELS = (Queue, QueueProvider, QueueSkill, AgentSkill, Certification, AgentCapacity)
STAMP_ID = 1  # the one row
_clock = time.monotonic  # a cache's age (tests move it)
# (provider, client, valid from, valid until, revoked at) of one certification
CertRow = tuple[int, int, datetime, datetime | None, datetime | None]
UserCertRow = tuple[int, int, int, datetime, datetime | None, datetime | None]  # the user first


# --- the version ----------------------------------------------------------------------------------
def bump() -> None:
    """The cached configuration changed: call inside the transaction that changes it (model saves
    and deletes do it through signals; `QuerySet.update`, `bulk_create`, `bulk_update` and raw SQL
    of the `CONFIG_MODELS` must call it themselves)."""
    stamp = secrets.randbits(62) + 1
    if not RoutingConfigVersion.objects.filter(pk=STAMP_ID).update(stamp=stamp):
        RoutingConfigVersion.objects.update_or_create(pk=STAMP_ID, defaults={"stamp": stamp})


_STAMP = CompiledRead(lambda: RoutingConfigVersion.objects.filter(pk=STAMP_ID).values_list("stamp"))


def stamp() -> int:
    """The current stamp (0 before any write); read at the start of every routing pass, its SQL
    built once (`core.compiled`)."""
    rows = _STAMP.rows()
    return rows[0][0] if rows else 0


def _on_write(sender: type, **kwargs: Any) -> None:
    bump()


def connect() -> None:
    """Every save and delete of the cached models bumps the stamp (the routing app's `ready`)."""
    for model in CONFIG_MODELS:
        post_save.connect(_on_write, sender=model, dispatch_uid=f"routing.config.save.{model.__name__}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"routing.config.delete.{model.__name__}")


# --- the cache ------------------------------------------------------------------------------------
class RoutingConfigCache:
    """The configuration rows passes have needed since `stamp`; shared by the process's threads
    (a lock around each read: rows are filled before anyone sees them)."""

    def __init__(self, stamp: int) -> None:
        self.stamp = stamp
        self.born = _clock()
        self._lock = threading.Lock()
        self._queues: dict[tuple[int, str], Queue | None] = {}
        self._every_queue_read = False
        self._shares: dict[int, dict[int, int]] = {}
        self._required: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._required_read: set[int] = set()
        self._held: dict[tuple[int, int], int] = {}
        self._held_read: set[int] = set()
        self._certified: dict[int, list[CertRow]] = {}
        self._capacity: dict[int, list[tuple[int, str, int]]] = {}

    def routable_queue_keys(self) -> set[tuple[int, str]]:
        """(client id, queue name) of every active queue."""
        with self._lock:
            if not self._every_queue_read:
                for queue in Queue.all_tenants.filter(active=True):
                    self._queues[queue.client_id, queue.name] = queue
                self._every_queue_read = True
            return {key for key, queue in self._queues.items() if queue is not None}

    def queues(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Queue]:
        with self._lock:
            missing = keys - set(self._queues)
            if missing and self._every_queue_read:  # not among the active queues: not routed
                self._queues.update(dict.fromkeys(missing))
            elif missing:
                rows = Queue.all_tenants.filter(
                    active=True, client_id__in={k[0] for k in missing}, name__in={k[1] for k in missing}
                )
                found = {(q.client_id, q.name): q for q in rows}
                for key in missing:
                    self._queues[key] = found.get(key)
            return {k: q for k in keys if (q := self._queues[k]) is not None}

    def shares(self, queues: Sequence[Queue]) -> dict[int, dict[int, int]]:
        """Per queue, the planned share of each provider above 0 %."""
        with self._lock:
            missing = [q for q in queues if q.pk not in self._shares]
            if missing:
                found: dict[int, dict[int, int]] = defaultdict(dict)
                for queue_id, provider_id, share in QueueProvider.all_tenants.filter(
                    queue__in=missing, share_percent__gt=0
                ).values_list("queue_id", "provider_id", "share_percent"):
                    found[queue_id][provider_id] = share
                for q in missing:
                    self._shares[q.pk] = found.get(q.pk, {})
            return {q.pk: dict(self._shares[q.pk]) for q in queues if self._shares[q.pk]}

    def required(self, queues: Sequence[Queue]) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """(queue, provider) -> [(skill, least proficiency)] of these queues."""
        with self._lock:
            missing = [q for q in queues if q.pk not in self._required_read]
            if missing:
                for row in QueueSkill.all_tenants.filter(queue__in=missing).values_list(
                    "queue_id", "provider_id", "skill_id", "min_proficiency"
                ):
                    self._required.setdefault((row[0], row[1]), []).append((row[2], row[3]))
                self._required_read.update(q.pk for q in missing)
            ids = {q.pk for q in queues}
            return {k: list(v) for k, v in self._required.items() if k[0] in ids}

    def held(self, skill_ids: set[int]) -> dict[tuple[int, int], int]:
        """(user, skill) -> proficiency of everyone holding one of these skills."""
        with self._lock:
            unread = skill_ids - self._held_read
            if unread:
                rows = AgentSkill.all_tenants.filter(skill_id__in=sorted(unread))
                for user, skill, level in rows.values_list("user_id", "skill_id", "proficiency"):
                    self._held[user, skill] = level
                self._held_read |= unread
            return {k: v for k, v in self._held.items() if k[1] in skill_ids}

    def certifications(self, users: Iterable[int]) -> list[UserCertRow]:
        """(user, provider, client, valid from, valid until, revoked at) of these agents."""
        users = list(users)
        with self._lock:
            missing = [u for u in users if u not in self._certified]
            if missing:
                found: dict[int, list[CertRow]] = defaultdict(list)
                rows = Certification.all_tenants.filter(user_id__any=missing).values_list(
                    "user_id", "provider_id", "client_id", "valid_from", "valid_until", "revoked_at"
                )
                for user, provider, client, start, until, revoked in rows:
                    found[user].append((provider, client, start, until, revoked))
                for u in missing:
                    self._certified[u] = found.get(u, [])
            return [(u, *row) for u in users for row in self._certified[u]]

    def capacity(self, users: Iterable[int]) -> list[tuple[int, int, str, int]]:
        """(user, provider, channel, limit) of these agents' own capacity overrides."""
        users = list(users)
        with self._lock:
            missing = [u for u in users if u not in self._capacity]
            if missing:
                found: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
                rows = AgentCapacity.all_tenants.filter(user_id__any=missing).values_list(
                    "user_id", "provider_id", "channel", "max_concurrent"
                )
                for user, provider, channel, n in rows:
                    found[user].append((provider, channel, n))
                for u in missing:
                    self._capacity[u] = found.get(u, [])
            return [(u, *row) for u in users for row in self._capacity[u]]


_current: RoutingConfigCache | None = None
_swap = threading.Lock()


def current() -> RoutingConfigCache:
    """The cache for a pass starting now: the process's if its stamp is the database's and it is
    younger than `KEFU_ROUTING_CONFIG_MAX_AGE_S`, else a new empty one (which becomes the
    process's). Reads the stamp: one query."""
    global _current
    found = stamp()  # before any configuration row (module docstring)
    max_age = settings.KEFU_ROUTING_CONFIG_MAX_AGE_S
    with _swap:
        cache = _current
        if cache is None or cache.stamp != found or _clock() - cache.born >= max_age:
            cache = _current = RoutingConfigCache(found)
        return cache


def clear() -> None:
    """Forget the process's cache (tests: a rolled-back test restores the stamp)."""
    global _current
    with _swap:
        _current = None
