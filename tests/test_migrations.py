"""The tests build their databases from the models (`--no-migrations` in pytest's options: 3 s
instead of 30 s per database), so the migrations must describe exactly those models: a model
change without its migration fails here. Applying the migrations themselves is covered by
`kefu demo` on an empty directory (`tests/test_cli.py`) on SQLite, and below on PostgreSQL when
the tests run there (some migrations do more on PostgreSQL: storage settings, covering indexes)."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from kefu.testing.cli import run_kefu


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written(settings: Any) -> None:
    settings.MIGRATION_MODULES = {}  # the apps' own migrations (`--no-migrations` hides them)
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as stopped:  # --check exits 1 when a migration is missing
        pytest.fail(f"a model changed without its migration (exit {stopped.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_the_migrations_apply_to_an_empty_postgresql_database(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite, `kefu demo` applies them (tests/test_cli.py)")
    import psycopg

    settings_dict = connection.settings_dict
    server = {key: settings_dict[key.upper()] or None for key in ("host", "port", "user", "password")}
    name = f"kefu_migrate_{os.getpid()}"
    password = f":{quote(server['password'])}" if server["password"] else ""
    credentials = quote(server["user"] or "") + password
    url = f"postgres://{credentials}@{server['host'] or 'localhost'}:{server['port'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            applied = run_kefu("migrate", "-v0", var_dir=tmp_path, database_url=url)
            assert applied.returncode == 0, applied.stderr
            assert run_kefu("migrate", "--check", var_dir=tmp_path, database_url=url).returncode == 0
            with psycopg.connect(dbname=name, **server) as migrated:
                options = migrated.execute(
                    "SELECT reloptions FROM pg_class WHERE relname = 'analytics_contactevent'"
                ).fetchone()
            assert "autovacuum_vacuum_scale_factor=0.02" in options[0]  # a PostgreSQL-only step ran
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
