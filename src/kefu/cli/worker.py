"""Background work: the task queue (django-tasks, database backend) and the periodic jobs.

`kefu worker` runs `Runner.tick` in a loop: first every periodic job that is due, then the tasks
waiting in the queue (a schedule solve, …). `kefu serve` and `kefu demo` start it as a child
process (embedded mode, see `serving.py`); deployments run it as processes of their own.

Periodic jobs are declared in one place, `settings.KEFU_PERIODIC_JOBS` =
``{name: (target, every_seconds)}``; a target is the dotted path of a callable taking no arguments
(``"kefu.connectors.webhooks.deliver_due"``) or ``"command:<name> [args]"`` for a management
command (``"command:sla_check"``). Their state is one `PeriodicJobState` row per job: when it is
next due and a lease. Taking the lease is one conditional UPDATE (due, and not leased, or the lease
expired), so on SQLite and PostgreSQL alike exactly one worker wins it; a worker that dies while
running a job loses the lease when it expires. A job that raises is logged, recorded on its row
and run again on the next tick; it never stops the loop. A target that cannot be imported (a module
not installed yet) is logged once and skipped.
"""

from __future__ import annotations

import io
import logging
import shlex
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, close_old_connections
from django.db.models import F, Q
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kefu.cli.models import PeriodicJobState
from kefu.core import clock

log = logging.getLogger("kefu.worker")

COMMAND_PREFIX = "command:"
DEFAULT_LEASE_S = 600  # longer than any periodic job runs; only a crashed worker's lease expires


class JobConfigError(ValueError):
    """`KEFU_PERIODIC_JOBS` is malformed."""


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    target: str
    every_s: float
    lease_s: float = DEFAULT_LEASE_S


@dataclass
class JobRun:
    """What one tick did with one job."""

    name: str
    outcome: str  # "ok", "failed", "skipped" (target missing)
    result: str = ""


@dataclass
class TickReport:
    jobs: list[JobRun] = field(default_factory=list)
    tasks: int = 0


def periodic_jobs(config: Mapping[str, Any] | None = None) -> list[PeriodicJob]:
    """The declared jobs, validated: ``{name: (target, every_seconds)}`` (a third item: lease seconds)."""
    config = settings.KEFU_PERIODIC_JOBS if config is None else config
    jobs = []
    for name, spec in config.items():
        try:
            target, every, *rest = spec
            every_s = float(every)
            lease_s = float(rest[0]) if rest else max(DEFAULT_LEASE_S, every_s)
        except (TypeError, ValueError):
            raise JobConfigError(f"periodic job {name!r}: expected (target, every_seconds)") from None
        if not name or len(name) > 100 or not isinstance(target, str) or not target:
            raise JobConfigError(f"periodic job {name!r}: needs a name of 1–100 characters and a target")
        if every_s <= 0 or lease_s <= 0:
            raise JobConfigError(f"periodic job {name!r}: intervals must be positive")
        jobs.append(PeriodicJob(name=name, target=target, every_s=every_s, lease_s=lease_s))
    return jobs


_missing_logged: set[str] = set()


def resolve(job: PeriodicJob) -> Callable[[], Any] | None:
    """The job's callable; None (logged once per process) when its target cannot be imported."""
    if job.target.startswith(COMMAND_PREFIX):
        name, *args = shlex.split(job.target[len(COMMAND_PREFIX) :])

        def run_command() -> str:
            out = io.StringIO()
            call_command(name, *args, stdout=out)
            lines = out.getvalue().strip().splitlines()
            return lines[-1] if lines else ""

        return run_command
    try:
        target = import_string(job.target)
    except ImportError as exc:
        if job.name not in _missing_logged:
            _missing_logged.add(job.name)
            log.warning("periodic job %s skipped: cannot import %s (%s)", job.name, job.target, exc)
        return None
    return target


