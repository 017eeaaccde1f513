"""Group commit: the customers' messages arriving at one server process at the same moment are
written together.

A marketplace connector or chat gateway posts one message per request, many at once.
Writing each in its own transaction spent most of the time on per-row ORM work and commits.
Here concurrent requests of one server process wait on an `asyncio` future while the
messages that arrived meanwhile are written together. Each request still gets its own
answer only after the commit, with its own error when its message was refused, so the API
contract (201 with the stored message, or a 4xx) is the same as for one message alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import weakref
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.db import connection

from kefu.core import pgasync, realtime
from kefu.core.errors import KefuError
from kefu.desk.ingest import orm
from kefu.desk.ingest.pipeline import EventLoopWriter
from kefu.desk.ingest.rules import Answer, Inbound
from kefu.desk.models import Message

MAX_BATCH = 200


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
        write: Callable[[list[Inbound]], Awaitable[list[Answer]]],
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._close = close
        self._pending: list[tuple[Inbound, asyncio.Future[Answer]]] = []
        self._writers = writers
        self._write_batch = write
        self._busy = 0
        self._scheduled = False

    async def submit(self, item: Inbound) -> Message:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
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

    async def _write(self, batch: list[tuple[Inbound, asyncio.Future[Answer]]]) -> None:
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


def _write_on_writer_thread(items: list[Inbound]) -> list[Answer]:
    _tidy_writer_connection()
    return orm.inbound_post_many(items)


# Sync work of the batches (all of it on SQLite; on PostgreSQL what the pipeline leaves to the
# ORM) runs on one thread of its own: Django gives each request its own thread for sync work,
# and a batch spans many requests, so it belongs to none of them (and must not hold a
# connection that one request's end would leave checked out).
writer_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-ingest")
_on_writer_thread = sync_to_async(_write_on_writer_thread, thread_sensitive=False, executor=writer_thread)
# Batches in flight per server process: on PostgreSQL one is built while another waits on the
# database (each has its own connection); SQLite has one writer at a time anyway.
EVENT_LOOP_WRITERS = 2


_flushes: set[asyncio.Task[None]] = set()
_committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter] = (
    weakref.WeakKeyDictionary()
)


def committer_for(loop: asyncio.AbstractEventLoop) -> GroupCommitter:
    committer = _committers.get(loop)
    if committer is None:
        if pgasync.available():
            writer = EventLoopWriter(orm=_on_writer_thread)
            committer = GroupCommitter(EVENT_LOOP_WRITERS, writer.write, writer.close)
        else:
            committer = GroupCommitter(1, _on_writer_thread)
        _committers[loop] = committer
    return committer


async def close_connections() -> None:
    """Close the database connections of this event loop's batch writer (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    committer = _committers.pop(loop, None)
    if committer is not None:
        await committer.close()
    await loop.run_in_executor(writer_thread, _close_writer_connection)


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
        result = (await sync_to_async(orm.inbound_post_many)([item]))[0]
        if isinstance(result, KefuError):
            raise result
        return result
    return await committer_for(loop).submit(item)
