"""Rules the code keeps by construction: lint, import layers, no unscoped queries in interfaces."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTERFACE_FILES = ("api.py", "views.py", "consumers.py", "tasks.py")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in the project environment")
    return found


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_interfaces_never_query_models_directly() -> None:
    offenders = []
    for path in (ROOT / "src" / "kefu").rglob("*.py"):
        if path.name in INTERFACE_FILES and "tests" not in path.parts:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\.(objects|all_tenants)\.", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "use a selector or service instead:\n" + "\n".join(offenders)


def test_pure_cores_import_no_django() -> None:
    cores = [
        "workforce/erlang.py",
        "workforce/forecast.py",
        "workforce/rostering/problem.py",
        "workforce/rostering/engines.py",
        "workforce/rostering/model.py",
        "workforce/rostering/repair.py",
        "workforce/rostering/extract.py",
        "workforce/rostering/solver.py",
        "workforce/simulate.py",
        "desk/sla_clock.py",
        "desk/redaction.py",
        "desk/masking.py",
    ]
    for relative in cores:
        path = ROOT / "src" / "kefu" / relative
        if path.exists():
            assert not re.search(r"^\s*(from|import) django", path.read_text(), re.M), relative
