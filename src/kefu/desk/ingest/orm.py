"""Customers' messages written through the ORM: every database, and the only writer on SQLite.

`inbound_post_many` is the one writer of record: `services.message_post` sends a customer's
message here, the group commit sends batches here on SQLite, and PostgreSQL's pipeline
sends here what it leaves (messages whose events an outbox sink wants, and batches the
database refused). The rules are `ingest.rules`; this module only reads the locked rows and
writes what the plan says, in one transaction, with the outbox sinks' rows in it.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import DatabaseError, IntegrityError, connection, transaction

from kefu.analytics import events
from kefu.core import clock
from kefu.core.errors import KefuError
from kefu.desk import selectors, services
from kefu.desk.ingest import rules
from kefu.desk.ingest.rules import Answer, Inbound
from kefu.desk.models import Conversation, Message

log = logging.getLogger(__name__)


def inbound_post_many(items: list[Inbound]) -> list[Answer]:
    """Post the messages in one transaction; the answer for each is its message or its error.

    If the batch fails in the database (a deadlock with another process, or a racing retry
    that stored the same external id first: the unique constraint refuses the second copy),
    every message is posted again on its own, where the retry finds the stored message.
    """
    try:
        with transaction.atomic():
            return _post_all(items)
    except DatabaseError:
        if len(items) > 1:
            log.warning(
                "group commit of %d messages failed; posting them one by one", len(items), exc_info=True
            )
        return [_post_one(item) for item in items]


def inbound_post_into(item: Inbound, conversation: Conversation) -> Answer:
    """Post a message into a conversation the caller's transaction holds: it created the row
    (`conversation_create` with the customer's first message), so nobody else can lock it yet.
    The rules and writes of `inbound_post_many`, without reading and locking the row again or a
    savepoint of its own (a failure rolls back the caller's transaction); `conversation` is
    updated in place, as it is stored."""
    return _post_all([item], held={conversation.pk: conversation})[0]


def _post_one(item: Inbound) -> Answer:
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _post_all([item])[0]
        except IntegrityError:  # a racing retry committed the same external id: read it back
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _post_all(items: list[Inbound], *, held: dict[int, Conversation] | None = None) -> list[Answer]:
    """`held`: conversations the caller has locked already (not read again; `plan` still checks
    that each item's scope sees its conversation)."""
    held = held or {}
    results = rules.checked(items)
    by_scope: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if results[index] is None:
            by_scope[id(item.scope)].append(index)
    conversations: dict[int, Conversation] = dict(held)
    stored: dict[tuple[int, str], Message] = {}
    for indexes in by_scope.values():
        scope = items[indexes[0]].scope
        asked = {items[i].conversation_id for i in indexes}
        found = selectors.conversations_for_update(scope, conversation_ids=asked - set(conversations))
        conversations.update(found)
        stored.update(
            selectors.messages_by_external_id(
                scope,
                conversation_ids=set(found) | (asked & held.keys()),
                external_ids={items[i].external_id.strip() for i in indexes if items[i].external_id.strip()},
            )
        )
    batch = rules.plan(items, results, conversations, stored, now=clock.now())
    if batch.messages:
        Message.objects.bulk_create(batch.messages)
        events.emit_many(batch.events)  # the outbox sinks write their rows here, in this transaction
        _conversations_save(list(batch.changed.values()))
        for conversation in batch.changed.values():  # one hint per conversation: pages fetch what is new
            services._publish(conversation, "message.created", seq=conversation.last_message_seq)
    return batch.answers()


def _conversations_save(conversations: list[Conversation]) -> None:
    """One parametrised UPDATE per conversation, sent together (psycopg pipelines `executemany`).

    `bulk_update` builds a CASE expression per field and row; on a busy ingest that ORM work
    cost more than the database did. The rows are the ones locked above, in this transaction.
    """
    meta = Conversation._meta
    columns = [meta.get_field(name).column for name in rules.CONVERSATION_CHANGED_FIELDS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table), ", ".join(f"{quote(c)} = %s" for c in columns), quote(meta.pk.column)
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (c.last_message_seq, c.status, adapt(c.resolved_at), adapt(c.updated_at), c.pk)
                for c in conversations
            ],
        )


__all__ = ["Inbound", "KefuError", "inbound_post_many"]
