"""Tenant-owned models: the default manager answers only `.for_scope(scope)`.

Any other top-level query raises `UnscopedQuery` (fail closed). `all_tenants` is the
deliberately loud way out for admin, migrations and system jobs. Related managers
(`conversation.messages`) are already filtered by their parent row and pass through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from kefu.core.errors import NotFound, UnscopedQuery

if TYPE_CHECKING:
    from kefu.core.scope import Scope


_Row = TypeVar("_Row", bound=models.Model)


def one_of(rows: models.QuerySet[_Row], *, for_update: bool = False, **lookups: Any) -> _Row:
    """The one row of the scoped set `rows` that matches `lookups` (usually `pk=`), or `NotFound`.

    Why one helper: every `<entity>_get` selector narrows its scoped list to one id, may lock
    the row for the caller's transaction, and must answer "not yours" and "does not exist" with
    the same `NotFound`, so ids never leak. Written out in each selector, those five lines drifted
    (a lock taken on another queryset than the one read, `.get()` turning a miss into a 500).

    `for_update` locks with `of=("self",)`: only this table's row. The lists it narrows join
    nullable relations (`select_related`), whose outer-joined side PostgreSQL refuses to lock,
    and a joined row is not the caller's to lock. `rows` keeps its own `select_related`; a
    queryset that aggregates cannot be locked, so such a selector passes its unannotated rows.
    """
    if lookups:
        rows = rows.filter(**lookups)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.first()
    if found is None:
        raise NotFound()
    return found


class ScopedQuerySet(models.QuerySet):
    def for_scope(self, scope: Scope) -> ScopedQuerySet:
        return self.filter(scope.tenant_q())


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Refuses unscoped reads; reverse/related managers (which carry a filter) pass."""

    def get_queryset(self) -> ScopedQuerySet:
        queryset = super().get_queryset()
        if getattr(self, "core_filters", None) or getattr(self, "instance", None) is not None:
            return queryset  # a related manager: already limited to its parent row
        return _GuardedQuerySet.guard(queryset)

    def for_scope(self, scope: Scope) -> ScopedQuerySet:
        return super().get_queryset().filter(scope.tenant_q())

    def create(self, **kwargs: Any) -> Any:  # writes carry their tenant keys explicitly
        return super().get_queryset().create(**kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get_queryset().bulk_create(objs, *args, **kwargs)


def _refuse(self: _GuardedQuerySet, *args: Any, **kwargs: Any) -> Any:
    raise UnscopedQuery(f"{self.model.__name__} queried without a scope: use .for_scope(scope)")


class _GuardedQuerySet(ScopedQuerySet):
    """A queryset that only lets `.for_scope()` (and inserts) through.

    Everything else is refused by a whitelist, not a blacklist, so a method Django adds
    (an async variant, say) is closed until someone opens it here on purpose. `all()` and
    `using()` only copy the guard (ModelChoiceField and `get_object_or_404`
    call them before reading); reading the copy raises. The query itself is hidden too, so
    the guard cannot be smuggled into another query as a subquery (`__in=`, `Subquery`,
    `Exists`, `|`).
    """

    _ALLOWED = frozenset({"for_scope", "all", "using", "create", "acreate", "bulk_create", "abulk_create"})
    _REFUSED_PRIVATE = (
        "_fetch_all",
        "_iterator",
        "_update",
        "_raw_delete",
        "_values",
        "_earliest",
        "_annotate",
        "_filter_or_exclude",
        "_filter_or_exclude_inplace",
        "_combinator_query",
        "_prefetch_related_objects",
        "resolve_expression",
        "__or__",
        "__and__",
        "__xor__",
    )

    @classmethod
    def guard(cls, queryset: models.QuerySet) -> _GuardedQuerySet:
        return cls(model=queryset.model, query=queryset.query, using=queryset._db, hints=queryset._hints)

    @property
    def query(self) -> Any:
        raise UnscopedQuery(f"{self.model.__name__} queried without a scope: use .for_scope(scope)")

    @query.setter
    def query(self, value: Any) -> None:
        self._query = value

    def _clone(self) -> _GuardedQuerySet:
        return type(self)(model=self.model, query=self._query.chain(), using=self._db, hints=self._hints)

    def for_scope(self, scope: Scope) -> ScopedQuerySet:
        return ScopedQuerySet(model=self.model, using=self._db, hints=self._hints).filter(scope.tenant_q())

    def __repr__(self) -> str:
        return f"<unscoped {self.model.__name__} queryset: use .for_scope(scope)>"


for _name, _value in vars(models.QuerySet).items():
    if _name.startswith("_") or _name in _GuardedQuerySet._ALLOWED or _name in {"db", "query"}:
        continue
    setattr(_GuardedQuerySet, _name, property(_refuse) if isinstance(_value, property) else _refuse)
for _name in _GuardedQuerySet._REFUSED_PRIVATE:
    setattr(_GuardedQuerySet, _name, _refuse)


class TenantModel(models.Model):
    """A row owned by a provider, a client, or both (work a provider did for a client)."""

    provider = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    all_tenants = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        abstract = True
        # Forward foreign keys, `refresh_from_db`, saves and deletion collectors start from a
        # row the caller already holds: they read through the plain manager. Everything that
        # picks a manager by itself (`get_object_or_404`, ModelForm choice fields, serializers,
        # `dumpdata`) gets the scoped one and fails closed.
        base_manager_name = "all_tenants"
        default_manager_name = "objects"
