"""A served process runs its requests' sync code on kept threads (`kefu.config.request_threads`):
one after another, requests reuse one thread; at the same time, each has its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core import signals

from kefu.config import request_threads
from kefu.testing import asgi


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> request_threads.ExecutorPool:
    fresh = request_threads.ExecutorPool(keep_idle=2)
    monkeypatch.setattr(request_threads, "pool", fresh)
    return fresh


@pytest.fixture
def finished_on() -> Iterator[list[int]]:
    """The thread each request finished on: Django sends `request_finished` from the request's
    thread-sensitive thread, where its view ran."""
    threads: list[int] = []

    def record(**kwargs: Any) -> None:
        threads.append(threading.get_ident())

    signals.request_finished.connect(record, weak=False)
    yield threads
    signals.request_finished.disconnect(record)


async def _page() -> int:
    """One page request, waiting for the handler to finish (it closes the response, and so
    sends `request_finished`, after the client has the whole answer)."""
    from kefu.config.asgi import application

    communicator = ApplicationCommunicator(application, asgi.http_scope("GET", "/no-such-page/"))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    while (await communicator.receive_output(10)).get("more_body"):
        pass
    await communicator.wait(10)
    return start["status"]


def test_requests_one_after_another_reuse_one_kept_thread(
    pool: request_threads.ExecutorPool, finished_on: list[int]
) -> None:
    statuses = [async_to_sync(_page)() for _ in range(3)]

    assert statuses == [404, 404, 404]
    assert len(finished_on) == 3 and len(set(finished_on)) == 1
    assert threading.get_ident() not in finished_on
    assert pool.made == 1 and pool.idle() == 1


def test_requests_at_the_same_time_each_have_a_thread(
    pool: request_threads.ExecutorPool, finished_on: list[int]
) -> None:
    """Both requests wait for each other on their threads: on one shared thread they could not."""
    both = threading.Barrier(2, timeout=5)
    met: list[bool] = []

    def meet(**kwargs: Any) -> None:
        try:
            both.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)

    signals.request_finished.connect(meet, weak=False)
    try:

        async def two() -> list[int]:
            return await asyncio.gather(_page(), _page())

        statuses = async_to_sync(two)()
    finally:
        signals.request_finished.disconnect(meet)

    assert statuses == [404, 404]
    assert met == [True, True]
    assert len(set(finished_on)) == 2
    assert pool.made == 2 and pool.idle() == 2


def test_a_burst_keeps_only_so_many_idle_threads() -> None:
    pool = request_threads.ExecutorPool(keep_idle=2)
    lent = [pool.borrow() for _ in range(3)]
    for executor in lent:
        pool.give_back(executor)

    assert pool.made == 3 and pool.idle() == 2
    with pytest.raises(RuntimeError):  # the third was ended
        lent[2].submit(print)
    assert pool.borrow() is lent[1]  # the last one given back is lent first
