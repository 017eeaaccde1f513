"""PostgreSQL from the server's event loop: psycopg's async connection, set up as Django's.

Django's ORM is synchronous, so async code reaches the database through a worker thread.
For the one hot path that is pure database work (message ingest), those thread hops, and
the two threads of a process taking the GIL from each other on every round trip, cost more
than the queries. This module opens an `AsyncConnection` with Django's own connection
parameters and adapters (same JSON and time zone handling), reads rows back into model
instances and sends new or changed instances as JSON rows, so that path stays
model-driven without the ORM's synchronous query machinery. It runs no query of its own:
callers send what they build here (and keep the tenant rule, as selectors do).
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from psycopg.types.json import Jsonb

Converter = Callable[[Any, Any, Any], Any]


def available(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql"


@functools.cache
def _ops(alias: str) -> BaseDatabaseWrapper:
    """A wrapper of its own for the backend's value conversions; it never connects.

    `connections[alias]` would make one per async context (each batch) for nothing.
    """
    return connections.create_connection(alias)


async def connect(alias: str = "default", *, prepare: bool = False) -> psycopg.AsyncConnection[Any]:
    """A new autocommit connection with Django's parameters for `alias` (host, credentials,
    adapters) and its session time zone, which the time-zone loader of those adapters assumes.

    Django turns psycopg's prepared statements off (they break behind a transaction-pooling
    pgbouncer older than 1.21); `prepare` turns them on for this connection from the first use.
    """
    wrapper = connections[alias]
    params = wrapper.get_connection_params()
    params.pop("cursor_factory", None)  # Django's sync cursor class; the async default binds server-side
    if prepare:  # the hot path's few statements, parsed and planned once per connection
        params["prepare_threshold"] = 0
    connection = await psycopg.AsyncConnection.connect(**params, autocommit=True)
    if wrapper.timezone_name:
        await connection.execute("SELECT set_config('TimeZone', %s, false)", (wrapper.timezone_name,))
    return connection


def _quote(name: str) -> str:
    return '"{}"'.format(name.replace('"', '""'))


def table(model: type[Model]) -> str:
    return _quote(model._meta.db_table)


class RowReader:
    """Reads rows of one model: the SELECT list, and rows back into instances.

    Values go through the same converters the ORM applies (JSON text to objects, …).
    With `field_names`, the other fields are deferred: the caller must not touch them (an
    instance would load them with a synchronous query, which async code may not run).
    """

    def __init__(self, model: type[Model], field_names: Sequence[str] = (), alias: str = "default") -> None:
        self.model = model
        self.alias = alias
        fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
        if field_names:
            wanted = {model._meta.pk.name, *field_names}
            fields = [field for field in fields if field.name in wanted]
        self.attnames = [field.attname for field in fields]
        self.columns = ", ".join(f"{table(model)}.{_quote(field.column)}" for field in fields)
        wrapper = _ops(alias)
        self._converters: list[tuple[int, list[Converter], Any]] = []
        for index, field in enumerate(fields):
            expression = field.get_col(model._meta.db_table)
            found = wrapper.ops.get_db_converters(expression) + expression.get_db_converters(wrapper)
            if found:
                self._converters.append((index, found, expression))

    def instances(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        wrapper = _ops(self.alias)
        built = []
        for row in rows:
            values = list(row)
            for index, converters, expression in self._converters:
                for convert in converters:
                    values[index] = convert(values[index], expression, wrapper)
            built.append(self.model.from_db(self.alias, self.attnames, values))
        return built


class JsonRows:
    """Rows of one model sent as a single JSON parameter, read back with `jsonb_to_recordset`.

    A batch's rows travel as one text value: psycopg dumps one string instead of a parameter
    per value (its Python array and value dumpers were the largest cost of a batch), and the
    statement's text is the same for any number of rows. Values are each field's own
    database preparation (`get_db_prep_save`), as `bulk_create` writes them. `ord` keeps
    the rows' order for INSERT … RETURNING.
    """

    def __init__(self, model: type[Model], fields: Sequence[Field[Any, Any]], alias: str = "default") -> None:
        self.model = model
        self.fields = list(fields)
        self.alias = alias
        wrapper = _ops(alias)
        names = ", ".join(f"{_quote(field.column)} {field.db_type(wrapper)}" for field in self.fields)
        self.recordset = f"jsonb_to_recordset(%s::jsonb) AS new (ord integer, {names})"
        self.columns = ", ".join(_quote(field.column) for field in self.fields)
        self._values = [
            (field, field.attname, field.column, _saves_own_value(field), _kept_as_is(field))
            for field in self.fields
        ]

    @classmethod
    def for_insert(cls, model: type[Model], alias: str = "default") -> JsonRows:
        pk = model._meta.pk
        return cls(model, [field for field in model._meta.concrete_fields if field is not pk], alias)

    @classmethod
    def for_update(cls, model: type[Model], field_names: Sequence[str], alias: str = "default") -> JsonRows:
        fields: list[Any] = [model._meta.pk, *(model._meta.get_field(name) for name in field_names)]
        return cls(model, fields, alias)

    def insert_sql(self) -> str:
        """INSERT … RETURNING pk in the rows' order; its parameter is `dumps(objs, adding=True)`."""
        pk = _quote(self.model._meta.pk.column)
        return (
            f"INSERT INTO {table(self.model)} ({self.columns}) SELECT {self.columns} "
            f"FROM {self.recordset} ORDER BY new.ord RETURNING {pk}"
        )

    def update_sql(self) -> str:
        """UPDATE of each row's fields (the first is the key); its parameter is `dumps(objs)`."""
        pk, *rest = (_quote(field.column) for field in self.fields)
        return "UPDATE {table} SET {sets} FROM {rows} WHERE {table}.{pk} = new.{pk}".format(
            table=table(self.model),
            sets=", ".join(f"{name} = new.{name}" for name in rest),
            rows=self.recordset,
            pk=pk,
        )

    def dumps(self, objs: Iterable[Model], *, adding: bool = False) -> str:
        wrapper = _ops(self.alias)
        rows = []
        for ord, obj in enumerate(objs):
            row: dict[str, Any] = {"ord": ord}
            for field, attname, column, saves_own_value, kept in self._values:
                pre_save = adding and saves_own_value
                value = field.pre_save(obj, True) if pre_save else getattr(obj, attname)
                if value is None or type(value) in kept:
                    row[column] = value
                    continue
                value = field.get_db_prep_save(value, connection=wrapper)
                row[column] = value.obj if isinstance(value, Jsonb) else value
            rows.append(row)
        return json.dumps(rows, ensure_ascii=False, default=_json_value, separators=(",", ":"))


