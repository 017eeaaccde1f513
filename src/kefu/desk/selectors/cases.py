"""After-sales cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kefu.analytics import selectors as analytics_selectors
from kefu.core import clock
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import Case
from kefu.desk.permissions import DeskPerm
from kefu.tenancy import selectors as tenancy_selectors

if TYPE_CHECKING:
    from kefu.analytics.models import ContactEvent
    from kefu.tenancy.models import AuditEvent

#: the audit codes of a case's edits that its history shows (owner and due date).
CASE_AUDIT_ACTIONS = ("desk.case_owner", "desk.case_due")


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    type: str = ""
    client_id: int | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    conversation_id: int | None = None
    no_owner: bool = False
    due: str = ""  # overdue | today | week | none (no due date); open cases only for the first three


DUE_WINDOWS = {"today": timedelta(days=1), "week": timedelta(days=7)}
FINISHED = ("resolved", "closed")


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
    if filters.no_owner:
        queryset = queryset.filter(owner__isnull=True)
    if filters.due == "none":
        queryset = queryset.filter(due_at__isnull=True)
    elif filters.due == "overdue":
        queryset = queryset.filter(due_at__lt=clock.now()).exclude(status__in=FINISHED)
    elif filters.due in DUE_WINDOWS:
        now = clock.now()
        queryset = queryset.filter(due_at__gte=now, due_at__lt=now + DUE_WINDOWS[filters.due]).exclude(
            status__in=FINISHED
        )
    return queryset


def case_get(scope: Scope, *, case_id: int, for_update: bool = False) -> Case:
    queryset = case_list(scope)
    if for_update:
        queryset = Case.objects.for_scope(scope)  # the row alone, without the list's prefetch
    return one_of(queryset, pk=case_id, for_update=for_update)


def case_events(scope: Scope, *, case_id: int) -> QuerySet[ContactEvent]:
    """The case's history as logged (opened, status changes, resolution, linked contacts), oldest
    first; the case itself must be visible to the actor (else 404)."""
    case = case_get(scope, case_id=case_id)
    return (
        analytics_selectors.contact_event_list(scope).filter(case_id=case.pk).select_related("agent", "actor")
    )


def case_changes(scope: Scope, *, case_id: int) -> QuerySet[AuditEvent]:
    """The audited edits of the case (owner, due date), oldest first; the case itself must be
    visible to the actor (else 404)."""
    case = case_get(scope, case_id=case_id)
    return tenancy_selectors.audit_event_list_about(
        scope, target_type="Case", target_id=case.pk, actions=CASE_AUDIT_ACTIONS
    )
