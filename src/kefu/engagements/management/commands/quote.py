"""`kefu quote --intake FILE.json --cost-model FILE.json --json`: a quote from two files.

Thin: read the files, parse them with the quoting core, print `quote_core.build_quote`, the same
object the quote page shows. A bad file exits with code 2 and names the wrong field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.engagements.quoting import intake as intake_core
from kefu.engagements.quoting import quote_core


def _invalid(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _read(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _invalid(f"{what}: cannot read {path} ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(f"{what}: {path} is not JSON ({exc})") from exc


class Command(BaseCommand):
    help = (
        "Staffing estimate and price of an outsourcing quote from an intake and a cost model "
        "(JSON files, shapes in docs/engagements-quotes.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--intake", required=True, help="The intake, a JSON file.")
        parser.add_argument("--cost-model", required=True, help="The provider's cost model, a JSON file.")
        parser.add_argument(
            "--options", help="Seat counts to price, comma-separated (default: recommended and ±2)."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        seats = None
        if options["options"]:
            try:
                seats = [int(s) for s in options["options"].split(",")]
            except ValueError as exc:
                raise _invalid("--options must be whole numbers separated by commas") from exc
        try:
            intake = intake_core.parse_intake(_read(options["intake"], "intake"))
            cost = intake_core.parse_cost_model(_read(options["cost_model"], "cost model"))
            quote = quote_core.build_quote(intake, cost, options=seats)
        except intake_core.QuoteInputError as exc:
            raise _invalid(f"{exc.field}: {exc.message}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(quote, ensure_ascii=False))
            return
        staffing = quote["staffing"]
        self.stdout.write(
            f"{quote['client_name']}: {staffing['seats_recommended']} seats recommended "
            f"({staffing['seats_normal_day']} on a normal day, "
            f"{staffing['seats_campaign_day']} on a campaign day)"
        )
        for row in quote["options"]:
            sl = row["expected_service_level"]
            self.stdout.write(
                f"  {row['seats']:>4} seats  SL {'—' if sl is None else f'{sl:.1%}'}  "
                f"{row['prices']['seat_month']['monthly']} {quote['currency']}/month"
            )
