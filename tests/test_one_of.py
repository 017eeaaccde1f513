"""`core.tenancy.one_of`: the one row of a scoped set, maybe locked, or `NotFound`."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kefu.core.errors import NotFound
from kefu.core.tenancy import one_of
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants


@pytest.fixture
def b_conversation(tenants: Tenants) -> Conversation:
    return desk_services.conversation_create(
        tenants.scope("pb", "supervisor"), channel="chat", client_id=tenants.cb.pk, message="乙的客户"
    )


def test_the_row_of_the_scope_is_returned(tenants: Tenants, b_conversation: Conversation) -> None:
    rows = Conversation.objects.for_scope(tenants.scope("pb", "supervisor"))

    assert one_of(rows, pk=b_conversation.pk).pk == b_conversation.pk
    assert one_of(rows, pk=b_conversation.pk, channel="chat").pk == b_conversation.pk


def test_another_tenants_row_and_a_missing_row_are_the_same_not_found(
    tenants: Tenants, b_conversation: Conversation
) -> None:
    other = Conversation.objects.for_scope(tenants.scope("pa", "supervisor"))
    mine = Conversation.objects.for_scope(tenants.scope("pb", "supervisor"))

    with pytest.raises(NotFound) as not_yours:
        one_of(other, pk=b_conversation.pk)
    with pytest.raises(NotFound) as missing:
        one_of(mine, pk=b_conversation.pk + 10_000)
    with pytest.raises(NotFound):
        one_of(mine, pk=b_conversation.pk, channel="email")  # every lookup counts

    assert type(not_yours.value) is type(missing.value) is NotFound
    assert str(not_yours.value) == str(missing.value) == str(NotFound.default_message)


def test_for_update_locks_only_the_rows_own_table_in_one_query(
    tenants: Tenants, b_conversation: Conversation
) -> None:
    rows = Conversation.objects.for_scope(tenants.scope("pb", "supervisor")).select_related("assignee")

    with transaction.atomic(), CaptureQueriesContext(connection) as plain:
        one_of(rows, pk=b_conversation.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as locked:
        found = one_of(rows, pk=b_conversation.pk, for_update=True)

    assert found.pk == b_conversation.pk
    assert len(plain.captured_queries) == len(locked.captured_queries) == 1
    assert "FOR UPDATE" not in plain.captured_queries[0]["sql"]
    if connection.features.has_select_for_update_of:  # PostgreSQL; SQLite has no row locks
        assert 'FOR UPDATE OF "desk_conversation"' in locked.captured_queries[0]["sql"]
    else:
        assert locked.captured_queries[0]["sql"] == plain.captured_queries[0]["sql"]
