from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.cli.database import migrate_announced
from kefu.cli.serving import public_url, serve
from kefu.config.env import served_url_record


class Command(BaseCommand):
    help = "Serve Kefu (HTTP and WebSocket) with uvicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Worker processes (distributed mode).")
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply migrations first.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background worker (run `kefu worker` as its own process instead).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535", returncode=2)
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1", returncode=2)
        if not options["no_migrate"]:
            migrate_announced()
        self.stdout.write(f"Kefu on http://{options['host']}:{options['port']}/")
        # `kefu widget create` prints snippets for this address unless KEFU_BASE_URL says otherwise
        served_url_record(public_url(options["host"], options["port"]))
        if not options["no_worker"]:
            self.stdout.write("Background worker started (tasks, webhooks, email, SLA checks).")
        serve(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            worker=not options["no_worker"],
        )
