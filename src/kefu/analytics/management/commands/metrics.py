"""`kefu metrics [ID] --client SLUG --from DATE --to DATE [--interval I] [--json]`.

Without an id: the dictionary. With one: the figure for the client over its calendar days,
computed exactly as the API computes it (the operator's view over every provider serving the
client). Invalid input exits with code 2 and the reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.analytics.metrics import queries
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core.errors import KefuError
from kefu.core.scope import OrgKind, Scope
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "Print the metric dictionary, or one metric of one client over a period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("metric", nargs="?", help="A metric id (none: list the dictionary).")
        parser.add_argument("--client", help="The client's short name (slug).")
        parser.add_argument("--from", dest="date_from", help="First day, YYYY-MM-DD (the client's calendar).")
        parser.add_argument("--to", dest="date_to", help="Last day, YYYY-MM-DD, inclusive.")
        parser.add_argument("--interval", help="15m, hour, day, week or month: also print the series.")
        parser.add_argument("--queue", default="", help="Only this queue.")
        parser.add_argument("--channel", default="", help="Only this channel.")
        parser.add_argument("--agent", help="Only this agent's figures (username).")
        parser.add_argument("--threshold-s", type=float, help="service_level: the answer threshold (s).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["metric"]:
            self._dictionary(options["json"])
            return
        try:
            self._figure(options)
        except KefuError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{field}", returncode=2) from exc

    def _dictionary(self, as_json: bool) -> None:
        metrics = queries.metric_list()
        if as_json:
            rows = [
                {
                    "id": m.id,
                    "name": str(m.name),
                    "unit": m.unit,
                    "direction": m.direction,
                    "formula": m.formula,
                    "available": m.available,
                }
                for m in metrics
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for m in metrics:
            note = "" if m.available else "  (not available yet)"
            self.stdout.write(f"{m.id:<26} {m.name} [{m.unit}]{note}")

    def _figure(self, options: dict[str, Any]) -> None:
        if not options["client"]:
            raise CommandError("Give --client SLUG.", returncode=2)
        client = tenancy_selectors.organization_by_slug(options["client"])
        if client is None or client.kind != OrgKind.CLIENT:
            raise CommandError(f"No client {options['client']!r}.", returncode=2)
        agent_id = None
        if options["agent"]:
            user = tenancy_selectors.user_get_by_username(options["agent"])
            if user is None:
                raise CommandError(f"No user {options['agent']!r}.", returncode=2)
            agent_id = user.pk
        # The operator's command: every provider's work for this client (the query names the client).
        scope = Scope.platform(user_id=None, organization_id=None, permissions=frozenset(AnalyticsPerm))
        query = queries.metric_query(
            scope,
            metric_id=options["metric"],
            client_id=client.pk,
            date_from=options["date_from"],
            date_to=options["date_to"],
            queue=options["queue"],
            channel=options["channel"],
            agent_id=agent_id,
            interval=options["interval"],
            threshold_s=options["threshold_s"],
        )
        result = queries.metric_value(scope, query).result
        payload = {
            "metric": query.metric.id,
            "client": client.slug,
            "from": query.first.isoformat(),
            "to": query.last.isoformat(),
            "time_zone": query.tz.key,
            "value": result.value,
            "count": result.count,
            "unit": query.metric.unit,
            "median": result.median,
            "series": result.series,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        value = "n/a" if result.value is None else f"{result.value:.2f}".rstrip("0").rstrip(".")
        line = (
            f"{query.metric.id} {client.slug} {payload['from']}..{payload['to']}: {value} {query.metric.unit}"
        )
        line += f" (count {result.count}"
        line += f", median {result.median:g})" if result.median is not None else ")"
        self.stdout.write(line)
        for point in result.series:
            shown = "n/a" if point["value"] is None else f"{point['value']:g}"
            self.stdout.write(f"  {point['start']}  {shown}  ({point['count']})")
