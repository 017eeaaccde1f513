"""Tenant-owned models: the default manager answers only `.for_scope(scope)`.

Any other top-level query raises `UnscopedQuery` (fail closed). `all_tenants` is the
deliberately loud way out for admin, migrations and system jobs. Related managers
(`conversation.messages`) are already filtered by their parent row and pass through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from kefu.core.errors import UnscopedQuery

if TYPE_CHECKING:
    from kefu.core.scope import Scope


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


class _GuardedQuerySet(ScopedQuerySet):
    """A queryset that only lets `.for_scope()` (and instance saves) through."""

    _allowed = {"for_scope", "create", "bulk_create", "_insert", "_batched_insert", "model", "db", "query"}

    @classmethod
    def guard(cls, queryset: models.QuerySet) -> _GuardedQuerySet:
        guarded = cls(model=queryset.model, query=queryset.query, using=queryset._db, hints=queryset._hints)
        return guarded

    def for_scope(self, scope: Scope) -> ScopedQuerySet:
        return ScopedQuerySet(model=self.model, using=self._db, hints=self._hints).filter(scope.tenant_q())

    def _fetch_all(self) -> None:
        raise UnscopedQuery(f"{self.model.__name__} queried without a scope: use .for_scope(scope)")

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise UnscopedQuery(f"{self.model.__name__} queried without a scope: use .for_scope(scope)")

    filter = exclude = get = count = exists = first = last = update = delete = aggregate = _refuse
    values = values_list = order_by = annotate = select_related = prefetch_related = iterator = _refuse
    all = in_bulk = earliest = latest = distinct = only = defer = get_or_create = update_or_create = _refuse


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
        base_manager_name = "all_tenants"
        default_manager_name = "all_tenants"
