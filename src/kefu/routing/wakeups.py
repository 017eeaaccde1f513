"""Wake-ups: "something changed, assign now", run once the change is committed.

A contact was queued, an agent freed a place or came online: the desk's assignment pass
(registered as the router at start-up, since routing may not import the desk) runs for those
contacts or agents. Where it runs is `KEFU_ROUTING_WAKE` (docs/routing.md, "Wake-ups"):

- `inline`: the thread that committed runs the pass before it goes on (tests, and SQLite, whose
  one writer would make any other thread wait);
- `thread`: one thread per process takes every wake-up committed since its last pass and runs
  one pass for all of them, so the request that opened a chat answers without waiting for the
  pass, and a burst of chats costs one look at the floor, not one each;
- `leader` (PostgreSQL's default): the commit tells PostgreSQL (`NOTIFY`), and the one process
  holding the router lock (a worker if one runs: servers wait `KEFU_ROUTING_LEADER_DEFER_S`
  before they compete) gathers the wake-ups of every process on its thread, as `thread` does in
  one process. Passes are not repeated per server and the servers' interpreters stay free for
  requests and sockets. Since a pass keeps its SQL (`core.compiled`), one process running every
  pass is ahead at every rate measured (bench/README.md, routing, "eighth of the day").

Either way the periodic sweep (`routing.assign`) catches what a wake-up misses: a pass that
failed, wake-ups pending when a process stops, or sent while no process led.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction

log = logging.getLogger(__name__)

MODES = ("inline", "thread", "leader")
CHANNEL = "kefu_routing_wake"  # the PostgreSQL notification channel of `leader`
LEADER_LOCK = 0x6B656675_0001  # the advisory lock the leading process holds ("kefu", 1)

# router(contact_ids=…, agent_ids=…): route these contacts against every free agent, and every
# waiting contact against these agents
Router = Callable[..., None]
_routers: list[Router] = []


def register_router(router: Router) -> None:
    """The desk registers its assignment pass here at start-up."""
    if router not in _routers:
        _routers.append(router)


def mode() -> str:
    """`KEFU_ROUTING_WAKE`, with `leader` only where PostgreSQL can carry the notifications."""
    chosen = settings.KEFU_ROUTING_WAKE
    if chosen == "leader" and connection.vendor != "postgresql":
        return "inline"
    return chosen


def wake(*, contact_id: int | None = None, agent_id: int | None = None) -> None:
    """Once this transaction commits, assign what can be assigned: a contact was queued
    (`contact_id`), an agent freed capacity or came online (`agent_id`). Nothing happens if the
    transaction (or the savepoint the call was made in) rolls back. The wake-ups of one
    transaction leave together, after its commit."""
    contacts = frozenset({contact_id} if contact_id is not None else ())
    agents = frozenset({agent_id} if agent_id is not None else ())
    if not (contacts or agents):
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _dispatch(contacts, agents)
        return
    level = set(conn.savepoint_ids)
    for savepoints, callback, _robust in conn.run_on_commit:
        # only a batch of the same savepoint: a rolled-back savepoint drops its batch whole
        if isinstance(callback, _Batch) and savepoints == level:
            callback.contacts |= contacts
            callback.agents |= agents
            return
    transaction.on_commit(_Batch(set(contacts), set(agents)))


class _Batch:
    """The wake-ups of one transaction (at one savepoint level), dispatched after its commit."""

    def __init__(self, contacts: set[int], agents: set[int]) -> None:
        self.contacts, self.agents = contacts, agents

    def __call__(self) -> None:
        _dispatch(frozenset(self.contacts), frozenset(self.agents))


def _dispatch(contacts: frozenset[int], agents: frozenset[int]) -> None:
    chosen = mode()
    if chosen == "inline":
        run(contacts, agents)
    elif chosen == "thread":
        background().put(contacts, agents)
    else:
        _notify(contacts, agents)


NOTIFY_IDS = 500  # ids per notification: PostgreSQL takes payloads below 8,000 bytes


def _notify(contacts: frozenset[int], agents: frozenset[int]) -> None:
    """Tell the leading process (after the commit: one statement however many wake-ups the
    transaction made). A failure is logged; the sweep catches the wake-up."""
    items = [*(f"c{c}" for c in sorted(contacts)), *(f"a{a}" for a in sorted(agents))]
    try:
        with connection.cursor() as cursor:
            for start in range(0, len(items), NOTIFY_IDS):
                cursor.execute(
                    "SELECT pg_notify(%s, %s)", [CHANNEL, ",".join(items[start : start + NOTIFY_IDS])]
                )
    except Exception:
        log.exception("routing wake-up could not be sent; the sweep will catch it")


def parse(payload: str) -> tuple[set[int], set[int]]:
    """`c12,a7` -> ({12}, {7}); anything else in a notification is ignored."""
    contacts: set[int] = set()
    agents: set[int] = set()
    for item in payload.split(","):
        kind, number = item[:1], item[1:]
        if number.isdigit() and kind in ("c", "a"):
            (contacts if kind == "c" else agents).add(int(number))
    return contacts, agents


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


class Leadership:
    """`leader` mode's listener: competes for the router lock on a connection of its own and,
    while it holds it, hands every notified wake-up to this process's background runner. The
    lock is PostgreSQL's: it goes with the connection, so a process that dies or loses its
    connection gives up the lead and another takes it within `retry_s` (plus its deferral)."""

    def __init__(
        self, *, defer_s: float = 0.0, retry_s: float = 1.0, runner: Coalescer | None = None
    ) -> None:
        self.defer_s, self.retry_s = defer_s, retry_s
        self._runner = runner
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leading = threading.Event()

    def start(self) -> Leadership:
        self._thread = threading.Thread(target=self._loop, name="kefu-routing-leadership", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except Exception:
                log.exception("routing leadership: connection failed; trying again")
            self.leading.clear()
            self._stop.wait(self.retry_s)

    def _session(self) -> None:
        import psycopg

        params = connections["default"].get_connection_params()
        for key in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(key, None)
        with psycopg.connect(**params, autocommit=True) as conn:
            while True:
                if self._stop.wait(self.defer_s):
                    return
                if conn.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK]).fetchone()[0]:
                    break
                if self._stop.wait(self.retry_s):
                    return
            conn.execute(f"LISTEN {CHANNEL}")
            self.leading.set()
            log.info("routing: this process (%s) leads the wake-ups", os.getpid())
            runner = self._runner or background()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.5):
                    contacts, agents = parse(note.payload)
                    if contacts or agents:
                        runner.put(contacts, agents)


_background: Coalescer | None = None
_leadership: Leadership | None = None
_background_lock = threading.Lock()


def background() -> Coalescer:
    """This process's background runner."""
    global _background
    with _background_lock:
        if _background is None:
            _background = Coalescer()
        return _background


def lead(*, defer_s: float) -> Leadership | None:
    """Start competing for the lead in this process (once), if the mode is `leader`: `kefu
    worker` at once, each server after `defer_s` so that a worker leads when one runs."""
    global _leadership
    if mode() != "leader":
        return None
    with _background_lock:
        if _leadership is None:
            _leadership = Leadership(defer_s=defer_s).start()
        return _leadership


def _forget_after_fork() -> None:
    """A forked child has neither runner nor listener thread: it starts its own when needed."""
    global _background, _leadership, _background_lock
    _background, _leadership, _background_lock = None, None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
