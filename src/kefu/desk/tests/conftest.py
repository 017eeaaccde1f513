"""Shared helpers of the desk tests."""

from __future__ import annotations

import pytest

from kefu.desk import services
from kefu.desk.models import Conversation
from kefu.testing.plugin import Tenants


@pytest.fixture
def conversation(tenants: Tenants) -> Conversation:
    """A chat of client ca1, served by provider pa, with the customer's first message."""
    scope = tenants.scope("pa", "agent")
    customer = services.customer_create(
        scope, client_id=tenants.ca1.pk, name="张三", phone="13800138000", email="zhang@example.cn"
    )
    return services.conversation_create(
        scope, channel="chat", client_id=tenants.ca1.pk, customer_id=customer.pk, message="在吗？订单没到"
    )
