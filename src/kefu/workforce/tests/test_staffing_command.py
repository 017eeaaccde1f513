"""`kefu staffing` (the `staffing` management command): JSON output, readable output, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SETTINGS = "kefu.config.settings.test"
CLASSIC = ["--calls", "100", "--interval", "1800", "--aht", "180", "--target-answer", "20"]


@pytest.fixture(scope="module", autouse=True)
def _django_ready() -> None:
    """Works under pytest-django (already set up) and without it (``-p no:django``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    django.setup()


def run(*args: str) -> dict:
    out = StringIO()
    call_command("staffing", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_solves_the_classic_example() -> None:
    result = run(*CLASSIC, "--target-sl", "0.8", "--max-occupancy", "0.85", "--shrinkage", "0.3")
    assert list(result) == [
        "model",
        "traffic_erlangs",
        "feasible",
        "agents",
        "scheduled_agents",
        "service_level",
        "probability_wait",
        "asa_seconds",
        "occupancy",
    ]
    assert result["model"] == "erlang_c"
    assert result["traffic_erlangs"] == 10.0
    assert result["feasible"] is True
    assert result["agents"] == 14
    assert result["scheduled_agents"] == 20
    assert result["service_level"] == pytest.approx(0.88835, abs=1e-5)
    assert result["probability_wait"] == pytest.approx(0.17413, abs=1e-5)
    assert result["asa_seconds"] == pytest.approx(7.836, abs=1e-3)
    assert result["occupancy"] == pytest.approx(10 / 14)


def test_evaluates_a_given_staffing() -> None:
    result = run(*CLASSIC, "--agents", "13")
    assert result["agents"] == 13 and result["scheduled_agents"] == 13
    assert result["service_level"] == pytest.approx(0.79559, abs=1e-5)
    assert result["feasible"] is True


def test_unstable_staffing_reports_null_asa() -> None:
    result = run(*CLASSIC, "--agents", "10")
    assert result["feasible"] is False
    assert result["asa_seconds"] is None
    assert result["service_level"] == 0.0
    assert result["probability_wait"] == 1.0


def test_erlang_a_output() -> None:
    result = run(*CLASSIC, "--target-sl", "0.8", "--patience", "120", "--max-abandon", "0.02")
    assert result["model"] == "erlang_a"
    assert list(result) == [
        "model",
        "traffic_erlangs",
        "feasible",
        "agents",
        "scheduled_agents",
        "service_level",
        "service_level_answered",
        "probability_wait",
        "asa_seconds",
        "occupancy",
        "abandon_probability",
    ]
    assert result["abandon_probability"] <= 0.02
    assert result["service_level"] >= 0.8
    assert result["service_level_answered"] >= result["service_level"]
    assert result["agents"] == 15  # 12 meet 80/20, but abandonment is 2.3 % at 14 agents


def test_infeasible_target() -> None:
    result = run(*CLASSIC, "--target-sl", "1")
    assert result["feasible"] is False
    assert result["agents"] is None and result["scheduled_agents"] is None
    assert result["service_level"] is None


def test_no_calls() -> None:
    result = run(
        "--calls", "0", "--interval", "1800", "--aht", "180", "--target-answer", "20", "--target-sl", "0.8"
    )
    assert result["agents"] == 0 and result["scheduled_agents"] == 0 and result["feasible"] is True
    assert result["occupancy"] is None


def test_readable_summary() -> None:
    out = StringIO()
    call_command(
        "staffing", *CLASSIC, "--target-sl", "0.8", "--shrinkage", "0.3", "--patience", "120", stdout=out
    )
    text = out.getvalue()
    assert "Erlang A" in text and "12 on the phones, 18 scheduled" in text and "Abandonment" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--aht", "-180"], "--aht"),
        (["--target-sl", "1.2"], "--target-sl"),
        (["--shrinkage", "1"], "--shrinkage"),
        (["--max-occupancy", "0"], "--max-occupancy"),
        (["--patience", "0"], "--patience"),
        (["--max-abandon", "0.1"], "--max-abandon needs --patience"),
        (["--agents", "12"], "exactly one of"),  # both
        (["--calls", "nan"], "finite"),
    ],
)
def test_invalid_input_exits_2(args: list[str], message: str) -> None:
    base = {
        "--calls": "100",
        "--interval": "1800",
        "--aht": "180",
        "--target-answer": "20",
        "--target-sl": "0.8",
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [item for pair in base.items() for item in pair]
    if "--agents" in args:
        argv += ["--agents", "12"]
    with pytest.raises(CommandError, match=message) as info:
        call_command("staffing", *argv)
    assert info.value.returncode == 2


def test_neither_target_nor_agents_exits_2() -> None:
    with pytest.raises(CommandError, match="exactly one of") as info:
        call_command("staffing", *CLASSIC)
    assert info.value.returncode == 2


def subprocess_staffing(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "django", "staffing", *args, f"--settings={SETTINGS}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_command_line_exit_codes() -> None:
    ok = subprocess_staffing(*CLASSIC, "--target-sl", "0.8", "--shrinkage", "0.3", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["scheduled_agents"] == 20
    bad_value = subprocess_staffing(*CLASSIC, "--target-sl", "1.5", "--json")
    assert bad_value.returncode == 2
    assert "--target-sl must be between 0 and 1" in bad_value.stderr
    not_a_number = subprocess_staffing(*CLASSIC, "--target-sl", "high")
    assert not_a_number.returncode == 2
    assert "invalid float value" in not_a_number.stderr
