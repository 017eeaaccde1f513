"""`kefu staffing`: agents for one interval of one queue (Erlang C, or Erlang A with --patience).

Thin: parse, validate, call kefu.workforce.erlang, render. Invalid input exits with code 2.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.workforce import staffing

QUERY_FIELDS = (
    "calls",
    "interval",
    "aht",
    "target_answer",
    "target_sl",
    "agents",
    "max_occupancy",
    "shrinkage",
    "patience",
    "max_abandon",
    "max_asa",
    "sl_basis",
)


def _invalid(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Staffing for one interval of one queue: solve for agents (--target-sl) or evaluate a given "
        "staffing (--agents). Erlang C by default; --patience switches to Erlang A (abandonment)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=float, required=True, help="Calls offered in the interval.")
        parser.add_argument("--interval", type=float, required=True, help="Interval length in seconds.")
        parser.add_argument("--aht", type=float, required=True, help="Average handle time in seconds.")
        parser.add_argument(
            "--target-answer", type=float, required=True, help="Service-level threshold T in seconds."
        )
        parser.add_argument(
            "--target-sl", type=float, help="Service-level target in [0, 1]: solve for agents."
        )
        parser.add_argument("--agents", type=int, help="Agents on the phones: evaluate this staffing.")
        parser.add_argument("--max-occupancy", type=float, help="Occupancy cap in (0, 1].")
        parser.add_argument("--shrinkage", type=float, default=0.0, help="Shrinkage in [0, 1) (default 0).")
        parser.add_argument("--patience", type=float, help="Mean patience in seconds: use Erlang A.")
        parser.add_argument("--max-abandon", type=float, help="Abandonment cap in [0, 1] (needs --patience).")
        parser.add_argument("--max-asa", type=float, help="Cap on the average speed of answer, in seconds.")
        parser.add_argument(
            "--sl-basis",
            choices=("offered", "answered"),
            default="offered",
            help="Erlang A: the SL target counts abandons as failures (offered, default) or ignores them.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        query = staffing.StaffingQuery(
            **{name: options[name] for name in QUERY_FIELDS if options.get(name) is not None},
        )
        try:
            payload = staffing.staffing_report(query)
        except staffing.StaffingInputError as exc:
            raise _invalid(exc.cli_message) from exc
        except ValueError as exc:
            raise _invalid(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(payload))
        else:
            self.stdout.write(self._summary(payload, options))

    # ---- render
    @staticmethod
    def _summary(p: dict[str, Any], o: dict[str, Any]) -> str:
        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1%}"

        model = "Erlang A (abandonment)" if p["model"] == "erlang_a" else "Erlang C"
        lines = [f"Model: {model}; traffic {p['traffic_erlangs']:.3f} Erlangs"]
        if not p["feasible"] and p["agents"] is None:
            lines.append("Infeasible: no number of agents meets every target.")
            return "\n".join(lines)
        if not p["feasible"]:
            lines.append("Warning: this staffing does not meet the targets (or the queue is unstable).")
        lines.append(f"Agents: {p['agents']} on the phones, {p['scheduled_agents']} scheduled")
        sl_line = f"Service level ({o['target_answer']:g} s): {pct(p['service_level'])}"
        if "service_level_answered" in p:
            sl_line += f" of offered, {pct(p['service_level_answered'])} of answered"
        lines.append(sl_line)
        lines.append(f"Probability of waiting: {pct(p['probability_wait'])}")
        asa = p["asa_seconds"]
        lines.append("Average speed of answer: " + ("unbounded" if asa is None else f"{asa:.1f} s"))
        lines.append(f"Occupancy: {pct(p['occupancy'])}")
        if "abandon_probability" in p:
            lines.append(f"Abandonment: {pct(p['abandon_probability'])}")
        return "\n".join(lines)
