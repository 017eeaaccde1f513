"""After-sales cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.desk.models import Case
from kefu.desk.permissions import DeskPerm


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    type: str = ""
    client_id: int | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    conversation_id: int | None = None


def case_list(scope: Scope, *, filters: CaseFilter | None = None) -> QuerySet[Case]:
    scope.require(DeskPerm.VIEW)
    queryset = Case.objects.for_scope(scope).prefetch_related("conversations")
    if filters is None:
        return queryset
    for name in ("status", "type", "client_id", "owner_id", "customer_id"):
        value = getattr(filters, name)
        if value not in ("", None):
            queryset = queryset.filter(**{name: value})
    if filters.conversation_id is not None:
        queryset = queryset.filter(conversations__pk=filters.conversation_id)
    return queryset


def case_get(scope: Scope, *, case_id: int, for_update: bool = False) -> Case:
    queryset = case_list(scope)
    if for_update:
        queryset = Case.objects.for_scope(scope).select_for_update(of=("self",))
    case = queryset.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case
