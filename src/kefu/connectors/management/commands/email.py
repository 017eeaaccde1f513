from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.connectors import email


class Command(BaseCommand):
    help = (
        "The email channel's jobs. `kefu email poll` reads new mail from every active mailbox's "
        "IMAP folder; `kefu email send` sends agents' queued replies by SMTP, retrying failures "
        "with backoff. With --once each does one pass and exits (cron); without, it keeps going."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="Take in new mail from the mailboxes' IMAP folders.")
        poll.add_argument("--once", action="store_true", help="One pass, then exit.")
        poll.add_argument("--interval", type=float, default=60.0, help="Seconds between passes.")
        send = sub.add_parser("send", help="Send queued replies by SMTP.")
        send.add_argument("--once", action="store_true", help="One pass, then exit.")
        send.add_argument("--interval", type=float, default=5.0, help="Seconds between passes.")
        send.add_argument("--limit", type=int, default=50, help="Replies per pass.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        while True:
            if action == "poll":
                count = email.poll_mailboxes()
                if count or options["once"]:
                    self.stdout.write(f"received={count}")
            else:
                count = email.send_due(limit=options["limit"])
                if count or options["once"]:
                    self.stdout.write(f"sent={count}")
            if options["once"]:
                return
            time.sleep(max(options["interval"], 0.5))
