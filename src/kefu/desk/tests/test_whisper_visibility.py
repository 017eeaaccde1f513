"""A lead's whisper (floor) is the provider's own note: the client's staff read the rest of the
thread, other internal notes included, but not the whisper."""

from __future__ import annotations

import pytest

from kefu.desk import selectors, services, workspace
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_whispers_are_hidden_from_the_client_s_staff(tenants: Tenants) -> None:
    lead = tenants.scope("pa", "supervisor")
    chat = services.conversation_create(lead, channel="chat", client_id=tenants.ca1.pk, message="在吗")
    services.message_post(
        lead, conversation_id=chat.pk, body="先安抚客户", direction="note", channel_data={"whisper": True}
    )
    services.message_post(lead, conversation_id=chat.pk, body="已核对订单", direction="note")
    services.message_post(lead, conversation_id=chat.pk, body="您好", direction="out")

    provider_side = [
        m.body for m in selectors.message_list(tenants.scope("pa", "agent"), conversation_id=chat.pk)
    ]
    client = tenants.scope("ca1", "client_manager")
    client_side = [m.body for m in selectors.message_list(client, conversation_id=chat.pk)]
    page, _earlier = workspace.thread_page(
        client, selectors.conversation_get(client, conversation_id=chat.pk)
    )

    assert provider_side == ["在吗", "先安抚客户", "已核对订单", "您好"]
    assert client_side == ["在吗", "已核对订单", "您好"]
    assert [m.body for m in page] == client_side
