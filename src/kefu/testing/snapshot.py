"""A picture of every table, to prove a request changed nothing (the isolation matrix).

The matrix takes two pictures per request, thousands of times, so the picture is one SQL query:
each table's rows, in primary-key order, folded into one text value by the database. Serialising
every model through Django's serializers did the same job at about thirty times the cost.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import connection

# Rows that a denied request may legitimately touch: the test client's session, and the
# bearer token's last-used stamp (authentication happens before the route says no).
IGNORED_TABLES = frozenset({"django_session"})
IGNORED_COLUMNS = frozenset({("tenancy_apitoken", "last_used_at")})


@cache
def _tables() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(table, primary-key column, columns) of every concrete table Django manages."""
    seen: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in IGNORED_TABLES or meta.db_table in seen:
            continue
        columns = tuple(
            field.column
            for field in meta.concrete_fields
            if (meta.db_table, field.column) not in IGNORED_COLUMNS
        )
        seen[meta.db_table] = (meta.db_table, meta.pk.column, columns)
    return tuple(sorted(seen.values()))


@cache
def _query(vendor: str) -> str:
    quote = connection.ops.quote_name
    parts = []
    for table, pk, columns in _tables():
        if vendor == "postgresql":
            row = "ROW(" + ", ".join(quote(column) for column in columns) + ")::text"
            parts.append(f"(SELECT string_agg({row}, chr(30) ORDER BY {quote(pk)}) FROM {quote(table)})")
        else:  # SQLite: quote() spells NULL and escapes text, so different rows never fold alike
            row = " || ',' || ".join(f"quote({quote(column)})" for column in columns)
            parts.append(
                f"(SELECT group_concat(r, char(30)) FROM "
                f"(SELECT {row} AS r FROM {quote(table)} ORDER BY {quote(pk)}))"
            )
    return "SELECT " + ", ".join(parts)


def database_snapshot() -> dict[str, str | None]:
    """Every table's rows as one value per table; equal snapshots mean no row changed.

    Compare two snapshots with `==`: on a difference pytest names the tables that changed.
    """
    with connection.cursor() as cursor:
        cursor.execute(_query(connection.vendor))
        values = cursor.fetchone()
    return {table: value for (table, _pk, _columns), value in zip(_tables(), values, strict=True)}
