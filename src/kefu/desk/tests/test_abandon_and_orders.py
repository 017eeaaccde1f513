"""A customer who leaves before any answer (`abandoned`, then closed) and an order linked to a chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.desk import services
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants

OPENING = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_abandon_logs_the_wait_and_closes(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "agent")
    with time_machine.travel(OPENING, tick=False):
        conversation = services.conversation_create(
            scope, channel="chat", client_id=tenants.ca1.pk, message="在吗？有人吗"
        )
    with time_machine.travel(OPENING + timedelta(seconds=95), tick=False):
        services.conversation_abandon(scope, conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    events = list(analytics_selectors.contact_event_list(scope, conversation_id=conversation.pk))
    assert [e.type for e in events] == ["offered", "message_in", "abandoned", "closed"]
    abandoned = events[2]
    assert abandoned.value_s == 95.0 and abandoned.data == {"by": "left"}
    assert abandoned.at == OPENING + timedelta(seconds=95)
    with pytest.raises(Conflict):  # once only
        services.conversation_abandon(scope, conversation_id=conversation.pk)


def test_an_answered_conversation_cannot_be_abandoned(tenants: Tenants, conversation: Conversation) -> None:
    scope = tenants.scope("pa", "agent")
    services.message_post(scope, conversation_id=conversation.pk, body="您好，在的")
    with pytest.raises(Conflict):
        services.conversation_abandon(scope, conversation_id=conversation.pk)
    assert not analytics_selectors.contact_event_list(
        scope, conversation_id=conversation.pk, type="abandoned"
    ).exists()
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_another_tenant_cannot_abandon_or_link(tenants: Tenants, conversation: Conversation) -> None:
    other = tenants.scope("pb", "agent")
    with pytest.raises(NotFound):
        services.conversation_abandon(other, conversation_id=conversation.pk)
    with pytest.raises(NotFound):
        services.conversation_link_order(other, conversation_id=conversation.pk, order_number="X1")


def test_link_order_appends_the_number_and_sets_the_value(
    tenants: Tenants, conversation: Conversation
) -> None:
    scope = tenants.scope("pa", "agent")
    services.conversation_link_order(
        scope, conversation_id=conversation.pk, order_number="260302123", order_value=Decimal("299")
    )
    services.conversation_link_order(scope, conversation_id=conversation.pk, order_number="260302123")
    conversation.refresh_from_db()
    assert conversation.order_numbers == ["260302123"] and conversation.order_value == Decimal("299")
    with pytest.raises(Invalid):
        services.conversation_link_order(scope, conversation_id=conversation.pk, order_number=" ")
    with pytest.raises(Invalid):
        services.conversation_link_order(
            scope, conversation_id=conversation.pk, order_number="A2", order_value=Decimal(-1)
        )
    conversation.refresh_from_db()
    assert conversation.order_numbers == ["260302123"]
