"""`kefu worker`: run the background tasks and the periodic jobs (see `kefu.cli.worker`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.cli.worker import JobConfigError, Runner, job_states
from kefu.core import realtime
from kefu.routing import wakeups

log = logging.getLogger("kefu.worker")


class Command(BaseCommand):
    help = "Run background tasks (schedule solves, …) and periodic jobs (webhooks, email, SLA checks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between ticks when idle (default 2)."
        )
        parser.add_argument("--once", action="store_true", help="Run one tick, then exit.")
        parser.add_argument("--max-ticks", type=int, default=None, help="Exit after this many ticks.")
        parser.add_argument("--no-periodic", action="store_true", help="Run queued tasks only.")
        parser.add_argument("--no-tasks", action="store_true", help="Run periodic jobs only.")
        parser.add_argument(
            "--tasks-per-tick", type=int, default=20, help="Queued tasks run per tick at most (default 20)."
        )
        parser.add_argument("--status", action="store_true", help="Print the periodic jobs' state as JSON.")
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        interval, max_ticks = options["interval"], options["max_ticks"]
        if not 0 <= interval <= 3600:
            raise CommandError("--interval must be between 0 and 3600 seconds", returncode=2)
        if max_ticks is not None and max_ticks < 1:
            raise CommandError("--max-ticks must be at least 1", returncode=2)
        if options["tasks_per_tick"] < 1:
            raise CommandError("--tasks-per-tick must be at least 1", returncode=2)
        if options["no_periodic"] and options["no_tasks"]:
            raise CommandError("--no-periodic and --no-tasks leave nothing to do", returncode=2)
        if options["once"]:
            max_ticks = 1
        try:
            if options["status"]:
                self.stdout.write(json.dumps(job_states(), ensure_ascii=False))
                return
            runner = Runner(
                periodic=not options["no_periodic"],
                tasks=not options["no_tasks"],
                tasks_per_tick=options["tasks_per_tick"],
            )
        except JobConfigError as exc:
            raise CommandError(f"KEFU_PERIODIC_JOBS: {exc}", returncode=2) from None

        stop = threading.Event()
        parent = options["parent_pid"]

        def shutdown(signum: int, frame: FrameType | None) -> None:
            log.info("worker %s: %s, stopping after this tick", runner.worker_id, signal.strsignal(signum))
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, shutdown)
            signal.signal(signal.SIGINT, shutdown)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Kefu worker {runner.worker_id} started (Ctrl+C to stop).")
        # a long-running worker leads the routing wake-ups of every process (docs/routing.md),
        # and publishes the offers its passes make through a loop of its own
        leadership = wakeups.lead(defer_s=0) if max_ticks is None else None
        if max_ticks is None:
            realtime.start_publisher()
        ticks = 0
        while not stop.is_set():
            if parent is not None and os.getppid() != parent:
                break  # the embedding server is gone: do not outlive it
            report = runner.tick()
            ticks += 1
            if options["verbosity"] >= 2 or (options["verbosity"] >= 1 and (report.tasks or report.jobs)):
                done = ", ".join(f"{j.name}: {j.outcome}" for j in report.jobs)
                self.stdout.write(f"tick {ticks}: {report.tasks} tasks; {done or 'no periodic job due'}")
            if max_ticks is not None and ticks >= max_ticks:
                break
            if not report.tasks:
                stop.wait(interval)
        if leadership is not None:
            leadership.stop()
        realtime.stop_publisher()
        if options["verbosity"] >= 1:
            self.stdout.write(f"Kefu worker {runner.worker_id} stopped after {ticks} ticks.")
