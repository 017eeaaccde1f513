"""`kefu forecast`: interval volume forecast from a history file, with a backtest summary.

Writes `timestamp,forecast` for every open interval of the horizon (to --output, or to
stdout before the summary) and prints a JSON summary as the last line of stdout. Bad
input exits with code 2 and a one-line message.
"""

from __future__ import annotations

import csv
import io
import json
import math
from argparse import ArgumentParser
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.workforce import forecast, history_import

CAMPAIGN_HELP = (
    "a campaign in the horizon: [NAME=]START[:END][:MULTIPLIER], dates as YYYY-MM-DD; "
    "without a multiplier the uplift is learned from campaign-marked history rows. Repeatable."
)


class Command(BaseCommand):
    help = (
        "Forecast offered contacts per interval from a CSV/Excel history, backtested against seasonal naive."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--history", required=True, help="CSV or .xlsx: timestamp, [queue,] offered, …")
        parser.add_argument("--horizon-days", type=int, required=True, help="calendar days to forecast")
        parser.add_argument(
            "--interval-minutes", type=int, help="output interval; a multiple of the history's (aggregates)"
        )
        parser.add_argument(
            "--history-interval-minutes", type=int, help="interval length of the history (default: inferred)"
        )
        parser.add_argument("--output", help="CSV file to write (default: stdout, before the summary)")
        parser.add_argument("--json", action="store_true", help="print only the JSON summary line")
        parser.add_argument("--queue", help="forecast one queue (default: all queues summed)")
        parser.add_argument("--sheet", help="Excel sheet name (default: the first)")
        parser.add_argument(
            "--holidays",
            default="cn",
            help="cn (Chinese statutory holidays and adjusted workdays), none, or a CSV of date,kind",
        )
        parser.add_argument("--campaign", action="append", default=[], help=CAMPAIGN_HELP)
        parser.add_argument(
            "--method",
            default=forecast.AUTO,
            choices=(forecast.AUTO, *forecast.METHODS),
            help="auto picks the method with the lowest backtest WAPE",
        )
        parser.add_argument("--backtest-folds", type=int, default=4, help="rolling origins, one week apart")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary, rows = run(options)
        except (history_import.HistoryImportError, ValueError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["output"] is None:
            self.stdout.write(rows, ending="")
        elif not options["json"]:
            self.stdout.write(_describe(summary))
        self.stdout.write(json.dumps(summary, ensure_ascii=False, allow_nan=False))


def run(options: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Parse, forecast and write; returns the summary and the CSV text (written if --output)."""
    horizon = options["horizon_days"]
    if horizon is None or horizon < 1:
        raise ValueError("--horizon-days must be at least 1")
    history = history_import.load_history(
        options["history"],
        interval_minutes=options.get("history_interval_minutes"),
        sheet=options.get("sheet"),
    )
    interval = options.get("interval_minutes") or history.interval_minutes
    if interval < history.interval_minutes or interval % history.interval_minutes:
        raise ValueError(
            f"--interval-minutes {interval} must be a multiple of the history's "
            f"{history.interval_minutes} minutes"
        )
    history = history_import.aggregate(history, interval)
    queue = options.get("queue")
    if queue is not None and queue not in history.queues:
        raise ValueError(
            f"queue {queue!r} not in the history; queues: {', '.join(history.queues) or '(none)'}"
        )
    first_day = history.last_day + timedelta(days=1)
    calendar = _calendar(
        options.get("holidays") or "cn", history.first_day, first_day + timedelta(days=horizon)
    )
    campaigns = [_parse_campaign(text) for text in options.get("campaign") or ()]
    result = forecast.forecast_volume(
        history.offered(queue),
        interval_minutes=interval,
        horizon_days=horizon,
        calendar=calendar,
        campaigns=campaigns,
        past_campaigns=history.campaign_days(queue),
        method=options.get("method") or forecast.AUTO,
        backtest_folds=options.get("backtest_folds", 4),
        first_day=first_day,
    )
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["timestamp", "forecast"])
    for start, value in result.points:
        writer.writerow([start.isoformat(timespec="seconds"), f"{value:.2f}"])
    output = options.get("output")
    if output is not None:
        Path(output).write_text(rows.getvalue(), encoding="utf-8")
    return _summary(result, history, queue, output), rows.getvalue()


def _calendar(spec: str, first: date, last: date) -> forecast.DayCalendar:
    if spec.lower() in {"cn", "china", "zh"}:
        return forecast.china_calendar(first, last)
    if spec.lower() in {"none", "off", "no"}:
        return forecast.DayCalendar()
    holidays, workdays = history_import.load_day_calendar(spec)
    return forecast.DayCalendar(holidays, workdays)


def _parse_campaign(text: str) -> forecast.Campaign:
    """`[NAME=]START[:END][:MULTIPLIER]`, e.g. `双11=2024-11-01:2024-11-11:1.8`."""
    name, _, spec = text.rpartition("=")
    parts = spec.split(":")
    try:
        start = date.fromisoformat(parts[0])
        end = date.fromisoformat(parts[1]) if len(parts) > 1 and "-" in parts[1] else start
        rest = parts[2:] if len(parts) > 1 and "-" in parts[1] else parts[1:]
        if len(rest) > 1:
            raise ValueError("too many fields")
        multiplier = float(rest[0]) if rest else None
        return forecast.Campaign(start=start, end=end, multiplier=multiplier, name=name.strip())
    except ValueError as exc:
        raise ValueError(
            f"bad --campaign {text!r} ({exc}); expected [NAME=]START[:END][:MULTIPLIER]"
        ) from exc


def _summary(
    result: forecast.Forecast, history: history_import.VolumeHistory, queue: str | None, output: str | None
) -> dict[str, Any]:
    backtest_keys = (
        "wape",
        "mape",
        "mase",
        "baseline_wape",
        "baseline_mape",
        "improvement_vs_seasonal_naive",
    )
    backtest: dict[str, Any] = dict.fromkeys((*backtest_keys, "folds", "horizon_days", "intervals"))
    if result.backtest is not None:
        backtest.update({k: v for k, v in result.backtest.as_dict().items() if k != "method"})
    return _finite(
        {
            "method": result.method,
            "interval_minutes": result.interval_minutes,
            "horizon_days": result.horizon_days,
            "first_day": result.first_day.isoformat(),
            "last_day": (result.first_day + timedelta(days=result.horizon_days - 1)).isoformat(),
            "intervals": len(result.points),
            "total_forecast": round(sum(v for _, v in result.points), 1),
            "closed_days": [d.isoformat() for d in result.closed_days],
            "queue": queue,
            "queues": [q for q in history.queues if q],
            "history": {
                "first_day": history.first_day.isoformat(),
                "last_day": history.last_day.isoformat(),
                "interval_minutes": history.interval_minutes,
                "rows": len(history.records),
            },
            "backtest": backtest,
            "candidates": {m: round(a.wape, 4) for m, a in result.candidates.items()},
            "campaign_uplift": {k: round(v, 3) for k, v in result.campaign_uplift.items()},
            "output": output,
        }
    )


def _finite(value: Any) -> Any:
    """NaN (e.g. MAPE with no non-zero actuals) becomes null so the line stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _describe(summary: dict[str, Any]) -> str:
    backtest = summary["backtest"]
    text = (
        f"Forecast {summary['horizon_days']} days from {summary['first_day']}: "
        f"{summary['intervals']} intervals of {summary['interval_minutes']} min, "
        f"{summary['total_forecast']:g} contacts, method {summary['method']}."
    )
    if backtest["wape"] is not None:
        improvement = backtest["improvement_vs_seasonal_naive"]
        text += (
            f"\nBacktest ({backtest['folds']} folds × {backtest['horizon_days']} days): "
            f"WAPE {backtest['wape']:.1%}, MASE {backtest['mase']:.2f}; seasonal naive WAPE "
            f"{backtest['baseline_wape']:.1%}"
            + (f" ({improvement:.1%} lower)." if improvement is not None else ".")
        )
    return text + f"\nWrote {summary['output']}."
