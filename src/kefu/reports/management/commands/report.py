"""`kefu report daily|monthly --client SLUG --date YYYY-MM-DD|YYYY-MM [--json]`.

Makes the client's report of a period that is over (one per provider serving it) and prints it;
a report already in the archive is printed as it was made, never recomputed. Nothing is mailed
(the morning job mails, or "Send" on the report's page). Bad input exits with code 2.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.errors import KefuError
from kefu.core.roles import Role, permissions_for
from kefu.core.scope import OrgKind, Scope
from kefu.reports import services
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "Make (or show) a client's daily report or monthly KPI review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["daily", "monthly"])
        parser.add_argument("--client", required=True, help="The client's short name (slug).")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD (daily) or YYYY-MM (monthly).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        client = tenancy_selectors.organization_by_slug(options["client"])
        if client is None or client.kind != OrgKind.CLIENT:
            raise CommandError(f"No client {options['client']!r}.", returncode=2)
        scope = Scope.platform(
            user_id=None, organization_id=None, permissions=permissions_for(Role.PLATFORM_ADMIN)
        )
        try:
            reports = services.report_generate(
                scope, client_id=client.pk, kind=options["kind"], period=options["date"]
            )
        except KefuError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{field}", returncode=2) from exc
        if options["json"]:
            payload = {
                "client": client.slug,
                "kind": options["kind"],
                "reports": [
                    {
                        "id": r.pk,
                        "provider": r.snapshot["provider"]["name"],
                        "from": r.period_start.isoformat(),
                        "to": r.period_end.isoformat(),
                        "sha256": r.sha256,
                        "digests": r.digests,
                        "snapshot": r.snapshot,
                    }
                    for r in reports
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        for r in reports:
            s = r.snapshot
            self.stdout.write(
                f"#{r.pk} {r.kind} {client.slug} {r.period_start}..{r.period_end} by {s['provider']['name']}"
            )
            if r.kind == "daily":
                self.stdout.write(
                    f"  contacts {s['contacts']['total']}, orders from chats {s['orders']['count']}, "
                    f"after-sales records {s['after_sales']['count']}"
                )
            else:
                self.stdout.write(f"  targets met {s['targets_met']} of {s['targets_measured']}")
                for t in s["targets"]:
                    actual = "n/a" if t["actual"] is None else f"{t['actual']:.2f} %"
                    self.stdout.write(
                        f"    {t['name']:<24} goal {t['target']:g} %  actual {actual}"
                        f"  misses {t['breach_count']}"
                    )
            for m in s["metrics"]:
                value = "n/a" if m["value"] is None else f"{m['value']:g}"
                self.stdout.write(f"  {m['id']:<24} {value} {m['unit']} ({m['count']})")
            for d in r.digests:
                self.stdout.write(f"  digest {d['date']} {d['chain']} {d['head']}")
            self.stdout.write(f"  sha256 {r.sha256}")
