"""The `kefu` command as a new user runs it: demo on an empty directory, tokens, bad input."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kefu.testing.cli import migrated_copy, run_kefu


@pytest.fixture(scope="module")
def first_demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`kefu demo` on an empty directory, once per module (the other tests reuse its data)."""
    var_dir = tmp_path_factory.mktemp("kefu-var")
    return var_dir, run_kefu("demo", "--no-serve", "--json", "--history-days", "1", var_dir=var_dir)


@pytest.fixture
def demo_dir(first_demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    var_dir, result = first_demo_run
    assert result.returncode == 0, result.stderr
    return var_dir


def test_demo_on_an_empty_directory_succeeds_twice(
    first_demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    demo_dir, first = first_demo_run
    assert first.returncode == 0, first.stderr
    # --json: stdout is the one JSON object; the progress of the replay went to stderr
    assert len(first.stdout.strip().splitlines()) == 1
    payload = json.loads(first.stdout)
    assert "Setting up the database (" in first.stderr  # the silent half minute, announced
    assert "Replaying the last 1 day of service-desk history…" in first.stderr
    assert "100 % 6/6 shop-days" in first.stderr
    assert payload["url"] == "http://127.0.0.1:8000/"
    roles = {a["role"] for a in payload["accounts"]}
    assert {"agent", "supervisor", "qa_inspector", "trainer", "client_admin", "client_l2"} <= roles
    assert {a["organization"] for a in payload["accounts"]} >= {"丁卯客服外包", "悦家家居旗舰店"}
    assert (demo_dir / "kefu.sqlite3").exists() and (demo_dir / "secret_key").exists()
    with sqlite3.connect(demo_dir / "kefu.sqlite3") as db:
        conversations = db.execute("SELECT COUNT(*) FROM desk_conversation").fetchone()[0]
        offered_sql = "SELECT COUNT(*) FROM analytics_contactevent WHERE type = 'offered'"
        offered = db.execute(offered_sql).fetchone()[0]
        events = db.execute("SELECT COUNT(*) FROM analytics_contactevent").fetchone()[0]
        sealed = db.execute("SELECT COUNT(*) FROM analytics_eventseal").fetchone()[0]
        digests = db.execute("SELECT COUNT(*) FROM analytics_dailydigest").fetchone()[0]
        daily_reports = db.execute("SELECT COUNT(*) FROM reports_report WHERE kind = 'daily'").fetchone()[0]
    assert conversations > 20 and offered == conversations  # replayed through the services
    assert sealed == events and digests > 0  # the history is sealed and its past day has digests
    assert daily_reports == 4  # yesterday's report of each of the four engagements, in the archive

    second = run_kefu("demo", "--no-serve", var_dir=demo_dir)
    assert second.returncode == 0, second.stderr
    assert "already there" in second.stdout and "wanghaitao" in second.stdout
    assert "Setting up the database" not in second.stderr  # nothing left to apply


def test_widget_snippet_follows_the_port_the_demo_serves_on(demo_dir: Path) -> None:
    # given the demo set up for port 8123 (the data is already there)
    assert run_kefu("demo", "--no-serve", "--port", "8123", var_dir=demo_dir).returncode == 0

    # when a widget is made for a demo shop with neither --provider nor --queue
    args = ("--client", "yuejia", "--origin", "https://shop.example.cn", "--json")
    result = run_kefu("widget", "create", *args, var_dir=demo_dir)

    # then its snippet points at port 8123 and its chats wait in the shop's chat queue
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["snippet"].startswith('<script src="http://127.0.0.1:8123/widget/')
    assert printed["queue"] == "悦家-在线"


def test_token_create_prints_a_working_token(demo_dir: Path) -> None:
    result = run_kefu("token", "create", "--user", "lijing", "--json", var_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["token"].startswith("kefu_")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("token", "create", "--user", "nobody"), "No user named"),
        (("token", "create", "--user", "lijing", "--organization", "jike"), "not a member"),
        (("demo", "--no-serve", "--port", "0"), "--port"),
        (("demo", "--no-serve", "--history-days", "-1"), "--history-days"),
        (("serve", "--port", "70000"), "--port"),
        (("report", "daily", "--client", "yuejia", "--date", "2026-13-01"), "YYYY-MM-DD"),
        (("report", "monthly", "--client", "nobody", "--date", "2026-11"), "No client"),
    ],
)
def test_bad_input_exits_2_with_a_message(demo_dir: Path, args: tuple[str, ...], message: str) -> None:
    result = run_kefu(*args, var_dir=demo_dir)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KEFU_ROUTING_WAKE", "sometimes", "KEFU_ROUTING_WAKE must be one of inline, thread, leader"),
        ("KEFU_ACW_SECONDS", "two minutes", "KEFU_ACW_SECONDS must be an integer"),
    ],
)
def test_a_bad_setting_exits_2_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = run_kefu("check", var_dir=tmp_path, timeout=120)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_operator_sets_up_a_real_installation(tmp_path_factory: pytest.TempPathFactory) -> None:
    var_dir = migrated_copy(tmp_path_factory)  # `kefu demo` above applied them from scratch
    assert run_kefu("migrate", "-v0", var_dir=var_dir).returncode == 0  # nothing left to apply
    steps = [
        ("org", "create", "--kind", "provider", "--name", "测试外包", "--slug", "ceshi", "--json"),
        ("org", "create", "--kind", "client", "--name", "测试店", "--slug", "shop", "--json"),
        ("org", "link", "--provider", "ceshi", "--client", "shop", "--json"),
        (
            "org",
            "add-user",
            "--org",
            "ceshi",
            "--username",
            "boss",
            "--password",
            "Very-long-pass-1",
            "--role",
            "provider_admin",
            "--json",
        ),
    ]
    for step in steps:
        result = run_kefu(*step, var_dir=var_dir)
        assert result.returncode == 0, result.stderr
    listing = run_kefu("org", "list", var_dir=var_dir).stdout
    assert "ceshi" in listing and "→ shop" in listing

    wrong_role = run_kefu(
        "org",
        "add-user",
        "--org",
        "shop",
        "--username",
        "x",
        "--password",
        "Very-long-pass-1",
        "--role",
        "agent",
        var_dir=var_dir,
    )
    duplicate = run_kefu(
        "org", "create", "--kind", "client", "--name", "又一个", "--slug", "shop", var_dir=var_dir
    )
    assert wrong_role.returncode == 2 and "no role" in wrong_role.stderr
    assert duplicate.returncode == 2 and "Traceback" not in duplicate.stderr
