"""Orders linked to a conversation: the pre-sales chat that ended in a purchase."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Conversation
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import MAX_LIST_ITEMS, _publish, _require_write, _text
from kefu.tenancy import services as tenancy_services


@transaction.atomic
def conversation_link_order(
    scope: Scope, *, conversation_id: int, order_number: str, order_value: Decimal | None = None
) -> Conversation:
    """Link the order the customer placed (usually during a pre-sales chat) and, when known, its
    value: conversion from chats is counted from these links. Audited; linking the same number
    again only updates the value."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    number = _text(order_number, "order_number", 120)
    if not number:
        raise Invalid(_("Enter the order number."), field="order_number")
    if order_value is not None and not Decimal(0) <= order_value < Decimal("1e10"):
        raise Invalid(_("The order value must be between 0 and 9,999,999,999.99."), field="order_value")
    numbers = list(conversation.order_numbers or [])
    if number not in numbers:
        if len(numbers) >= MAX_LIST_ITEMS:
            raise Invalid(_("At most %(count)d orders.") % {"count": MAX_LIST_ITEMS}, field="order_number")
        numbers.append(number)
    if numbers == conversation.order_numbers and (
        order_value is None or order_value == conversation.order_value
    ):
        return conversation
    _require_write(scope, conversation)
    conversation.order_numbers = numbers
    if order_value is not None:
        conversation.order_value = order_value
    conversation.save(update_fields=["order_numbers", "order_value", "updated_at"])
    # the event log's record of the sale (the conversion rate counts it, docs/metrics.md)
    events.emit(
        scope,
        EventType.ORDER_LINKED,
        conversation=conversation,
        agent_id=scope.user_id,
        data={"order_number": number, "order_value": None if order_value is None else str(order_value)},
    )
    tenancy_services.audit_record(
        scope,
        action="desk.conversation_order",
        target=conversation,
        client_id=conversation.client_id,
        data={"order_number": number, "order_value": None if order_value is None else str(order_value)},
    )
    _publish(conversation, "conversation.updated")
    return conversation
