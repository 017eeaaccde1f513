"""PostgreSQL: a batch of customers' messages written from the server's event loop.

The rules are `ingest.rules`; this module differs from `ingest.orm` only in how it reads
the locked rows and writes the planned ones. The whole batch is two round trips of one
pipeline and one implicit transaction: the row locks (only of conversations the items'
scopes see) with the retry check; then the INSERTs and UPDATEs in one statement, and the
Sync that commits. The process's one thread serves HTTP while a batch waits on the
database: with a writer thread, the two threads took the GIL from each other after every
round trip and ingest was bound by that, not by the CPU or the database.

What this writer does not do itself goes to the ORM writer on the writer thread: messages
whose events an outbox sink wants (a webhook endpoint listens: its deliveries must be
written in the same transaction, which the sinks do through the ORM), and a batch the
database refused (a deadlock with another process, or a racing retry that the unique
constraint on (conversation, external id) stopped: posted one by one, the retry then finds
the stored message).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings

from kefu.analytics import events
from kefu.analytics.events import ContactEvent
from kefu.core import clock, pgasync, realtime
from kefu.desk.ingest import queries, rules
from kefu.desk.ingest.rules import Answer, Inbound
from kefu.desk.models import Conversation, Message

log = logging.getLogger(__name__)

# What the batch reads of a locked conversation: all `rules.plan`, the events and the live
# updates use (the rest stays deferred and must not be touched on this path).
_CONVERSATION_FIELDS = (
    "provider", "client", "channel", "queue", "tier", "status", "resolved_at", "last_message_seq",
    "updated_at",
)  # fmt: skip

OrmWriter = Callable[[list[Inbound]], Awaitable[list[Answer]]]


class EventLoopWriter:
    """Writes batches from the server's event loop over its own async connections.

    `orm` posts items on the writer thread through `ingest.orm` (what this writer leaves).
    """

    def __init__(self, orm: OrmWriter) -> None:
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._orm = orm

    async def write(self, items: list[Inbound]) -> list[Answer]:
        connection = (
            self._idle.pop() if self._idle else await pgasync.connect(prepare=settings.KEFU_DB_PREPARE)
        )
        try:
            results, deferred = await _write_pipelined(connection, items)
        except psycopg.Error:
            log.warning(
                "group commit of %d messages failed; posting them one by one", len(items), exc_info=True
            )
            await _rolled_back(connection)
            if not connection.closed:
                self._idle.append(connection)
            return await self._orm(items)
        except BaseException:
            await connection.close()
            raise
        self._idle.append(connection)
        if deferred:
            for index, answer in zip(deferred, await self._orm([items[i] for i in deferred]), strict=True):
                results[index] = answer
        return [answer for answer in results if answer is not None]

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()


@dataclass(frozen=True)
class _Statements:
    conversations: pgasync.RowReader
    messages: pgasync.RowReader
    new_messages: pgasync.JsonRows
    new_events: pgasync.JsonRows
    changed: pgasync.JsonRows
    write: str


@functools.cache
def _statements() -> _Statements:
    """The batch's SQL, built once from the models: the reads, and one statement for all of
    its writes (messages, events, conversations), each from one JSON parameter."""
    messages = pgasync.JsonRows.for_insert(Message)
    contact_events = pgasync.JsonRows.for_insert(ContactEvent)
    conversations = pgasync.JsonRows.for_update(Conversation, rules.CONVERSATION_CHANGED_FIELDS)
    write = (
        f"WITH new_messages AS ({messages.insert_sql()}), new_events AS ({contact_events.insert_sql()}), "
        f"changed AS ({conversations.update_sql()}) "
        "SELECT (SELECT array_agg(id ORDER BY id) FROM new_messages), "
        "(SELECT array_agg(id ORDER BY id) FROM new_events)"
    )
    return _Statements(
        conversations=pgasync.RowReader(Conversation, _CONVERSATION_FIELDS),
        messages=pgasync.RowReader(Message),
        new_messages=messages,
        new_events=contact_events,
        changed=conversations,
        write=write,
    )


def _wanted(items: list[Inbound]) -> str:
    """The conversations to lock, each with the scope asking for it, as the lock query's JSON."""
    seen: set[tuple[int, int]] = set()
    rows = []
    for item in items:
        key = (item.conversation_id, id(item.scope))
        if key not in seen:
            seen.add(key)
            rows.append({"id": item.conversation_id, **queries.scope_rule(item.scope)})
    return json.dumps(rows)


async def _write_pipelined(
    connection: psycopg.AsyncConnection[Any], items: list[Inbound]
) -> tuple[list[Answer | None], list[int]]:
    """Write what it can; the answers (None for the deferred items) and the deferred indexes."""
    results = rules.checked(items)
    unanswered = [item for item, result in zip(items, results, strict=True) if result is None]
    if not unanswered:
        return results, []
    external_ids = sorted({item.external_id.strip() for item in unanswered} - {""})
    statements = _statements()
    # One transaction over two round trips, without BEGIN or COMMIT: in a pipeline, PostgreSQL
    # runs the statements up to the next Sync as one implicit transaction. Reading the locks'
    # results sends a Flush, which keeps it (and the locks) open; leaving the pipeline sends the
    # Sync that commits the writes, or rolls everything back if a statement failed.
    written = None
    async with connection.pipeline():
        locked = await (
            await connection.execute(
                *queries.conversations_for_update(
                    statements.conversations.columns, _wanted(unanswered), external_ids
                )
            )
        ).fetchall()
        conversations = {c.pk: c for c in statements.conversations.instances(row[:-1] for row in locked)}
        stored: dict[tuple[int, str], Message] = {}
        retried_ids = sorted({message_id for row in locked for message_id in row[-1]})
        if retried_ids:  # a connector's retry: answered with the message stored before
            retried = await connection.execute(
                *queries.messages_by_id(statements.messages.columns, retried_ids)
            )
            stored = {
                (m.conversation_id, m.external_id): m
                for m in statements.messages.instances(await retried.fetchall())
            }
        batch = rules.plan(items, results, conversations, stored, now=clock.now(), defer=rules.sinks_want)
        new_events = events.unsaved_many(batch.events)
        if batch.messages:
            written = await connection.execute(
                statements.write,
                (
                    statements.new_messages.dumps(batch.messages, adding=True),
                    statements.new_events.dumps(new_events, adding=True),
                    statements.changed.dumps(batch.changed.values()),
                ),
            )
    if written is not None:
        message_ids, event_ids = await written.fetchone() or (None, None)
        pgasync.inserted(batch.messages, message_ids or [])
        pgasync.inserted(new_events, event_ids or [])
        realtime.publish_many(rules.hints(batch))
    return batch.results, batch.deferred


async def _rolled_back(connection: psycopg.AsyncConnection[Any]) -> None:
    """Leave the connection outside any transaction, or closed when it cannot be."""
    try:
        await connection.execute("ROLLBACK")
    except psycopg.Error:
        await connection.close()
