"""Reads of the event log, always scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.analytics.models import ContactEvent
from kefu.core.scope import Scope


def contact_event_list(
    scope: Scope, *, conversation_id: int | None = None, type: str | None = None
) -> QuerySet[ContactEvent]:
    queryset = ContactEvent.objects.for_scope(scope)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    if type:
        queryset = queryset.filter(type=type)
    return queryset.order_by("at", "id")
