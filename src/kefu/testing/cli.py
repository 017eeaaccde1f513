"""The `kefu` command as its tests run it: in a subprocess, on its own directory (SQLite).

`kefu migrate` on an empty database takes half a minute here (Django renders the migration
state again for each of some 400 operations). A test that needs an installed, empty database
copies one made once per test run, whichever xdist worker asks first; `kefu demo` on an empty
directory (tests/test_cli.py) still applies every migration from scratch.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATABASE_FILES = ("kefu.sqlite3", "secret_key")


def run_kefu(
    *args: str, var_dir: Path, timeout: int = 600, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`kefu ARGS` as an operator runs it on `var_dir`: no server database or Redis from the
    test's environment (SQLite in `var_dir`, unless `database_url`), the installation's own
    settings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "KEFU_SECRET_KEY"}}
    env.update({"KEFU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "kefu.config.settings.base"})
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def migrated_copy(factory: pytest.TempPathFactory, name: str = "kefu-var") -> Path:
    """A new directory holding a migrated, empty installation."""
    template = _migrated_template(factory)
    copy = factory.mktemp(name)
    for filename in DATABASE_FILES:
        shutil.copy2(template / filename, copy / filename)
    return copy


def _migrated_template(factory: pytest.TempPathFactory) -> Path:
    """The run's one migrated installation: made under a lock in the directory all xdist
    workers of this run share, by the first to ask."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    template = root / "kefu-migrated"
    with open(root / "kefu-migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / DATABASE_FILES[0]).exists():
            building = root / "kefu-migrated.partial"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            result = run_kefu("migrate", "-v0", var_dir=building)
            assert result.returncode == 0, result.stderr
            building.rename(template)
    return template
