from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kefu.analytics import rollups, sealing
from kefu.cli.database import migrate_announced
from kefu.cli.progress import Progress, step
from kefu.cli.serving import public_url, serve
from kefu.config.env import served_url_record
from kefu.connectors import demo as connectors_demo
from kefu.desk import demo as desk_demo
from kefu.engagements.contracts import demo as contracts_demo
from kefu.engagements.onboarding import demo as onboarding_demo
from kefu.engagements.quoting import demo as quoting_demo
from kefu.engagements.reviews import demo as reviews_demo
from kefu.floor import demo as floor_demo
from kefu.knowledge import demo as knowledge_demo
from kefu.quality import autoqa_demo
from kefu.quality.calibration import demo as calibration_demo
from kefu.quality.complaints import demo as complaints_demo
from kefu.quality.reviews import demo as quality_demo
from kefu.quality.surveys import demo as surveys_demo
from kefu.reports import services as reports_services
from kefu.routing import demo as routing_demo
from kefu.tenancy import demo as tenancy_demo
from kefu.workforce import demo as workforce_demo


class Command(BaseCommand):
    help = "Set up the embedded database, load Chinese demo data, print the demo accounts, then serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up and print, but do not serve.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve without the background worker (tasks, webhooks, email, SLA checks).",
        )
        parser.add_argument("--reset", action="store_true", help="Erase all data and load the demo afresh.")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object with the URL and accounts."
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=28,
            help="Days of service-desk history to replay for each shop (default 28).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535", returncode=2)
        if not 0 <= options["history_days"] <= 120:
            raise CommandError("--history-days must be between 0 and 120", returncode=2)
        migrate_announced()
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        loaded_now = False
        if not tenancy_demo.is_loaded():
            with transaction.atomic():
                self._load(options)
            # Seal the replayed history now (committed; nothing else writes during the load), so the
            # clients' digest pages show every past day at once instead of after the worker's turn.
            step("Sealing the event log and closing the past days…")
            sealing.seal_pending(lag=0)
            sealing.digests_close()
            rollups.fold(lag=0)  # and the 15-minute rollups, so four weeks of figures read fast at once
            step("Making the last days' reports for the archive…")
            reports_services.demo_load(today=timezone.localdate(), days=min(options["history_days"], 7))
            loaded_now = True
        host = options["host"]
        url = public_url(host, options["port"])
        served_url_record(url)  # `kefu widget create` prints snippets for this address
        accounts = tenancy_demo.accounts()
        if options["json"]:
            payload = {
                "url": url,
                "accounts": [
                    {
                        k: v
                        for k, v in asdict(a).items()
                        if k in {"username", "password", "role", "organization"}
                    }
                    for a in accounts
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo data " + ("loaded." if loaded_now else "already there."))
            )
            self.stdout.write(f"Open {url} and sign in with one of these (password: {accounts[0].password}):")
            for account in accounts:
                line = f"  {account.username:<12} {account.role:<18} {account.organization}"
                self.stdout.write(f"{line}  {account.display_name}")
        if not options["no_serve"]:
            serve(host=host, port=options["port"], worker=not options["no_worker"])

    def _load(self, options: dict[str, Any]) -> None:
        """The demo data, with progress on stderr (stdout carries only the result, so `--json` stays
        one JSON object): a bar on a terminal, a line per tenth of the replay otherwise."""
        today, days = timezone.localdate(), options["history_days"]
        step("Loading the demo organisations, people and quick phrases…")
        tenancy_demo.load(today=today)
        knowledge_demo.load()  # before the replay: the replayed agents send (and count) these phrases
        surveys_demo.load()  # before the replay: its answers keep the survey version they were asked
        with Progress(
            f"Replaying the last {days} day{'' if days == 1 else 's'} of service-desk history",
            desk_demo.replay_steps(days),
            unit="shop-days",
        ) as bar:
            desk_demo.load(
                today=today,
                history_days=days,
                on_day=lambda made: bar.advance(detail=f"{made} conversations"),
            )
        if days >= workforce_demo.MIN_HISTORY_DAYS:
            step("Forecasts, staffing plans and next week's schedule (the solver takes up to 20 s)…")
        workforce_demo.load(today=today, history_days=days)
        routing_demo.load(queues=desk_demo.QUEUES, history_days=days)
        connectors_demo.load(
            origins=[f"http://127.0.0.1:{options['port']}", f"http://localhost:{options['port']}"]
        )
        step("Auto-QA of every closed conversation…")
        autoqa_demo.load()
        quality_demo.load(today=today)  # scorecards, the day's review tasks, finished reviews, appeals
        complaints_demo.load(today=today)  # the complaints register, from the history's complaint cases
        calibration_demo.load(today=today)  # calibration sessions (one closed, with its report), coaching
        floor_demo.load(
            history_days=days
        )  # past and today's shifts, floor alarms and an emergency plan (after the widget)
        quoting_demo.load()  # intakes, cost models, quotes and an RFQ at the early engagement stages
        contracts_demo.load(
            today=today
        )  # a live contract with SLA terms, one onboarding, one awaiting approval
        onboarding_demo.load(today=today)  # 丁卯 taking over 极客数码: checklist, handover at 50 %, risks
        reviews_demo.load(today=today)  # last month's published business review of the live contract
