"""`kefu quote`: one JSON object from two files; a bad file exits 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.engagements.quoting.tests.test_estimate import COST, INTAKE


def _files(tmp_path: Path, intake: object, cost: object) -> tuple[str, str]:
    (tmp_path / "intake.json").write_text(json.dumps(intake), encoding="utf-8")
    (tmp_path / "cost.json").write_text(json.dumps(cost), encoding="utf-8")
    return str(tmp_path / "intake.json"), str(tmp_path / "cost.json")


def test_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    intake, cost = _files(tmp_path, INTAKE, COST)
    call_command("quote", intake=intake, cost_model=cost, options="8,10", json=True)
    out = json.loads(capsys.readouterr().out)
    assert [o["seats"] for o in out["options"]] == [8, 10]
    assert len(out["staffing"]["seats_per_hour"]) == 15
    # 6 760 / 0.82 = 8 243.90 a seat
    assert out["options"][0]["prices"]["seat_month"] == {
        "rate_per_seat_month": "8243.90",
        "monthly": "65951.22",
    }
    assert out["options"][0]["cost_lines"][0]["line"] == "salary"


@pytest.mark.parametrize(
    ("intake", "cost", "named"),
    [
        (INTAKE | {"daily_inquiries": "lots"}, COST, "daily_inquiries"),
        (INTAKE, COST | {"margin": None}, "margin"),
        ([], COST, "intake"),
    ],
)
def test_bad_files_exit_2_naming_the_field(tmp_path: Path, intake: object, cost: object, named: str) -> None:
    intake_path, cost_path = _files(tmp_path, intake, cost)
    with pytest.raises(CommandError) as caught:
        call_command("quote", intake=intake_path, cost_model=cost_path, json=True)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(named)


def test_unreadable_and_non_json_files_exit_2(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("quote", intake=str(tmp_path / "broken.json"), cost_model=str(tmp_path / "none.json"))
    assert caught.value.returncode == 2
