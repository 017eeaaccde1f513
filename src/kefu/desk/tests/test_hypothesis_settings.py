"""The desk's property tests keep the project's unhurried hypothesis profile (testing/plugin.py).

An explicit `@settings(suppress_health_check=[...])` replaces the profile's list instead of
adding to it, and an explicit `deadline=` replaces the profile's `None`: either brings back the
wall-clock checks that fail on a loaded machine while the code is right (a flaky test).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _settings_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "settings":
                found.append((f"{path.name}:{node.lineno}", node))
    return found


def test_the_parser_finds_the_desks_property_settings() -> None:
    assert len(_settings_calls()) >= 10


def test_no_desk_property_test_brings_back_a_wall_clock_check() -> None:
    # given every @settings(...) of the desk's tests, when one names its health checks or a
    # deadline, then too_slow stays suppressed and the deadline stays off
    wrong = []
    for where, call in _settings_calls():
        for keyword in call.keywords:
            if keyword.arg == "suppress_health_check":
                names = {getattr(e, "attr", None) for e in getattr(keyword.value, "elts", [])}
                if "too_slow" not in names:
                    wrong.append(f"{where}: suppress_health_check without HealthCheck.too_slow")
            if keyword.arg == "deadline" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is None
            ):
                wrong.append(f"{where}: a deadline")
    assert wrong == []
