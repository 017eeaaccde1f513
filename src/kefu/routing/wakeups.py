"""Wake-ups: "something changed, assign now", run once the change is committed.

A contact was queued, an agent freed a place or came online: the desk's assignment pass
(registered as the router at start-up, since routing may not import the desk) runs for those
contacts or agents. Two ways, one pass (docs/routing.md, "Wake-ups"):

- **inline**: the thread that committed runs the pass before it goes on (tests, SQLite's one
  writer, the demo);
- **in the background** (`KEFU_ROUTING_WAKE_IN_BACKGROUND`, on by default with PostgreSQL): one
  thread per process takes every wake-up committed since its last pass and runs one pass for all
  of them. The request that opened a chat answers without waiting for the routing pass, and a
  burst of chats costs one snapshot of the floor, not one each.

Either way the periodic sweep (`routing.assign`) catches what a wake-up misses: a pass that
failed, or wake-ups still pending when a process stops.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)

# router(contact_ids=…, agent_ids=…): route these contacts against every free agent, and every
# waiting contact against these agents
Router = Callable[..., None]
_routers: list[Router] = []


def register_router(router: Router) -> None:
    """The desk registers its assignment pass here at start-up."""
    if router not in _routers:
        _routers.append(router)


def wake(*, contact_id: int | None = None, agent_id: int | None = None) -> None:
    """After this transaction commits, assign what can be assigned: a contact was queued
    (`contact_id`), an agent freed capacity or came online (`agent_id`). Nothing happens if the
    transaction rolls back."""
    contacts = frozenset({contact_id} if contact_id is not None else ())
    agents = frozenset({agent_id} if agent_id is not None else ())
    if contacts or agents:
        transaction.on_commit(lambda: _dispatch(contacts, agents))


def _dispatch(contacts: frozenset[int], agents: frozenset[int]) -> None:
    if settings.KEFU_ROUTING_WAKE_IN_BACKGROUND:
        background().put(contacts, agents)
    else:
        run(contacts, agents)


def run(contacts: Iterable[int], agents: Iterable[int]) -> None:
    """One pass of every router for these contacts and agents; a failure is logged, never
    raised (the change that woke us is committed; the sweep tries again)."""
    contact_ids, agent_ids = sorted(contacts), sorted(agents)
    for router in list(_routers):
        try:
            router(contact_ids=contact_ids, agent_ids=agent_ids)
        except Exception:
            log.exception("automatic assignment after a change failed")


class Coalescer:
    """The background runner: wake-ups are gathered while a pass runs, and the next pass takes
    all of them. The thread starts with the first wake-up of the process."""

    def __init__(self, runner: Callable[[frozenset[int], frozenset[int]], None] | None = None) -> None:
        self._runner = runner or self._run_with_connection
        self._changed = threading.Condition()
        self._contacts: set[int] = set()
        self._agents: set[int] = set()
        self._busy = False
        self._thread: threading.Thread | None = None
        self.passes = 0  # passes run: a burst of wake-ups makes fewer passes than wake-ups

    def put(self, contacts: Iterable[int], agents: Iterable[int]) -> None:
        with self._changed:
            self._contacts.update(contacts)
            self._agents.update(agents)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="kefu-routing-wakeups", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until every wake-up put so far has had its pass (tests, shutdown); False if the
        time ran out first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not (self._busy or self._contacts or self._agents), timeout=timeout
            )

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._contacts or self._agents))
                contacts, agents = frozenset(self._contacts), frozenset(self._agents)
                self._contacts.clear()
                self._agents.clear()
                self._busy = True
            try:
                self._runner(contacts, agents)
            except Exception:  # the thread must outlive any pass
                log.exception("routing wake-up pass failed")
            finally:
                with self._changed:
                    self.passes += 1
                    self._busy = False
                    self._changed.notify_all()

    @staticmethod
    def _run_with_connection(contacts: frozenset[int], agents: frozenset[int]) -> None:
        """The pass on this thread's own database connection, handled as a request's is."""
        close_old_connections()
        try:
            run(contacts, agents)
        finally:
            close_old_connections()


_background: Coalescer | None = None
_background_lock = threading.Lock()


def background() -> Coalescer:
    """This process's background runner."""
    global _background
    with _background_lock:
        if _background is None:
            _background = Coalescer()
        return _background


def _forget_after_fork() -> None:
    """A forked child has no runner thread: it starts its own with its first wake-up."""
    global _background, _background_lock
    _background, _background_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
