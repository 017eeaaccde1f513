"""The satisfaction prompt: asked when the conversation is resolved, answered once."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from kefu.analytics.models import ContactEvent
from kefu.connectors.models import WidgetConfig
from kefu.connectors.tests.conftest import frames_until, open_widget, run
from kefu.desk import services as desk_services
from kefu.quality.models import SurveyAnswer
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)


def test_resolving_asks_for_a_rating_which_is_stored_once_with_an_event(
    tenants: Tenants, widget: WidgetConfig
) -> None:
    agent = tenants.scope("pa", "agent")

    async def scenario() -> tuple[dict, list[dict], dict, dict, dict]:
        socket, hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        await socket.send_json_to({"type": "message", "body": "发票怎么开", "client_msg_id": "q"})
        conversation_id = (await frames_until(socket, "message"))[-1]["conversation_id"]
        await socket.send_json_to({"type": "survey", "score": 5})
        too_early = await socket.receive_json_from(timeout=5)

        post = database_sync_to_async(desk_services.message_post)
        await post(agent, conversation_id=conversation_id, body="在订单页申请即可")
        await database_sync_to_async(desk_services.conversation_set_status)(
            agent, conversation_id=conversation_id, status="resolved", category="售前咨询"
        )
        frames = await frames_until(socket, "status")
        await socket.send_json_to({"type": "survey", "score": 4, "comment": "很快"})
        thanks = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "survey", "score": 1})
        again = await socket.receive_json_from(timeout=5)
        await socket.disconnect()

        # a reconnecting widget is not asked again
        socket, hello_after = await open_widget(widget.widget_key, visitor=hello["visitor"])
        await socket.disconnect()
        return too_early, frames, thanks, again, hello_after

    too_early, frames, thanks, again, hello_after = run(scenario)

    assert too_early["type"] == "error" and too_early["code"] == "not_finished"
    assert [f["type"] for f in frames] == ["message", "status"]
    assert frames[-1]["status"] == "resolved" and frames[-1]["survey"] is True
    assert thanks["type"] == "survey_thanks"
    assert again["type"] == "error" and again["code"] == "already_answered"
    answer = SurveyAnswer.all_tenants.get()
    assert (answer.score, answer.comment, answer.channel) == (4, "很快", "chat")
    assert (answer.client_id, answer.provider_id) == (tenants.ca1.pk, tenants.pa.pk)
    event = ContactEvent.all_tenants.get(type="survey_answered")
    assert event.data == {"score": 4, "scale": 5, "comment": True, "medium": "chat"}
    assert event.conversation_id == answer.conversation_id and event.actor_id is None
    assert hello_after["survey"] is False and hello_after["status"] == "resolved"


def test_no_prompt_when_the_widget_does_not_ask(tenants: Tenants, widget: WidgetConfig) -> None:
    from kefu.connectors import services

    services.widget_update(
        tenants.scope("pa", "provider_admin"), widget_id=widget.pk, satisfaction_prompt=False
    )
    agent = tenants.scope("pa", "agent")

    async def scenario() -> dict:
        socket, _hello = await open_widget(widget.widget_key)
        await socket.send_json_to({"type": "resume", "conversation_id": None, "after_seq": 0})
        await socket.send_json_to({"type": "message", "body": "谢谢", "client_msg_id": "q"})
        conversation_id = (await frames_until(socket, "message"))[-1]["conversation_id"]
        await database_sync_to_async(desk_services.conversation_set_status)(
            agent, conversation_id=conversation_id, status="resolved", category="其他"
        )
        status = (await frames_until(socket, "status"))[-1]
        await socket.disconnect()
        return status

    assert run(scenario)["survey"] is False
