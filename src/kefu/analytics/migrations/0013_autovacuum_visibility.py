"""Vacuum the event log and the rollups often enough that their newest pages are all-visible.

The covering indexes of 0012 answer without the table only on pages the visibility map marks
all-visible, which only (auto)vacuum sets. By default autovacuum visits a table after inserts or
changes of 20 % of its rows: at 10,000,000 events not before 2,000,000 new ones (about a month of
the 1,000,000-conversation benchmark), so the current month, which the dashboard and the review
as of now read, would come from the table. At 2 % it is about three days; vacuuming an
append-only table reads only the pages not yet marked. PostgreSQL only (SQLite has no such
setting).
"""

from django.db import migrations

TABLES = ("analytics_contactevent", "analytics_intervalrollup")
SETTINGS = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor")


def _often(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET ({', '.join(f'{s} = 0.02' for s in SETTINGS)})")


def _default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0012_covering_indexes")]

    operations = [migrations.RunPython(_often, _default)]
