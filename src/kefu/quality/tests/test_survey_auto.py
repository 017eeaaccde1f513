"""Automatic survey links after e-mail and phone conversations: opt-in per survey, after the
delay, one per conversation whatever runs, SMS for calls and e-mail for e-mails, never chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.core import clock
from kefu.core.errors import Invalid
from kefu.desk import services as desk_services
from kefu.quality.models import InvitationStatus, SurveyInvitation
from kefu.quality.surveys import delivery, services, sms
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

AUTO = {
    "name": "来电回访",
    "channel": "",
    "csat_text": "您对本次服务满意吗？",
    "ask_nps": False,
    "link_hours": 48,
    "reminder_hours": 0,
    "auto_send": True,
    "send_delay_minutes": 30,
}


def _finished(tenants: Tenants, channel: str, *, phone: str = "", status: str = "resolved") -> int:
    agent = tenants.scope("pa", "agent")
    customer = desk_services.customer_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name="李先生", phone=phone
    )
    conversation = desk_services.conversation_create(
        agent, channel=channel, client_id=tenants.ca1.pk, message="师傅什么时候到？", customer_id=customer.pk
    )
    desk_services.conversation_set_status(
        agent, conversation_id=conversation.pk, status=status, category="其他"
    )
    return conversation.pk


@pytest.fixture
def outbox(settings: Any) -> list[tuple[str, str]]:
    settings.KEFU_SMS_BACKEND = "kefu.quality.surveys.sms.OutboxBackend"
    sms.OutboxBackend.outbox.clear()
    return sms.OutboxBackend.outbox


def _later(minutes: int) -> Any:
    return clock.at(timezone.now() + timedelta(minutes=minutes))


def test_a_call_gets_one_sms_link_after_the_delay(tenants: Tenants, outbox: list) -> None:
    # given an automatic survey and a resolved call
    services.survey_definition_create(tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **AUTO)
    call = _finished(tenants, "phone", phone="13912345678")
    # when the job runs before the delay, then nothing is queued
    assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"
    # when it runs after the delay, then one SMS link goes out, and never a second
    with _later(31):
        assert delivery.deliver_due() == "survey links queued 1, sent 1, reminders 0"
        assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"
    (row,) = SurveyInvitation.all_tenants.all()
    assert (row.conversation_id, row.medium, row.status, row.created_by_id) == (
        call,
        "sms",
        InvitationStatus.LOGGED,
        None,
    )
    assert [to for to, _ in outbox] == ["13912345678"]


def test_only_email_and_phone_and_only_when_switched_on(tenants: Tenants, outbox: list) -> None:
    qa = tenants.scope("pa", "qa_inspector")
    survey = services.survey_definition_create(qa, client_id=tenants.ca1.pk, **{**AUTO, "auto_send": False})
    _finished(tenants, "phone", phone="13900000001")
    with _later(31):
        assert delivery.queue_automatic() == 0  # not switched on
    newer = services.survey_definition_update(qa, definition_id=survey.pk, auto_send=True)
    assert newer.auto_since is not None
    with _later(40):
        assert delivery.queue_automatic() == 0  # finished before it was switched on
    email = _finished(tenants, "email", status="closed")
    _finished(tenants, "chat")
    with _later(31):
        assert delivery.queue_automatic() == 1
    assert list(SurveyInvitation.all_tenants.values_list("conversation_id", "medium")) == [(email, "email")]


def test_a_manual_link_or_an_answer_means_no_automatic_one(tenants: Tenants, outbox: list) -> None:
    services.survey_definition_create(tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **AUTO)
    asked = _finished(tenants, "phone", phone="13900000002")
    services.survey_invitation_create(tenants.scope("pa", "agent"), conversation_id=asked, medium="sms")
    with _later(31):
        assert delivery.queue_automatic() == 0
    assert SurveyInvitation.all_tenants.count() == 1


def test_the_channel_survey_decides_over_the_every_channel_one(tenants: Tenants, outbox: list) -> None:
    qa = tenants.scope("pa", "qa_inspector")
    services.survey_definition_create(qa, client_id=tenants.ca1.pk, **AUTO)
    services.survey_definition_create(
        qa, client_id=tenants.ca1.pk, **{**AUTO, "name": "电话", "channel": "phone", "auto_send": False}
    )
    _finished(tenants, "phone", phone="13900000003")
    with _later(31):
        assert delivery.queue_automatic() == 0


def test_a_later_survey_version_keeps_the_switch_on_time(tenants: Tenants) -> None:
    qa = tenants.scope("pa", "qa_inspector")
    survey = services.survey_definition_create(qa, client_id=tenants.ca1.pk, **AUTO)
    newer = services.survey_definition_update(qa, definition_id=survey.pk, name="回访")
    off = services.survey_definition_update(qa, definition_id=newer.pk, auto_send=False)
    assert (newer.auto_since, off.auto_since, off.send_delay_minutes) == (survey.auto_since, None, 30)


def test_the_delay_is_checked(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as error:
        services.survey_definition_create(
            tenants.scope("pa", "qa_inspector"),
            client_id=tenants.ca1.pk,
            **{**AUTO, "send_delay_minutes": 1441},
        )
    assert error.value.field == "send_delay_minutes"
