"""Rules the code keeps by construction: lint, import layers, no unscoped queries in interfaces."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CHANNELS_CONSUMERS = {
    "AsyncConsumer",
    "SyncConsumer",
    "WebsocketConsumer",
    "AsyncWebsocketConsumer",
    "JsonWebsocketConsumer",
    "AsyncJsonWebsocketConsumer",
    "FannedOutConsumer",  # kefu.core.fanout's base for staff sockets
}
FRAMEWORKS = {"django", "channels", "ninja", "django_tasks", "django_otp"}
NOT_DOMAIN = ("kefu.config", "kefu.cli", "kefu.testing")  # settings and entry points, not cores


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


@cache
def _modules() -> dict[str, Path]:
    """Every module of the project (not its tests or migrations), by dotted name."""
    found = {}
    for path in sorted((SRC / "kefu").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@cache
def _tree(name: str) -> ast.Module:
    return ast.parse(_modules()[name].read_text())


def _imports(name: str) -> set[str]:
    """Absolute imports of a module: `import a.b` gives a.b, `from a import b` gives a and a.b."""
    found = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _imported_modules(name: str) -> set[str]:
    """The project modules a module imports (`from kefu.desk import views` names kefu.desk.views,
    not the package)."""
    modules = _modules()
    found = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if dotted in modules:
                    found.add(dotted)
                elif node.module in modules:
                    found.add(node.module)
    return found


def _name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


@cache
def interface_modules() -> dict[str, set[str]]:
    """The modules that face the outside, found by what they do, whatever their file name:
    views (a urls module imports them), API routes (they make a ninja Router or NinjaAPI),
    Channels consumers, management commands and background tasks."""
    modules = _modules()
    roles: dict[str, set[str]] = {}
    for name in modules:
        if name.rsplit(".", 1)[-1].endswith("urls"):
            for imported in _imported_modules(name):
                if not imported.rsplit(".", 1)[-1].endswith("urls"):
                    roles.setdefault(imported, set()).add("views")
    for name in modules:
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.Call) and _name(node) in {"Router", "NinjaAPI"}:
                roles.setdefault(name, set()).add("routes")
            elif isinstance(node, ast.ClassDef):
                bases = {_name(base) for base in node.bases}
                if bases & {"Router", "NinjaAPI"}:  # its own flavour of API (config.api's KefuNinjaAPI)
                    roles.setdefault(name, set()).add("routes")
                if bases & CHANNELS_CONSUMERS:
                    roles.setdefault(name, set()).add("consumer")
                if "BaseCommand" in bases:
                    roles.setdefault(name, set()).add("command")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _name(decorator) == "task" for decorator in node.decorator_list
            ):
                roles.setdefault(name, set()).add("task")
    return roles


def test_interfaces_are_found_by_what_they_do_not_by_their_file_name() -> None:
    found = interface_modules()
    expected = {
        "kefu.desk.views": "views",
        "kefu.workforce.rostering.views": "views",
        "kefu.workforce.simulation_views": "views",
        "kefu.desk.api": "routes",
        "kefu.workforce.rostering.api": "routes",
        "kefu.config.api": "routes",
        "kefu.desk.consumers": "consumer",
        "kefu.connectors.consumers": "consumer",
        "kefu.desk.management.commands.sla_check": "command",
        "kefu.workforce.rostering.tasks": "task",
    }
    for module, role in expected.items():
        assert role in found.get(module, set()), module
    # modules that serve interfaces without being one
    for module in ("kefu.desk.workspace", "kefu.desk.selectors", "kefu.desk.schemas", "kefu.web.roles"):
        assert module not in found, module


def test_interfaces_never_query_models_directly() -> None:
    offenders = []
    for name in interface_modules():
        path = _modules()[name]
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.(objects|all_tenants)\.", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "use a selector or service instead:\n" + "\n".join(offenders)


def _contract(name_start: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["name"].startswith(name_start))


def _matches(module: str, pattern: str) -> bool:
    """import-linter's wildcards: `*` one segment, `**` any number of them."""
    regex = re.escape(pattern).replace(r"\*\*", "[\\w.]+").replace(r"\*", r"\w+")
    return re.fullmatch(regex, module) is not None


def test_the_import_contract_covers_every_interface() -> None:
    """ "Interfaces do not import models" lists every interface module, so a new one (any name)
    fails here until it is listed."""
    patterns = _contract("interfaces do not import models")["source_modules"]
    missing = [m for m in sorted(interface_modules()) if not any(_matches(m, p) for p in patterns)]
    assert not missing, "add to the contract in pyproject.toml: " + ", ".join(missing)


@cache
def _pure(name: str) -> bool:
    """Imports no framework, directly or through another project module."""
    imports = _imports(name)
    if any(imported.split(".")[0] in FRAMEWORKS for imported in imports):
        return False
    return all(_pure(imported) for imported in imports if imported in _modules() and imported != name)


def test_every_pure_core_is_held_to_it_by_the_import_contract() -> None:
    """A module of an app that imports no Django is a pure core; the contract lists all of them,
    so none can start importing Django unnoticed (and the list is not pruned by mistake)."""
    cores = {
        name
        for name in _modules()
        if not name.startswith(NOT_DOMAIN) and _imports(name) and name.count(".") > 1 and _pure(name)
    }
    listed = set(_contract("pure cores import no Django")["source_modules"])
    assert cores == listed, f"not listed: {sorted(cores - listed)}; not pure: {sorted(listed - cores)}"


def test_pure_cores_import_no_django() -> None:
    for name in _contract("pure cores import no Django")["source_modules"]:
        assert name in _modules(), f"{name} is listed as a pure core but does not exist"
        assert _pure(name), name


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
