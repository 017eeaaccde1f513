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


def _table_value(vendor: str, table: str, pk: str, columns: tuple[str, ...]) -> str:
    """The SQL expression folding one table's rows into one text value."""
    quote = connection.ops.quote_name
    if vendor == "postgresql":
        row = "ROW(" + ", ".join(quote(column) for column in columns) + ")::text"
        return f"(SELECT string_agg({row}, chr(30) ORDER BY {quote(pk)}) FROM {quote(table)})"
    # SQLite: quote() spells NULL and escapes text, so different rows never fold alike
    row = " || ',' || ".join(f"quote({quote(column)})" for column in columns)
    ordered = f"SELECT {row} AS r FROM {quote(table)} ORDER BY {quote(pk)}"
    return f"(SELECT group_concat(r, char(30)) FROM ({ordered}))"


@cache
def _query(vendor: str, only: frozenset[str] | None = None) -> tuple[tuple[str, ...], str]:
    """(tables, the one query reading them), for every table or `only` those."""
    tables = [entry for entry in _tables() if only is None or entry[0] in only]
    parts = [_table_value(vendor, *entry) for entry in tables]
    return tuple(table for table, _pk, _columns in tables), "SELECT " + ", ".join(parts)


def _read(only: frozenset[str] | None = None) -> dict[str, str | None]:
    tables, query = _query(connection.vendor, only)
    if not tables:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(query)
        values = cursor.fetchone()
    return dict(zip(tables, values, strict=True))


def database_snapshot() -> dict[str, str | None]:
    """Every table's rows as one value per table; equal snapshots mean no row changed.

    Compare two snapshots with `==`: on a difference pytest names the tables that changed.
    """
    return _read()


def _writes() -> dict[str, int]:
    """Rows this connection has inserted, updated or deleted so far: per table in PostgreSQL's
    transaction statistics, as one total (under the key "") in SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
            return dict(cursor.fetchall())
        cursor.execute("SELECT total_changes()")
        return {"": cursor.fetchone()[0]}


class Picture:
    """A picture of the database taken before a request; `picture.after() == picture.before`
    then says the request changed no row.

    The isolation matrix takes two pictures per case, thousands of times. A table no row was
    written to since the first cannot have changed, so `after()` reads again only the tables
    written to (PostgreSQL counts writes per table; SQLite only in all, so any write there
    reads everything again). The counts are the test's own connection's: use it where requests
    run on that connection, as the test client's do, not where a server thread serves them.
    """

    def __init__(self) -> None:
        self.writes = _writes()
        self.before = database_snapshot()

    def after(self) -> dict[str, str | None]:
        writes = _writes()
        written = frozenset(table for table, count in writes.items() if count != self.writes.get(table, 0))
        if not written:
            return dict(self.before)
        if "" in written:  # SQLite: which tables is not known
            return database_snapshot()
        return {**self.before, **_read(written)}