# Django's own field classes whose database preparation leaves values of these exact types as
# they are (and None as None): a row's usual values skip the per-value conversion calls, which
# cost more than the rest of a batch's serialisation. Anything else (subclasses such as
# encrypted fields, str enums, datetimes) takes the field's own conversion.
_INTEGER_FIELDS = (
    models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField,
    models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveBigIntegerField, models.PositiveSmallIntegerField,
)  # fmt: skip
_VALUES_KEPT: dict[type[Field[Any, Any]], frozenset[type]] = {
    models.CharField: frozenset({str}),
    models.TextField: frozenset({str}),
    models.FloatField: frozenset({float}),
    models.BooleanField: frozenset({bool}),
    models.JSONField: frozenset({dict, list}),
    **dict.fromkeys(_INTEGER_FIELDS, frozenset({int})),
}


def _kept_as_is(field: Field[Any, Any]) -> frozenset[type]:
    if type(field) is models.ForeignKey:
        field = field.target_field
    return _VALUES_KEPT.get(type(field), frozenset())


def _saves_own_value(field: Field[Any, Any]) -> bool:
    """Whether `pre_save` does more than read the attribute (auto_now…)."""
    return type(field).pre_save is not Field.pre_save


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()  # full precision (Django's JSON encoder cuts microseconds)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be sent as a JSON row")


def inserted(objs: Sequence[Model], pks: Sequence[Any], alias: str = "default") -> None:
    """Mark instances as saved with the keys their INSERT returned (in row order)."""
    if len(objs) != len(pks):
        raise RuntimeError(f"{len(objs)} rows written, {len(pks)} keys returned")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
