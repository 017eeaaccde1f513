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
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock, realtime
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
    except KefuError as error:
        return error
    return None


def _post_all(items: list[Inbound]) -> list[Message | KefuError]:
    results: list[Message | KefuError | None] = [_checked(item) for item in items]
    by_scope: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if results[index] is None:
            by_scope[id(item.scope)].append(index)

    now = clock.now()
    new_messages: list[Message] = []
    event_rows: list[tuple[Scope | None, EventType | str, Any, Any, dict[str, Any]]] = []
    changed: dict[int, Conversation] = {}
    for indexes in by_scope.values():
        scope = items[indexes[0]].scope
        wanted = {items[i].conversation_id for i in indexes}
        conversations = selectors.conversations_for_update(scope, conversation_ids=wanted)
        stored = selectors.messages_by_external_id(
            scope,
            conversation_ids=set(conversations),
            external_ids={items[i].external_id.strip() for i in indexes if items[i].external_id.strip()},
        )
        policy = services._redaction_policy(None)
        for i in indexes:
            item = items[i]
            conversation = conversations.get(item.conversation_id)
            if conversation is None:
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
            new_messages.append(message)
            results[i] = message
            if external_id:
                stored[(conversation.pk, external_id)] = message
            event_rows.append((scope, EventType.MESSAGE_IN, conversation, now, {"seq": message.seq}))
            transition = services.customer_wrote_transition(conversation)
            if transition is not None:
                kind, to = transition
                data = {"from": conversation.status, "by": "customer", "to": to}
                event_rows.append((scope, kind, conversation, now, data))
                conversation.status, conversation.resolved_at = to, None
            conversation.updated_at = now
            changed[conversation.pk] = conversation

    if new_messages:
        Message.objects.bulk_create(new_messages)
        events.emit_many(event_rows)
        _conversations_save(list(changed.values()))
        for conversation in changed.values():  # one hint per conversation: pages fetch what is new
            services._publish(conversation, "message.created", seq=conversation.last_message_seq)
    answered = [result for result in results if result is not None]
    assert len(answered) == len(items)  # every item was answered, in order
    return answered


def _conversations_save(conversations: list[Conversation]) -> None:
    """One parametrised UPDATE per conversation, sent together (psycopg pipelines `executemany`).

    `bulk_update` builds a CASE expression per field and row; on a busy ingest that ORM work
    cost more than the database did. The rows are the ones locked above, in this transaction.
    """
    meta = Conversation._meta
    columns = [
        meta.get_field(name).column for name in ("last_message_seq", "status", "resolved_at", "updated_at")
    ]
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


# --- group commit ------------------------------------------------------------------------------
class GroupCommitter:
    """Collects the inbound posts of one event loop and writes them together.

    A post starts a batch at once when a writer is free; posts arriving while the writers
    are busy queue up and form the next batch. So an idle server adds no delay, and a busy
    one writes in batches about as large as the number of requests waiting. With two
    writers (PostgreSQL) one batch is built while the other waits on the database; batches
    touching the same conversations queue on their row locks, taken in id order.
    """

    def __init__(self, writers: int) -> None:
        self._pending: list[tuple[Inbound, asyncio.Future[Message | KefuError]]] = []
        self._writers = writers
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
            write = sync_to_async(_write_on_writer_thread, thread_sensitive=False, executor=_writer)
            try:
                results = await write([item for item, _future in batch])
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


def _write_on_writer_thread(items: list[Inbound]) -> list[Message | KefuError]:
    """The writer thread keeps its connection between batches (a checkout per batch cost two
    pool round trips); one that failed and is no longer usable is replaced."""
    if connection.connection is not None and connection.errors_occurred and not connection.is_usable():
        connection.close()
    connection.errors_occurred = False
    return inbound_post_many(items)


# Under the ASGI server, batches are written by one thread of their own: Django gives each
# request its own thread for sync work, and a batch spans many requests, so it belongs to
# none of them (and must not hold a connection that one request's end would leave checked out).
# One writer: a second (tried on PostgreSQL) made smaller batches and cost more per message.
WRITERS = 1
_writer = concurrent.futures.ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="kefu-ingest")


_flushes: set[asyncio.Task[None]] = set()
_committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter] = (
    weakref.WeakKeyDictionary()
)


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
    committer = _committers.get(loop)
    if committer is None:
        committer = _committers[loop] = GroupCommitter(WRITERS)
    return await committer.submit(item)
