from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.connectors import webhooks


class Command(BaseCommand):
    help = (
        "Send due outbound webhook deliveries. `kefu webhooks deliver --once` sends what is due and "
        "exits (cron); without --once it keeps polling (`kefu worker` runs the same job)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="POST due deliveries, retrying failures with backoff.")
        deliver.add_argument("--once", action="store_true", help="One pass, then exit.")
        deliver.add_argument("--interval", type=float, default=2.0, help="Seconds between passes.")
        deliver.add_argument("--limit", type=int, default=100, help="Deliveries per pass.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = webhooks.deliver_due(limit=options["limit"])
            if report.delivered or report.retrying or report.failed or options["once"]:
                self.stdout.write(
                    f"delivered={report.delivered} retrying={report.retrying} failed={report.failed}"
                )
            if options["once"]:
                return
            if report.delivered + report.retrying + report.failed < options["limit"]:
                time.sleep(options["interval"])
