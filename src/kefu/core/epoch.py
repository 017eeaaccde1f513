"""`EpochSeconds(expression)`: a timestamp as seconds since 1970 (a float), computed by the database.

The routing core works in epoch seconds. A pass read ~1,000 timestamps a batch (each agent's time
online and last offer) and psycopg parsed each into a `datetime` that the pass then turned into a
float: a fifth of the router's CPU at 100 chats a second (bench/README.md, routing, "eighth of the
day"). A float from the database costs almost nothing to load.
"""

from __future__ import annotations

from typing import Any

from django.db.models import FloatField, Func


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column or aggregate (None stays None)."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # Django keeps aware datetimes as UTC text; julianday() reads it (fractions included)
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)
