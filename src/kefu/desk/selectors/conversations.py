"""Reads of conversations: the scoped list and one conversation, and the row locks the writes
(and the API's ingest batches) take."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import Conversation
from kefu.desk.permissions import DeskPerm


@dataclass(frozen=True)
class ConversationFilter:
    status: str = ""
    channel: str = ""
    client_id: int | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tags: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


def conversation_list(scope: Scope, *, filters: ConversationFilter | None = None) -> QuerySet[Conversation]:
    scope.require(DeskPerm.VIEW)
    queryset = Conversation.objects.for_scope(scope).select_related("assignee")
    if filters is None:
        return queryset
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.client_id is not None:
        queryset = queryset.filter(client_id=filters.client_id)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.assignee_id is not None:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    if filters.queues:
        queryset = queryset.filter(queue__in=filters.queues)
    return queryset


def conversation_queue_names(scope: Scope, *, channel: str = "") -> set[str]:
    """The queues the scope's conversations (of one channel) have waited in: what a new entry
    point for the same client should default to."""
    queues = conversation_list(scope, filters=ConversationFilter(channel=channel)).exclude(queue="")
    return set(queues.order_by().values_list("queue", flat=True).distinct())


def conversation_get(scope: Scope, *, conversation_id: int, for_update: bool = False) -> Conversation:
    return one_of(conversation_list(scope), pk=conversation_id, for_update=for_update)


def conversations_for_update(scope: Scope, *, conversation_ids: set[int]) -> dict[int, Conversation]:
    """The visible ones among these conversations, row-locked in id order (no lock-order deadlocks).

    The hot path of message ingest, so plain SQL: rows are fetched by key and the tenant rule
    is applied in memory (`Scope.sees`, the same rule as `tenant_q`); building the ORM query
    with its tenant filter cost more than the database did.
    """
    if not conversation_ids:
        return {}
    ids = sorted(conversation_ids)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = "SELECT * FROM {} WHERE {} IN ({}) ORDER BY {}{}".format(
        connection.ops.quote_name(Conversation._meta.db_table),
        connection.ops.quote_name(Conversation._meta.pk.column),
        ", ".join(["%s"] * len(ids)),
        connection.ops.quote_name(Conversation._meta.pk.column),
        lock,
    )
    rows = Conversation.all_tenants.raw(sql, ids)
    return {row.pk: row for row in rows if scope.sees(row.provider_id, row.client_id)}
