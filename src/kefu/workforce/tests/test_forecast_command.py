"""`kefu forecast`: CSV rows for every open interval, a JSON summary last, exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from kefu.workforce.management.commands import forecast as forecast_command

if not settings.configured:  # run with `-p no:django` while project settings are unavailable
    settings.configure()
    django.setup()


def write_history(path: Path, *, weeks: int = 6, step: int = 5) -> Path:
    """Weekdays 09:00–12:00 at `step` minutes, closed on weekends; a queue column.

    Mid-2023 has no Chinese statutory holiday, so the default `--holidays cn` changes nothing.
    """
    lines = ["Timestamp,Queue,Offered"]
    noise = random.Random(0)
    start = date(2023, 7, 3)
    for i in range(weeks * 7):
        day = start + timedelta(days=i)
        if day.weekday() >= 5:
            continue
        for slot in range(180 // step):
            stamp = datetime(day.year, day.month, day.day, 9) + timedelta(minutes=slot * step)
            lines.append(f"{stamp.isoformat()},hotline,{3 + slot % 5 + day.weekday() + noise.randint(0, 3)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, dict]:
    out = io.StringIO()
    call_command(forecast_command.Command(), *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    return out.getvalue(), json.loads(lines[-1])


def test_writes_every_open_interval_and_a_json_summary_last(tmp_path: Path) -> None:
    history = write_history(tmp_path / "history.csv")
    output = tmp_path / "forecast.csv"

    text, summary = run("--history", str(history), "--horizon-days", "14", "--output", str(output))

    rows = list(csv.reader(output.open(encoding="utf-8")))
    assert rows[0] == ["timestamp", "forecast"]
    assert len(rows) - 1 == summary["intervals"] == 10 * 36  # 10 weekdays × 09:00–12:00 at 5 min
    assert rows[1][0] == "2023-08-14T09:00:00"
    assert summary["interval_minutes"] == 5
    assert summary["horizon_days"] == 14
    assert summary["output"] == str(output)
    assert summary["first_day"] == "2023-08-12"  # the day after the last row
    assert summary["queues"] == ["hotline"]
    backtest = summary["backtest"]
    for key in ("wape", "mape", "mase", "baseline_wape", "improvement_vs_seasonal_naive"):
        assert isinstance(backtest[key], float), key
    assert summary["method"] in summary["candidates"]
    assert "Backtest" in text  # the human summary precedes the JSON line without --json


def test_aggregates_to_a_longer_interval_and_json_only(tmp_path: Path) -> None:
    history = write_history(tmp_path / "history.csv")
    output = tmp_path / "forecast.csv"

    text, summary = run(
        "--history", str(history), "--horizon-days", "7", "--interval-minutes", "15",
        "--output", str(output), "--json", "--method", "profile_level", "--holidays", "none",
    )  # fmt: skip

    assert text.count("\n") == 1  # only the JSON line
    assert summary["interval_minutes"] == 15 and summary["method"] == "profile_level"
    assert summary["intervals"] == 5 * 12
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 60 and rows[1]["timestamp"] == "2023-08-14T09:15:00"


def test_without_output_the_csv_goes_to_stdout_before_the_summary(tmp_path: Path) -> None:
    history = write_history(tmp_path / "history.csv", step=30)

    text, summary = run(
        "--history", str(history), "--horizon-days", "3", "--campaign", "promo=2023-08-14:2023-08-14:2",
    )  # fmt: skip

    lines = text.strip().splitlines()
    assert lines[0] == "timestamp,forecast"
    assert len(lines) == 1 + summary["intervals"] + 1 == 1 + 6 + 1  # Monday only: Sat/Sun closed
    assert summary["output"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon-days", "7"], "history file not found"),
        (["--horizon-days", "0"], "--horizon-days must be at least 1"),
        (["--horizon-days", "7", "--interval-minutes", "7"], "must be a multiple"),
        (["--horizon-days", "7", "--queue", "email"], "queue 'email' not in the history"),
        (["--horizon-days", "7", "--campaign", "2024-13-01"], "bad --campaign"),
        (["--horizon-days", "7", "--campaign", "2023-08-14:2023-08-15"], "no multiplier"),
    ],
)
def test_bad_input_is_a_command_error_with_exit_code_2(tmp_path: Path, args: list[str], message: str) -> None:
    history = tmp_path / "history.csv"
    if "history file not found" not in message:
        write_history(history)
    with pytest.raises(CommandError, match=message) as caught:
        call_command(forecast_command.Command(), "--history", str(history), *args, stdout=io.StringIO())
    assert caught.value.returncode == 2


def test_bad_row_exits_2_with_the_row_number_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.csv"
    history.write_text("timestamp,offered\n2024-01-01 09:00,1\n2024-01-01 09:15,-4\n", encoding="utf-8")

    with pytest.raises(SystemExit) as caught:
        forecast_command.Command().run_from_argv(
            ["kefu", "forecast", "--history", str(history), "--horizon-days", "7"]
        )

    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "row 3: offered is negative" in err
    assert "Traceback" not in err


def test_campaign_argument_forms() -> None:
    parse = forecast_command._parse_campaign
    assert parse("2024-06-18") == forecast_command.forecast.Campaign(date(2024, 6, 18), date(2024, 6, 18))
    assert parse("618=2024-06-01:2024-06-18:1.7") == forecast_command.forecast.Campaign(
        date(2024, 6, 1), date(2024, 6, 18), 1.7, "618"
    )
    assert parse("2024-06-18:2").multiplier == 2.0


def test_registered_as_the_forecast_management_command() -> None:
    from django.core.management import get_commands

    if "kefu.workforce" not in settings.INSTALLED_APPS:
        pytest.skip("project settings not loaded (running with -p no:django)")
    assert get_commands()["forecast"] == "kefu.workforce"
