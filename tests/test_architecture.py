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
        "workforce/schedule.py",
        "workforce/simulate.py",
        "desk/sla_clock.py",
        "desk/redaction.py",
        "desk/masking.py",
    ]
    for relative in cores:
        path = ROOT / "src" / "kefu" / relative
        if path.exists():
            assert not re.search(r"^\s*(from|import) django", path.read_text(), re.M), relative


def _selector_modules() -> list[Path]:
    """Every module of reads: `selectors.py`, `*_selectors.py` and the modules of `selectors/` packages."""
    kefu = ROOT / "src" / "kefu"
    found = [*kefu.glob("*/selectors.py"), *kefu.glob("*/*_selectors.py"), *kefu.glob("*/selectors/*.py")]
    return sorted(p for p in found if "tests" not in p.parts)


def test_selectors_never_write() -> None:
    """Reads never write: a selector that must trigger work leaves it to a service, a task or a job."""
    writes = re.compile(
        r"\.(objects|all_tenants)\.(create|bulk_create|get_or_create|update_or_create)\("
        r"|\.(save|delete|bulk_update|get_or_create|update_or_create)\("
        r"|\b(INSERT\s+INTO|DELETE\s+FROM)\b"
    )
    modules = _selector_modules()
    assert ROOT / "src" / "kefu" / "desk" / "selectors" / "sla.py" in modules
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if writes.search(line)
    ]
    assert not offenders, "move the write into a service:\n" + "\n".join(offenders)