class Scheduler:
    """Runs due periodic jobs, each under a lease so two workers never run the same job at once."""

    def __init__(self, jobs: list[PeriodicJob], *, worker_id: str) -> None:
        self.jobs = jobs
        self.worker_id = worker_id

    def _lease(self, job: PeriodicJob) -> bool:
        now = clock.now()
        PeriodicJobState.objects.get_or_create(name=job.name)
        claimed = (
            PeriodicJobState.objects.filter(name=job.name)
            .filter(Q(next_due_at__isnull=True) | Q(next_due_at__lte=now))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .update(
                lease_until=now + timedelta(seconds=job.lease_s),
                leased_by=self.worker_id,
                last_started_at=now,
            )
        )
        return claimed == 1

    def _finish(self, job: PeriodicJob, *, ok: bool, result: str = "", error: str = "") -> None:
        now = clock.now()
        values: dict[str, Any] = {
            "lease_until": None,
            "leased_by": "",
            "last_finished_at": now,
            "last_ok": ok,
        }
        if ok:
            values.update(
                next_due_at=now + timedelta(seconds=job.every_s),
                last_result=result[:500],
                last_error="",
                runs=F("runs") + 1,
            )
        else:  # due still: the next tick tries again
            values.update(last_error=error[-4000:], failures=F("failures") + 1)
        PeriodicJobState.objects.filter(name=job.name, leased_by=self.worker_id).update(**values)

    def run_due(self) -> list[JobRun]:
        runs = []
        for job in self.jobs:
            target = resolve(job)
            if target is None:
                runs.append(JobRun(job.name, "skipped"))
                continue
            if not self._lease(job):
                continue
            try:
                result = target()
            except Exception as exc:
                log.exception("periodic job %s failed", job.name)
                self._finish(job, ok=False, error="".join(traceback.format_exception(exc)))
                runs.append(JobRun(job.name, "failed", repr(exc)[:500]))
            else:
                self._finish(job, ok=True, result="" if result is None else str(result))
                runs.append(JobRun(job.name, "ok", "" if result is None else str(result)[:500]))
        return runs


def run_ready_tasks(*, worker_id: str, max_tasks: int | None = None, backend: str = "default") -> int:
    """Run queued tasks (all queues) until none is ready or `max_tasks` ran; returns how many ran.

    Claiming is django-tasks-db's own (an exclusive transaction on SQLite, SKIP LOCKED on
    PostgreSQL), so several workers share the queue; a task's failure is recorded on its result.
    """
    runner = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while max_tasks is None or ran < max_tasks:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend)
        try:
            with exclusive_transaction(ready.db):
                task_result = ready.get_locked()
                if task_result is not None:
                    task_result.claim(worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                break  # another worker is claiming; the next tick tries again
            raise
        if task_result is None:
            break
        runner.run_task(task_result)
        ran += 1
    return ran


class Runner:
    """One worker: periodic jobs, then queued tasks, once per tick."""

    def __init__(
        self,
        *,
        periodic: bool = True,
        tasks: bool = True,
        tasks_per_tick: int = 20,
        worker_id: str | None = None,
        jobs: list[PeriodicJob] | None = None,
    ) -> None:
        self.worker_id = worker_id or f"kefu-{get_random_string(12)}"
        self.scheduler = Scheduler(periodic_jobs() if jobs is None else jobs, worker_id=self.worker_id)
        self.periodic = periodic
        self.tasks = tasks
        self.tasks_per_tick = tasks_per_tick

    def tick(self, *, manage_connections: bool = True) -> TickReport:
        """One pass; `manage_connections` drops stale database connections first (a long-lived loop)."""
        if manage_connections:
            close_old_connections()
        report = TickReport()
        if self.periodic:
            report.jobs = self.scheduler.run_due()
        if self.tasks:
            report.tasks = run_ready_tasks(worker_id=self.worker_id, max_tasks=self.tasks_per_tick)
        return report


def job_states() -> list[dict[str, Any]]:
    """Every declared job with its recorded state, for `kefu worker --status`."""
    rows = {row.name: row for row in PeriodicJobState.objects.all()}
    found = []
    for job in periodic_jobs():
        row = rows.get(job.name)
        found.append(
            {
                "name": job.name,
                "target": job.target,
                "every_s": job.every_s,
                "next_due_at": row.next_due_at.isoformat() if row and row.next_due_at else None,
                "last_finished_at": row.last_finished_at.isoformat()
                if row and row.last_finished_at
                else None,
                "last_ok": row.last_ok if row else None,
                "last_result": row.last_result if row else "",
                "runs": row.runs if row else 0,
                "failures": row.failures if row else 0,
                "leased_by": row.leased_by if row else "",
            }
        )
    return found
