"""Reads of messages: a conversation's thread in pages, a connector's retries by external id,
the customer's first message."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from kefu.core.scope import Scope
from kefu.desk.models import Conversation, Message
from kefu.desk.selectors._common import MAX_PAGE
from kefu.desk.selectors.conversations import conversation_get


def visible_messages(scope: Scope, queryset: QuerySet[Message]) -> QuerySet[Message]:
    """The messages of a thread the actor may read. A floor whisper (a lead's coaching note to
    the provider's agent, `channel_data.whisper`) is the provider's own: a client's staff read the
    rest of the thread, its other internal notes included (escalation notes are for them), but
    not the provider's coaching."""
    if scope.is_client:
        # not `exclude(channel_data__whisper=True)`: SQL's NULL for a missing key drops every row
        return queryset.filter(~Q(channel_data__has_key="whisper") | Q(channel_data__whisper=False))
    return queryset


def message_list(
    scope: Scope, *, conversation_id: int, after_seq: int = 0, limit: int = 100
) -> list[Message]:
    """Messages after `after_seq`, oldest first: long threads load in pages, reconnects catch up."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    limit = max(1, min(limit, MAX_PAGE))
    return list(
        visible_messages(scope, Message.objects.for_scope(scope))
        .filter(conversation=conversation, seq__gt=max(after_seq, 0))
        .select_related("author")
        .order_by("seq")[:limit]
    )


def messages_by_external_id(
    scope: Scope, *, conversation_ids: set[int], external_ids: set[str]
) -> dict[tuple[int, str], Message]:
    """Messages already stored under these external ids: a connector's retry is not a new message.

    `conversation_ids` must be ones `scope` sees (a message carries its conversation's tenant
    keys); the rows are checked again all the same.
    """
    if not external_ids or not conversation_ids:
        return {}
    conversations, keys = sorted(conversation_ids), sorted(external_ids)
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} WHERE {} IN ({}) AND {} IN ({}) AND {} <> ''".format(
        quote(Message._meta.pk.column),
        quote(Message._meta.db_table),
        quote(Message._meta.get_field("conversation").column),
        ", ".join(["%s"] * len(conversations)),
        quote(Message._meta.get_field("external_id").column),
        ", ".join(["%s"] * len(keys)),
        quote(Message._meta.get_field("external_id").column),  # the unique index's condition
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*conversations, *keys])
        found = [row[0] for row in cursor.fetchall()]
    if not found:
        return {}
    rows = Message.all_tenants.filter(pk__in=found)  # retries are rare: load them only then
    return {(m.conversation_id, m.external_id): m for m in rows if scope.sees(m.provider_id, m.client_id)}


def first_inbound_message(conversation: Conversation) -> Message | None:
    """The customer's first words: first-response time counts from here."""
    return conversation.messages.filter(direction="in").order_by("seq").first()
