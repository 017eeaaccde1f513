"""Bringing the database up to date before `kefu demo` or `kefu serve` goes on."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.cli.progress import step


def pending_migrations() -> int:
    """How many migrations the database still lacks."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate_announced() -> None:
    """Apply what is missing, saying so first on stderr: on an empty database this is the
    longest silent wait of a first `kefu demo` (about half a minute on two cores)."""
    pending = pending_migrations()
    if pending:
        step(f"Setting up the database ({pending} migrations; the first time takes about half a minute)…")
    call_command("migrate", interactive=False, verbosity=0)
