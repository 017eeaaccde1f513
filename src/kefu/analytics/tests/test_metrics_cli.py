"""`kefu metrics`: the dictionary, a figure as the API computes it, exit code 2 on bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kefu.analytics.metrics.dictionary import METRICS
from kefu.analytics.tests.builders import DAY, Day, not_measured_yet
from kefu.testing.plugin import Tenants


def run(*args: str) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_without_an_id_it_lists_the_dictionary(db: None) -> None:
    rows = json.loads(run("--json"))

    assert [row["id"] for row in rows] == list(METRICS)
    assert "first_response_time" in run()


def test_a_figure_of_a_client_with_its_series(tenants: Tenants, day: Day) -> None:
    payload = json.loads(
        run(
            "first_response_time",
            "--client",
            "ca1",
            "--from",
            DAY,
            "--to",
            DAY,
            "--interval",
            "day",
            "--json",
        )
    )
    text = run("offered", "--client", "ca1", "--from", DAY, "--to", DAY)

    assert (payload["count"], payload["median"], payload["time_zone"]) == (3, 31.0, "Asia/Shanghai")
    assert payload["value"] == pytest.approx(121 / 3)
    assert payload["series"][0]["start"] == "2026-03-02T00:00:00+08:00"
    assert text.startswith("offered ca1 2026-03-02..2026-03-02: 5 conversations")


@pytest.mark.parametrize(
    "args",
    [
        ("offered", "--from", DAY, "--to", DAY),
        ("offered", "--client", "nobody", "--from", DAY, "--to", DAY),
        ("offered", "--client", "ca1", "--from", "2026-03-05", "--to", DAY),
        ("offered", "--client", "ca1", "--from", "yesterday", "--to", DAY),
        ("nothing", "--client", "ca1", "--from", DAY, "--to", DAY),
    ],
)
def test_bad_input_exits_with_code_2(tenants: Tenants, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as raised:
        run(*args)

    assert raised.value.returncode == 2


def test_a_metric_not_measured_yet_exits_with_code_2(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_measured_yet(monkeypatch, "qa_score")

    with pytest.raises(CommandError) as raised:
        run("qa_score", "--client", "ca1", "--from", DAY, "--to", DAY)

    assert raised.value.returncode == 2
