"""`kefu worker`: the periodic scheduler (due/not due, failures, leases), the task queue, the command."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command

from kefu.cli import serving
from kefu.cli.models import PeriodicJobState
from kefu.cli.worker import (
    JobConfigError,
    PeriodicJob,
    Runner,
    Scheduler,
    periodic_jobs,
    run_ready_tasks,
)
from kefu.core import clock
from kefu.testing.cli import migrated_copy, run_kefu

CALLS: list[str] = []
HERE = "kefu.cli.tests.test_worker"


def counted() -> int:
    CALLS.append("counted")
    return len(CALLS)


def exploding() -> None:
    CALLS.append("exploding")
    raise RuntimeError("mailbox unreachable")


OTHER: dict[str, Scheduler] = {}


def reentrant() -> str:
    """While this job runs, a second worker tries the same job: its lease must stop it."""
    CALLS.append("reentrant")
    return str(len(OTHER["worker"].run_due()))


@pytest.fixture(autouse=True)
def _calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


def _job(name: str, target: str, every_s: float = 60) -> PeriodicJob:
    return PeriodicJob(name=name, target=f"{HERE}.{target}", every_s=every_s)


@pytest.mark.django_db
def test_due_jobs_run_and_not_due_jobs_wait() -> None:
    scheduler = Scheduler([_job("count", "counted", every_s=60)], worker_id="w1")
    start = clock.now()
    with time_machine.travel(start, tick=False):
        assert [(r.name, r.outcome, r.result) for r in scheduler.run_due()] == [("count", "ok", "1")]
        assert scheduler.run_due() == []  # ran just now: not due for a minute
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert scheduler.run_due() == []
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert [r.outcome for r in scheduler.run_due()] == ["ok"]
    state = PeriodicJobState.objects.get(name="count")
    assert state.runs == 2 and state.last_ok and state.leased_by == "" and state.lease_until is None
    assert state.next_due_at == start + timedelta(seconds=121)
    assert CALLS == ["counted", "counted"]


@pytest.mark.django_db
def test_a_failing_job_is_logged_recorded_and_retried_on_the_next_tick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = Scheduler([_job("boom", "exploding"), _job("count", "counted")], worker_id="w1")
    with caplog.at_level(logging.ERROR, logger="kefu.worker"):
        first = scheduler.run_due()
    assert [(r.name, r.outcome) for r in first] == [("boom", "failed"), ("count", "ok")]  # the loop goes on
    assert "periodic job boom failed" in caplog.text
    state = PeriodicJobState.objects.get(name="boom")
    assert state.failures == 1 and state.last_ok is False and "mailbox unreachable" in state.last_error
    assert state.lease_until is None  # released: another worker may retry too

    second = scheduler.run_due()
    assert [(r.name, r.outcome) for r in second] == [("boom", "failed")]  # due still; count is not
    assert CALLS == ["exploding", "counted", "exploding"]


@pytest.mark.django_db
def test_a_lease_keeps_a_second_worker_off_a_running_job() -> None:
    job = _job("solo", "reentrant")
    OTHER["worker"] = Scheduler([job], worker_id="w2")
    first = Scheduler([job], worker_id="w1").run_due()
    assert [(r.outcome, r.result) for r in first] == [("ok", "0")]  # w2 ran nothing while w1 held it
    assert CALLS == ["reentrant"]

    # A worker that died holding the lease: the job waits until the lease expires, then w2 takes it
    PeriodicJobState.objects.filter(name="solo").update(
        next_due_at=clock.now(), lease_until=clock.now() + timedelta(seconds=30), leased_by="dead"
    )
    OTHER["worker"] = Scheduler([], worker_id="w3")
    assert Scheduler([job], worker_id="w2").run_due() == []
    with time_machine.travel(clock.now() + timedelta(seconds=31)):
        assert [r.outcome for r in Scheduler([job], worker_id="w2").run_due()] == ["ok"]


@pytest.mark.django_db
def test_a_missing_target_is_logged_once_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    job = PeriodicJob(name="mail", target="kefu.connectors.no_such_module.poll", every_s=5)
    scheduler = Scheduler([job, _job("count", "counted")], worker_id="w1")
    with caplog.at_level(logging.WARNING, logger="kefu.worker"):
        runs = scheduler.run_due() + scheduler.run_due()
    assert [(r.name, r.outcome) for r in runs] == [("mail", "skipped"), ("count", "ok"), ("mail", "skipped")]
    assert caplog.text.count("periodic job mail skipped") == 1


def test_the_declared_jobs_and_bad_declarations() -> None:
    names = {j.name: j for j in periodic_jobs()}
    assert {"webhooks.deliver", "desk.sla_check", "email.poll", "email.send"} <= set(names)
    assert names["webhooks.deliver"].target == "kefu.connectors.webhooks.deliver_due"
    for bad in ({"x": ("a.b", 0)}, {"x": ("a.b",)}, {"x": (None, 5)}, {"": ("a.b", 5)}, {"x": "a.b"}):
        with pytest.raises(JobConfigError):
            periodic_jobs(bad)


@pytest.mark.django_db
def test_management_command_jobs_run_through_call_command() -> None:
    job = PeriodicJob(name="sla", target="command:sla_check", every_s=60)
    (run,) = Scheduler([job], worker_id="w1").run_due()
    assert run.outcome == "ok" and "conversations checked" in run.result


@pytest.mark.django_db
def test_the_runner_runs_due_jobs_then_queued_tasks(tenants: Any) -> None:
    from kefu.workforce.rostering import tasks

    result = tasks.schedule_solve.enqueue(schedule_id=999999, provider_id=tenants.pa.pk, client_ids=[])
    runner = Runner(jobs=[_job("count", "counted")], worker_id="w1")
    report = runner.tick(manage_connections=False)
    assert [r.outcome for r in report.jobs] == ["ok"] and report.tasks == 1
    result.refresh()
    assert result.status == "FAILED"  # no such schedule: recorded on the task, the worker goes on
    assert run_ready_tasks(worker_id="w1") == 0


@pytest.mark.django_db(transaction=True)
def test_worker_command_exits_after_its_ticks() -> None:
    out = io.StringIO()
    call_command("worker", "--max-ticks", "2", "--interval", "0", "--no-tasks", stdout=out)
    text = out.getvalue()
    assert "stopped after 2 ticks" in text and "webhooks.deliver: ok" in text
    states = {s.name: s for s in PeriodicJobState.objects.all()}
    assert states["webhooks.deliver"].runs == 1 and states["desk.sla_check"].runs == 1  # not due again
    status = io.StringIO()
    call_command("worker", "--status", stdout=status)
    listed = {j["name"]: j for j in json.loads(status.getvalue())}
    assert listed["webhooks.deliver"]["runs"] == 1 and listed["webhooks.deliver"]["next_due_at"]


# --- as a user runs it ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_copy(tmp_path_factory, "kefu-worker")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--max-ticks", "0"), "--max-ticks"),
        (("--interval", "-1"), "--interval"),
        (("--tasks-per-tick", "0"), "--tasks-per-tick"),
        (("--no-periodic", "--no-tasks"), "nothing to do"),
        (("--bogus",), "unrecognized arguments"),
        (("--max-ticks", "many"), "invalid int value"),
    ],
)
def test_bad_arguments_exit_2(migrated: Path, args: tuple[str, ...], message: str) -> None:
    result = run_kefu("worker", *args, var_dir=migrated)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_worker_once_runs_the_real_jobs_and_exits_0(migrated: Path) -> None:
    result = run_kefu("worker", "--once", "-v", "2", var_dir=migrated)
    assert result.returncode == 0, result.stderr
    assert "webhooks.deliver: ok" in result.stdout and "desk.sla_check: ok" in result.stdout
    assert "stopped after 1 ticks" in result.stdout


def test_serve_starts_the_worker_and_stops_it_with_the_server(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_VAR_DIR", str(migrated))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "kefu.config.settings.base")
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    children: list[subprocess.Popen[bytes]] = []
    real_start = serving.start_worker

    def start() -> subprocess.Popen[bytes]:
        children.append(real_start())
        return children[-1]

    def server(*args: Any, **kwargs: Any) -> None:
        time.sleep(2)
        assert children and children[0].poll() is None  # running beside the server

    with mock.patch.object(serving, "start_worker", start), mock.patch.object(serving.uvicorn, "run", server):
        serving.serve(host="127.0.0.1", port=8765)
    assert children[0].poll() is not None  # stopped with it

    with (
        mock.patch.object(serving.uvicorn, "run", lambda *a, **k: None),
        mock.patch.object(serving, "start_worker") as not_started,
    ):
        serving.serve(host="127.0.0.1", port=8765, worker=False)
    not_started.assert_not_called()
