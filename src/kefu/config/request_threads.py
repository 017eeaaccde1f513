"""The threads a served process runs its requests' sync code on: kept, not made per request.

Django's ASGI handler enters a `ThreadSensitiveContext` per request, and asgiref then makes a
new one-thread executor for it and, at the end, a second thread to join the first. Starting a
thread blocks the event loop until the new thread runs; on a busy two-core machine that was a
tenth of a served process's samples at 100 new chats a second (bench/README.md), all of it
time in which no socket was served. Here each request borrows an idle one-thread executor and
gives it back: a request still has a thread of its own (requests waiting on the database do
not queue behind each other), and a burst leaves at most `KEEP_IDLE` threads waiting for the
next one.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

KEEP_IDLE = 32  # executors kept for the next requests; a larger burst makes (and then ends) more


class ExecutorPool:
    """One-thread executors lent to one request at a time (asgiref runs a context's
    thread-sensitive calls on one thread, in order)."""

    def __init__(self, keep_idle: int = KEEP_IDLE) -> None:
        self.keep_idle = keep_idle
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()  # one loop per process normally; tests run several
        self.made = 0

    def borrow(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.made += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        """Keep it for the next request, or end it past `keep_idle`. An executor still running a
        view whose client went away is kept too: the next request on it waits its turn."""
        with self._lock:
            if len(self._idle) < self.keep_idle:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)  # its thread ends once its queue is empty; nobody waits

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)


pool = ExecutorPool()


class KeptThreadsMixin:
    """For an `ASGIHandler`: each HTTP request runs its sync code on a thread lent by `pool`."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = pool.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)  # type: ignore[attr-defined]
        finally:
            pool.give_back(executor)
