"""Customers' messages arriving through the API, written by group commit.

A marketplace connector or chat gateway posts one message per request, many at once.
Writing each in its own transaction spent most of the time on per-row ORM work and commits.
Here concurrent requests of one server process wait on an `asyncio` future while the
messages that arrived meanwhile are written together: one transaction, one lock query,
one INSERT for the messages and one for their events. Each request still gets its own
answer only after the commit, with its own error when its message was refused, so the
API contract (201 with the stored message, or a 4xx) is exactly `services.message_post`'s.

The rules are `message_post`'s for inbound messages (validation, redaction, `seq` under the
conversation's row lock, retry dedup by `external_id`, reopening, events, live updates);
the shared parts are the same functions. If the batch fails in the database (a deadlock
with another process, say), every message is posted again on its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import ContactEvent, EventType
from kefu.core import clock, pgasync, realtime
from kefu.core.errors import Conflict, KefuError, NotFound
from kefu.core.scope import Scope
from kefu.desk import selectors, services
from kefu.desk.models import Conversation, Delivery, Direction, Message, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.redaction import redact

log = logging.getLogger(__name__)

MAX_BATCH = 200


@dataclass(frozen=True)
class Inbound:
    """One customer message as a connector posted it."""

    scope: Scope
    conversation_id: int
    body: str
    external_id: str = ""
    channel_data: dict[str, Any] = field(default_factory=dict)


def inbound_post_many(items: list[Inbound]) -> list[Message | KefuError]:
    """Post the messages in one transaction; the answer for each is its message or its error."""
    try:
        with transaction.atomic():
            return _post_all(items)
    except DatabaseError:
        log.warning("group commit of %d messages failed; posting them one by one", len(items), exc_info=True)
        return [_post_one(item) for item in items]


def _post_one(item: Inbound) -> Message | KefuError:
    try:
        return services.message_post(
            item.scope,
            conversation_id=item.conversation_id,
            body=item.body,
            direction=Direction.IN,
            external_id=item.external_id,
            channel_data=item.channel_data,
        )
    except KefuError as error:
        return error


def _checked(item: Inbound) -> KefuError | None:
    try:
        item.scope.require(DeskPerm.HANDLE)
        services.message_body_check(item.body)
        services._text(item.external_id, "external_id", 200)
        services.channel_data_check(item.channel_data)
    except KefuError as error:
        return error
    return None


def _post_all(items: list[Inbound]) -> list[Message | KefuError]:
    results: list[Message | KefuError | None] = [_checked(item) for item in items]
    by_scope: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if results[index] is None:
            by_scope[id(item.scope)].append(index)
    conversations: dict[int, Conversation] = {}
    stored: dict[tuple[int, str], Message] = {}
    for indexes in by_scope.values():
        scope = items[indexes[0]].scope
        wanted = {items[i].conversation_id for i in indexes} - set(conversations)
        found = selectors.conversations_for_update(scope, conversation_ids=wanted)
        conversations.update(found)
        stored.update(
            selectors.messages_by_external_id(
                scope,
                conversation_ids=set(found),
                external_ids={items[i].external_id.strip() for i in indexes if items[i].external_id.strip()},
            )
        )
    plan = _plan(items, results, conversations, stored)
    if plan.messages:
        Message.objects.bulk_create(plan.messages)
        events.emit_many(plan.events)
        _conversations_save(list(plan.changed.values()))
        for conversation in plan.changed.values():  # one hint per conversation: pages fetch what is new
            services._publish(conversation, "message.created", seq=conversation.last_message_seq)
    return plan.answers()


@dataclass
class _Plan:
    """What a batch writes: new messages (seq assigned), their events, the conversations
    changed, and each item's answer (its message, a retry's stored message, or its error)."""

    results: list[Message | KefuError | None]
    messages: list[Message] = field(default_factory=list)
    events: list[events.EventRow] = field(default_factory=list)
    changed: dict[int, Conversation] = field(default_factory=dict)

    def answers(self) -> list[Message | KefuError]:
        answered = [result for result in self.results if result is not None]
        assert len(answered) == len(self.results)  # every item was answered, in order
        return answered


def _plan(
    items: list[Inbound],
    results: list[Message | KefuError | None],
    conversations: dict[int, Conversation],
    stored: dict[tuple[int, str], Message],
) -> _Plan:
    """`message_post`'s rules for each item still unanswered, applied in memory.

    `conversations` are the rows locked for this batch (possibly more than one scope sees:
    each item's scope is checked here, as `Scope.sees`); `stored` the messages already
    stored under the items' external ids. Both are updated as the batch assigns sequence
    numbers, so a retry inside the batch gets the message it repeats.
    """
    plan = _Plan(results)
    now = clock.now()
    policy = services._redaction_policy(None)
    for i, item in enumerate(items):
        if results[i] is not None:
            continue
        conversation = conversations.get(item.conversation_id)
        if conversation is None or not item.scope.sees(conversation.provider_id, conversation.client_id):
            results[i] = NotFound()
            continue
        external_id = item.external_id.strip()
        if external_id and (conversation.pk, external_id) in stored:
            results[i] = stored[(conversation.pk, external_id)]  # a retry, possibly in this batch
            continue
        if conversation.status == Status.CLOSED:
            results[i] = Conflict(_("This conversation is closed; start a new one."))
            continue
        redacted = redact(item.body, policy)
        conversation.last_message_seq += 1
        message = Message(
            provider_id=conversation.provider_id,
            client_id=conversation.client_id,
            conversation=conversation,
            seq=conversation.last_message_seq,
            direction=Direction.IN,
            body=redacted.text,
            redactions=sorted({str(f.rule) for f in redacted.findings}),
            channel_data=item.channel_data or {},
            external_id=external_id,
            delivery=Delivery.RECEIVED,
            created_at=now,
        )
        plan.messages.append(message)
        results[i] = message
        if external_id:
            stored[(conversation.pk, external_id)] = message
        plan.events.append((item.scope, EventType.MESSAGE_IN, conversation, now, {"seq": message.seq}))
        transition = services.customer_wrote_transition(conversation)
        if transition is not None:
            kind, to = transition
            data = {"from": conversation.status, "by": "customer", "to": to}
            plan.events.append((item.scope, kind, conversation, now, data))
            conversation.status, conversation.resolved_at = to, None
        conversation.updated_at = now
        plan.changed[conversation.pk] = conversation
    return plan


def _conversations_save(conversations: list[Conversation]) -> None:
    """One parametrised UPDATE per conversation, sent together (psycopg pipelines `executemany`).

    `bulk_update` builds a CASE expression per field and row; on a busy ingest that ORM work
    cost more than the database did. The rows are the ones locked above, in this transaction.
    """
    meta = Conversation._meta
    columns = [meta.get_field(name).column for name in _CHANGED_FIELDS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table), ", ".join(f"{quote(c)} = %s" for c in columns), quote(meta.pk.column)
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (c.last_message_seq, c.status, adapt(c.resolved_at), adapt(c.updated_at), c.pk)
                for c in conversations
            ],
        )


_CHANGED_FIELDS = ("last_message_seq", "status", "resolved_at", "updated_at")


# --- the batch on the event loop (PostgreSQL) --------------------------------------------------
class EventLoopWriter:
    """Writes batches from the server's event loop over its own async connections.

    The whole batch is two round trips of one pipeline and one implicit transaction: the row
    locks with the retry check; then the INSERTs and UPDATEs in one statement, and the Sync that
    commits (see `_write_pipelined`). The process's one thread
    serves HTTP while a batch waits on the database: with a writer thread, the two threads
    took the GIL from each other after every round trip and ingest was bound by that, not
    by the CPU or the database. A batch the database refuses (a deadlock with another
    process, say) is posted again message by message on the writer thread.
    """

    def __init__(self) -> None:
        self._idle: list[psycopg.AsyncConnection[Any]] = []

    async def write(self, items: list[Inbound]) -> list[Message | KefuError]:
        connection = (
            self._idle.pop() if self._idle else await pgasync.connect(prepare=settings.KEFU_DB_PREPARE)
        )
        try:
            results, committed = await _write_pipelined(connection, items)
        except psycopg.Error:
            log.warning(
                "group commit of %d messages failed; posting them one by one", len(items), exc_info=True
            )
            await _rolled_back(connection)
            if not connection.closed:
                self._idle.append(connection)
            post_each = sync_to_async(_post_each_on_writer_thread, thread_sensitive=False, executor=_writer)
            return await post_each(items)
        except BaseException:
            await connection.close()
            raise
        self._idle.append(connection)
        if events.wanted(committed):  # sinks may query: on the writer thread, not awaited
            delivery = asyncio.get_running_loop().run_in_executor(
                _writer, _deliver_on_writer_thread, committed
            )
            delivery.add_done_callback(_log_failure)
        return results

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()


# What the batch reads of a locked conversation: all `_plan`, the events and the live
# updates use (the rest stays deferred and must not be touched on this path).
_CONVERSATION_FIELDS = (
    "provider", "client", "channel", "queue", "tier", "status", "resolved_at", "last_message_seq",
    "updated_at",
)  # fmt: skip


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
    conversations = pgasync.JsonRows.for_update(Conversation, _CHANGED_FIELDS)
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


async def _write_pipelined(
    connection: psycopg.AsyncConnection[Any], items: list[Inbound]
) -> tuple[list[Message | KefuError], list[ContactEvent]]:
    results: list[Message | KefuError | None] = [_checked(item) for item in items]
    unanswered = [item for item, result in zip(items, results, strict=True) if result is None]
    if not unanswered:
        return _Plan(results).answers(), []
    wanted = sorted({item.conversation_id for item in unanswered})
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
                *selectors.conversations_for_update_query(
                    statements.conversations.columns, wanted, external_ids
                )
            )
        ).fetchall()
        conversations = {c.pk: c for c in statements.conversations.instances(row[:-1] for row in locked)}
        stored: dict[tuple[int, str], Message] = {}
        retried_ids = [message_id for row in locked for message_id in row[-1]]
        if retried_ids:  # a connector's retry: answered with the message stored before
            retried = await connection.execute(
                *selectors.messages_by_id_query(statements.messages.columns, retried_ids)
            )
            stored = {
                (m.conversation_id, m.external_id): m
                for m in statements.messages.instances(await retried.fetchall())
            }
        plan = _plan(items, results, conversations, stored)
        new_events = events.unsaved_many(plan.events)
        if plan.messages:
            written = await connection.execute(
                statements.write,
                (
                    statements.new_messages.dumps(plan.messages, adding=True),
                    statements.new_events.dumps(new_events, adding=True),
                    statements.changed.dumps(plan.changed.values()),
                ),
            )
    if written is None:
        return plan.answers(), []
    message_ids, event_ids = await written.fetchone() or (None, None)
    pgasync.inserted(plan.messages, message_ids or [])
    pgasync.inserted(new_events, event_ids or [])
    hints = []
    for conversation in plan.changed.values():  # one hint per conversation: pages fetch what is new
        hints += services.conversation_hints(
            conversation, "message.created", seq=conversation.last_message_seq
        )
    realtime.publish_many(hints)
    return plan.answers(), new_events


async def _rolled_back(connection: psycopg.AsyncConnection[Any]) -> None:
    """Leave the connection outside any transaction, or closed when it cannot be."""
    try:
        await connection.execute("ROLLBACK")
    except psycopg.Error:
        await connection.close()


def _post_each_on_writer_thread(items: list[Inbound]) -> list[Message | KefuError]:
    _tidy_writer_connection()
    return [_post_one(item) for item in items]


def _deliver_on_writer_thread(committed: list[ContactEvent]) -> None:
    _tidy_writer_connection()
    events.deliver(committed)


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("handing ingested events to the sinks failed", exc_info=future.exception())


# --- group commit ------------------------------------------------------------------------------
class GroupCommitter:
    """Collects the inbound posts of one event loop and writes them together.

    A post starts a batch at once when a writer is free; posts arriving while the writers
    are busy queue up and form the next batch. So an idle server adds no delay, and a busy
    one writes in batches about as large as the number of requests waiting. Batches
    touching the same conversations queue on their row locks, taken in id order.
    """

    def __init__(
        self,
        writers: int,
        write: Callable[[list[Inbound]], Awaitable[list[Message | KefuError]]],
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._close = close
        self._pending: list[tuple[Inbound, asyncio.Future[Message | KefuError]]] = []
        self._writers = writers
        self._write_batch = write
        self._busy = 0
        self._scheduled = False

    async def submit(self, item: Inbound) -> Message:
        future: asyncio.Future[Message | KefuError] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if not self._scheduled:  # after the requests already in reach the queue too
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start_batches)
        result = await future
        if isinstance(result, KefuError):
            raise result
        return result

    async def close(self) -> None:
        if self._close is not None:
            await self._close()

    def _start_batches(self) -> None:
        self._scheduled = False
        while self._pending and self._busy < self._writers:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._busy += 1
            task = asyncio.get_running_loop().create_task(self._write(batch))
            _flushes.add(task)
            task.add_done_callback(_flushes.discard)

    async def _write(self, batch: list[tuple[Inbound, asyncio.Future[Message | KefuError]]]) -> None:
        try:
            try:
                results = await self._write_batch([item for item, _future in batch])
            except Exception as error:  # the database is down: every waiting request hears it
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(error)
                return
            for (_item, future), result in zip(batch, results, strict=True):
                if not future.done():  # a client that hung up is not waited for
                    future.set_result(result)
        finally:
            self._busy -= 1
            self._start_batches()


def _tidy_writer_connection() -> None:
    """The writer thread keeps its connection between batches (a checkout per batch cost two
    pool round trips); one that failed and is no longer usable is replaced."""
    if connection.connection is not None and connection.errors_occurred and not connection.is_usable():
        connection.close()
    connection.errors_occurred = False


def _write_on_writer_thread(items: list[Inbound]) -> list[Message | KefuError]:
    _tidy_writer_connection()
    return inbound_post_many(items)


# Sync work of the batches (all of it on SQLite; the fallbacks and the sinks on PostgreSQL) runs
# on one thread of its own: Django gives each request its own thread for sync work, and a batch
# spans many requests, so it belongs to none of them (and must not hold a connection that one
# request's end would leave checked out).
_writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-ingest")
# Batches in flight per server process: on PostgreSQL one is built while another waits on the
# database (each has its own connection); SQLite has one writer at a time anyway.
EVENT_LOOP_WRITERS = 2


_flushes: set[asyncio.Task[None]] = set()
_committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter] = (
    weakref.WeakKeyDictionary()
)


def _committer_for(loop: asyncio.AbstractEventLoop) -> GroupCommitter:
    committer = _committers.get(loop)
    if committer is None:
        if pgasync.available():
            writer = EventLoopWriter()
            committer = GroupCommitter(EVENT_LOOP_WRITERS, writer.write, writer.close)
        else:
            committer = GroupCommitter(
                1, sync_to_async(_write_on_writer_thread, thread_sensitive=False, executor=_writer)
            )
        _committers[loop] = committer
    return committer


async def close_connections() -> None:
    """Close the database connections of this event loop's batch writer (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    committer = _committers.pop(loop, None)
    if committer is not None:
        await committer.close()
    await loop.run_in_executor(_writer, _close_writer_connection)


def _close_writer_connection() -> None:
    connection.close()  # the writer thread's own (the name resolves on that thread)


async def inbound_post(item: Inbound) -> Message:
    """Post one customer message, group-committed with the others arriving now.

    Only on the server's own event loop: anywhere else (sync code calling the view through
    `async_to_sync`, as the test client and the browser's middleware stack do) the loop
    lives for one request, so the message is written at once on the caller's thread.
    """
    loop = asyncio.get_running_loop()
    if loop is not realtime.server_loop():
        result = await sync_to_async(inbound_post_many)([item])
        if isinstance(result[0], KefuError):
            raise result[0]
        return result[0]
    return await _committer_for(loop).submit(item)
