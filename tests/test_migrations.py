"""The tests build their databases from the models (`--no-migrations` in pytest's options: 3 s
instead of 30 s per database), so the migrations must describe exactly those models: a model
change without its migration fails here. Applying the migrations themselves is covered by
`kefu demo` on an empty directory (`tests/test_cli.py`), on SQLite."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written(settings: Any) -> None:
    settings.MIGRATION_MODULES = {}  # the apps' own migrations (`--no-migrations` hides them)
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as stopped:  # --check exits 1 when a migration is missing
        pytest.fail(f"a model changed without its migration (exit {stopped.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
