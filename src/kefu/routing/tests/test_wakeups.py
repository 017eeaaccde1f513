"""Wake-ups: after the commit only, inline or gathered by the background runner."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from kefu.routing import wakeups


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[list[int], list[int]]] = []

    def __call__(self, *, contact_ids: list[int], agent_ids: list[int]) -> None:
        self.calls.append((contact_ids, agent_ids))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    found = _Recorder()
    monkeypatch.setattr(wakeups, "_routers", [found])
    return found


@pytest.mark.django_db
def test_a_wake_up_runs_after_the_commit_and_never_after_a_rollback(
    recorder: _Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        wakeups.wake(contact_id=7)
        assert recorder.calls == []  # not before the commit
        try:
            with transaction.atomic():
                wakeups.wake(agent_id=3)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert recorder.calls == [([7], [])]


@pytest.mark.django_db
def test_a_failing_router_is_logged_and_the_next_still_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    after = _Recorder()

    def broken(**_: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(wakeups, "_routers", [broken, after])
    wakeups.run([2, 1], [5])
    assert after.calls == [([1, 2], [5])]
    assert "automatic assignment after a change failed" in caplog.text


def test_wake_ups_put_while_a_pass_runs_are_one_pass() -> None:
    started, release = threading.Event(), threading.Event()
    passes: list[tuple[frozenset[int], frozenset[int]]] = []

    def runner(contacts: frozenset[int], agents: frozenset[int]) -> None:
        passes.append((contacts, agents))
        started.set()
        release.wait(5)

    runner_ = wakeups.Coalescer(runner)
    runner_.put({1}, ())
    assert started.wait(5)
    for contact in range(2, 12):
        runner_.put({contact}, ())
    runner_.put((), {99})
    assert not runner_.idle(0.05)  # the first pass is still running
    release.set()
    assert runner_.idle(5)
    assert passes == [(frozenset({1}), frozenset()), (frozenset(range(2, 12)), frozenset({99}))]
    assert runner_.passes == 2


def test_the_runner_outlives_a_failing_pass(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[frozenset[int]] = []

    def runner(contacts: frozenset[int], agents: frozenset[int]) -> None:
        seen.append(contacts)
        if 1 in contacts:
            raise RuntimeError("boom")

    runner_ = wakeups.Coalescer(runner)
    runner_.put({1}, ())
    assert runner_.idle(5)
    runner_.put({2}, ())
    assert runner_.idle(5)
    assert seen == [frozenset({1}), frozenset({2})]
    assert "routing wake-up pass failed" in caplog.text


@pytest.mark.django_db
def test_the_wake_ups_of_one_transaction_leave_together_after_its_commit(
    recorder: _Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        wakeups.wake(contact_id=4)
        wakeups.wake(agent_id=9)
        wakeups.wake(contact_id=2)
    assert recorder.calls == [([2, 4], [9])]


def test_a_notification_names_contacts_and_agents() -> None:
    assert wakeups.parse("c12,a7,c3") == ({12, 3}, {7})
    assert wakeups.parse("x1,c,a-2,,c5") == ({5}, set())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lead is a PostgreSQL advisory lock")
@pytest.mark.django_db(transaction=True)
def test_one_process_leads_and_another_takes_over_when_it_stops(settings: Any) -> None:
    settings.KEFU_ROUTING_WAKE = "leader"
    heard: list[tuple[frozenset[int], frozenset[int]]] = []
    first = wakeups.Leadership(retry_s=0.1, runner=wakeups.Coalescer(lambda c, a: heard.append((c, a))))
    second = wakeups.Leadership(retry_s=0.1, runner=wakeups.Coalescer(lambda c, a: heard.append((c, a))))
    first.start()
    try:
        assert first.leading.wait(30)
        second.start()
        assert not second.leading.wait(0.5)  # the lock is taken
        with transaction.atomic():
            wakeups.wake(contact_id=5)
        for _ in range(300):
            if heard:
                break
            time.sleep(0.1)
        assert heard == [(frozenset({5}), frozenset())]
        first.stop()
        assert second.leading.wait(30)  # the lock went with the first one's connection
    finally:
        first.stop()
        second.stop()


@pytest.mark.django_db
def test_a_process_competes_for_the_lead_only_in_leader_mode(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wakeups, "_leadership", None)
    settings.KEFU_ROUTING_WAKE = "thread"
    assert wakeups.lead(defer_s=0) is None
    settings.KEFU_ROUTING_WAKE = "leader"
    leadership = wakeups.lead(defer_s=0)
    try:
        if connection.vendor == "postgresql":
            assert leadership is not None and wakeups.lead(defer_s=0) is leadership  # once a process
        else:
            assert leadership is None and wakeups.mode() == "inline"  # no NOTIFY without PostgreSQL
    finally:
        if leadership is not None:
            leadership.stop()


def test_the_wake_up_mode_is_checked_when_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.config import env

    monkeypatch.setenv("KEFU_ROUTING_WAKE", "sometimes")
    with pytest.raises(RuntimeError, match="KEFU_ROUTING_WAKE must be one of inline, thread, leader"):
        env.env_choice("KEFU_ROUTING_WAKE", ("inline", "thread", "leader"), "inline")
    monkeypatch.setenv("KEFU_ROUTING_WAKE", "leader")
    assert env.env_choice("KEFU_ROUTING_WAKE", ("inline", "thread", "leader"), "inline") == "leader"
