"""Hot reads whose SQL the ORM builds once per process, not on every call.

A routing pass runs the same few reads for every chat, each a `QuerySet` that Django builds,
resolves and compiles to SQL again each time: about a quarter of a one-chat pass's CPU
(bench/README.md, routing, "where a one-chat pass goes"). A `CompiledRead` keeps the queryset
as the one definition of the read, builds it once with marker arguments, finds the markers
among the compiled statement's parameters and, from then on, runs that SQL with the caller's
values in their place. It does so only where the SQL does not depend on the values: id lists
must be `field__any=` lookups (`core.lookups`), one array parameter on PostgreSQL. Where the
SQL does depend on them (SQLite renders `IN (?, ?, …)`, one marker per id), the read runs
through the ORM each time, with the same queryset. Empty id lists behave as the ORM's do: an
empty array matches nothing, as Django's "empty result" does for that condition.

`django-prepared-queries` (rutube) did this for Django 1.x and is no longer kept
(docs/decisions.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

from kefu.core.lookups import id_list, pg_bigint_array

MARKER_BASE = 7_340_000_000_000_000_000  # ids no table holds (bigint's range ends at 9.2e18)
KEPT: list[CompiledRead] = []  # every read declared, for the tests that hold each to its queryset


@dataclass(frozen=True)
class ParamKind:
    """How one argument of a read is marked when compiling and normalised when bound."""

    name: str

    def marker(self, index: int) -> Any:
        if self.name == "ids":
            return [MARKER_BASE + index]
        return datetime(2999, 12, 31, 23, 59, 59, index, tzinfo=UTC)

    def bind(self, value: Any) -> Any:
        """The value as the compiled statement takes it: an id list as `core.lookups.AnyOf`
        prepares and sends it (PostgreSQL's array text), a moment as it is."""
        if self.name == "ids":
            return pg_bigint_array(id_list(value))
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError("a moment must be an aware datetime")
        return value


ids = ParamKind("ids")  # a list of ids for a `field__any=` lookup
moment = ParamKind("moment")  # an aware datetime compared with a DateTimeField


Converters = tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]  # (column, functions, expression)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # the statement's parameters, the arguments' places holding None
    slots: tuple[tuple[int, str], ...]  # (position in params, argument name)
    converters: Converters
    model: type[Model] | None  # rows become instances of it (a plain model queryset)
    attnames: tuple[str, ...]  # the model's fields in the rows' order


class CompiledRead:
    """A read built by `build(**arguments)`, compiled once per database: a `values_list()`
    queryset (rows as tuples) or a plain model queryset (instances; no `select_related`,
    annotations or deferred fields).

    `kinds` declares each argument (`ids` or `moment`); the read runs on the database `using`.
    `rows(**arguments)` returns what the queryset would, as a list; `compiled()` says
    whether that database runs the kept SQL (None: the ORM builds the read each time there)."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str = "default", **kinds: ParamKind) -> None:
        self.build = build
        self.using = using
        self.kinds = kinds
        self._by_vendor: dict[str, _Compiled | None] = {}
        self._lock = threading.Lock()
        KEPT.append(self)

    def __repr__(self) -> str:
        return f"CompiledRead({self.build.__module__}.{self.build.__qualname__})"

    def rows(self, **arguments: Any) -> list[Any]:
        if set(arguments) != set(self.kinds):
            raise TypeError(f"expected arguments {sorted(self.kinds)}, got {sorted(arguments)}")
        bound = {name: self.kinds[name].bind(value) for name, value in arguments.items()}
        compiled = self.compiled()
        if compiled is None:
            return list(self.build(**arguments).using(self.using))
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = bound[name]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_converted(row, compiled.converters, connection) for row in rows]
        if compiled.model is not None:
            return [compiled.model.from_db(self.using, compiled.attnames, row) for row in rows]
        return [tuple(row) for row in rows]

    def compiled(self) -> _Compiled | None:
        """The kept SQL for the database's engine, compiled at the first call."""
        vendor = connections[self.using].vendor
        if vendor not in self._by_vendor:
            with self._lock:
                if vendor not in self._by_vendor:
                    self._by_vendor[vendor] = self._compile()
        return self._by_vendor[vendor]

    def _compile(self) -> _Compiled | None:
        markers = {name: kind.marker(i) for i, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        model, attnames = _model_rows(queryset, compiler)
        shown = {name: self.kinds[name].bind(marker) for name, marker in markers.items()}
        slots: list[tuple[int, str]] = []
        found: set[str] = set()
        for position, param in enumerate(params):
            for name, marker in markers.items():
                if _same(param, shown[name]):
                    slots.append((position, name))
                    found.add(name)
                elif isinstance(marker, list) and _same(param, marker[0]):
                    return None  # one marker per id (`IN (…)`): the SQL depends on the list
        if found != set(markers):
            return None  # an argument this database's SQL does not carry as one parameter
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        taken = {position for position, _ in slots}
        fixed = tuple(None if position in taken else param for position, param in enumerate(params))
        return _Compiled(
            sql=sql, params=fixed, slots=tuple(slots), converters=converters, model=model, attnames=attnames
        )


def _model_rows(queryset: QuerySet, compiler: Any) -> tuple[type[Model] | None, tuple[str, ...]]:
    """For a model queryset, its model and the field names of a row, as Django's `ModelIterable`
    finds them; the forms it would fill in more (related rows, annotations) are refused."""
    if queryset._iterable_class is ValuesListIterable:
        return None, ()
    klass_info = compiler.klass_info
    if (
        queryset._iterable_class is not ModelIterable
        or klass_info is None
        or klass_info.get("related_klass_infos")
        or compiler.annotation_col_map
        or queryset._known_related_objects
    ):
        raise TypeError("a compiled read is a values_list() or a plain model queryset")
    fields = klass_info["select_fields"]
    if fields != list(range(len(queryset.model._meta.concrete_fields))):
        raise TypeError("a compiled model read selects every field (no only() or defer())")
    return klass_info["model"], tuple(s[0].target.attname for s in compiler.select[: len(fields)])


def _converted(row: tuple[Any, ...], converters: Converters, connection: Any) -> tuple[Any, ...]:
    """The row as Django's `results_iter` converts it (`from_db_value` and the backend's own)."""
    values = list(row)
    for position, functions, expression in converters:
        for function in functions:
            values[position] = function(values[position], expression, connection)
    return tuple(values)


def _same(param: Any, marker: Any) -> bool:
    """The marker itself, not a value equal to it by accident of type (True == 1)."""
    return type(param) is type(marker) and param == marker
