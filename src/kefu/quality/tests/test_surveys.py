"""Surveys: versioned definitions, signed single-use expiring links, delivery and the one
reminder, answers with NPS and further questions written with their event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.quality.models import InvitationStatus, SurveyAnswer, SurveyInvitation
from kefu.quality.surveys import delivery, links, services, sms
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

DEFINITION = {
    "name": "售后满意度",
    "channel": "",
    "csat_text": "您对本次服务满意吗？",
    "ask_nps": True,
    "nps_text": "您有多大可能把我们推荐给朋友？",
    "questions_text": "问题解决了吗？ | choice | 解决了 / 没解决\n建议 | text",
    "link_hours": 48,
    "reminder_hours": 24,
}


@pytest.fixture
def definition(tenants: Tenants) -> Any:
    return services.survey_definition_create(
        tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **DEFINITION
    )


def _resolved(tenants: Tenants, channel: str = "email", phone: str = "", email: str = "") -> int:
    agent = tenants.scope("pa", "agent")
    customer = desk_services.customer_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name="王女士", phone=phone, email=email
    )
    conversation = desk_services.conversation_create(
        agent, channel=channel, client_id=tenants.ca1.pk, message="退货进度？", customer_id=customer.pk
    )
    desk_services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="其他"
    )
    return conversation.pk


def test_a_change_stores_the_next_version_and_answers_keep_theirs(tenants: Tenants, definition: Any) -> None:
    qa = tenants.scope("pa", "qa_inspector")
    conversation_id = _resolved(tenants, email="wang@example.cn")
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=conversation_id, medium="email"
    )
    newer = services.survey_definition_update(qa, definition_id=definition.pk, questions_text="建议 | text")
    assert (newer.version, newer.family, newer.is_current) == (2, definition.pk, True)
    definition.refresh_from_db()
    assert not definition.is_current
    with pytest.raises(Invalid):
        services.survey_definition_update(qa, definition_id=definition.pk, name="旧的")
    answer = services.survey_link_answer(
        services.link_token(invitation), score="4", nps="9", answers={"q1": "解决了", "q2": "物流再快点"}
    )
    assert (answer.definition_id, answer.nps, answer.answers) == (
        definition.pk,
        9,
        {"q1": "解决了", "q2": "物流再快点"},
    )
    event = ContactEvent.all_tenants.get(type="survey_answered")
    assert event.data["nps"] == 9 and event.data["score"] == 4 and event.data["medium"] == "email"
    assert event.data["survey"] == {"id": definition.pk, "version": 1}


def test_who_manages_and_who_sees(tenants: Tenants, definition: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.survey_definition_create(
            tenants.scope("pa", "agent"), client_id=tenants.ca1.pk, **DEFINITION
        )
    with pytest.raises(PermissionDenied):
        services.survey_definition_create(tenants.scope("ca1", "client_admin"), client_id=None, **DEFINITION)
    with pytest.raises(NotFound):
        services.survey_definition_create(
            tenants.scope("pb", "provider_admin"), client_id=tenants.ca1.pk, **DEFINITION
        )
    with pytest.raises(NotFound):
        services.survey_definition_update(tenants.scope("pb", "provider_admin"), definition_id=definition.pk)
    from kefu.quality.surveys import selectors

    assert [d.pk for d in selectors.definition_list(tenants.scope("ca1", "client_admin"))] == [definition.pk]
    assert not selectors.definition_list(tenants.scope("pb", "provider_admin")).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"csat_text": ""}, "csat_text"),
        ({"nps_text": ""}, "nps_text"),
        ({"channel": "fax"}, "channel"),
        ({"link_hours": 0}, "link_hours"),
        ({"reminder_hours": 48}, "reminder_hours"),
        ({"questions_text": "颜色 | choice | 红"}, "questions"),
    ],
)
def test_bad_definitions_name_their_field(tenants: Tenants, change: dict, field: str) -> None:
    with pytest.raises(Invalid) as error:
        services.survey_definition_create(
            tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **{**DEFINITION, **change}
        )
    assert error.value.field == field


def test_link_signature_tampering_and_foreign_tokens(tenants: Tenants, definition: Any) -> None:
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=_resolved(tenants, email="a@b.cn"), medium="email"
    )
    token = services.link_token(invitation)
    assert links.read_token(token) == (invitation.pk, invitation.nonce)
    assert services.survey_link_open(token).pk == invitation.pk
    forged = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="another purpose")
    wrong_nonce = links.make_token(invitation.pk, "0" * 32)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, wrong_nonce, "x", ""):
        with pytest.raises(NotFound):
            services.survey_link_open(bad)
    assert not SurveyAnswer.all_tenants.exists()


def test_a_link_works_once(tenants: Tenants, definition: Any) -> None:
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=_resolved(tenants, email="a@b.cn"), medium="email"
    )
    token = services.link_token(invitation)
    with pytest.raises(Invalid) as error:
        services.survey_link_answer(token, score=5, nps=None)  # the definition asks NPS
    assert error.value.field == "nps"
    services.survey_link_answer(token, score=5, nps=10)
    with pytest.raises(services.LinkUsed):
        services.survey_link_answer(token, score=1, nps=0)
    with pytest.raises(services.LinkUsed):
        services.survey_link_open(token)
    assert SurveyAnswer.all_tenants.get().score == 5
    invitation.refresh_from_db()
    assert invitation.answered_at is not None and invitation.remind_at is None


def test_a_link_expires_on_its_row(tenants: Tenants, definition: Any) -> None:
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=_resolved(tenants, email="a@b.cn"), medium="email"
    )
    token = services.link_token(invitation)
    with clock.at(invitation.expires_at - timedelta(seconds=1)):
        assert services.survey_link_open(token).pk == invitation.pk
    with clock.at(invitation.expires_at), pytest.raises(services.LinkExpired):
        services.survey_link_answer(token, score=5, nps=10)
    assert not SurveyAnswer.all_tenants.exists()


def test_sending_needs_a_finished_conversation_and_a_survey(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid):  # no survey for the client yet
        services.survey_invitation_create(agent, conversation_id=_resolved(tenants), medium="email")
    services.survey_definition_create(
        tenants.scope("pa", "qa_inspector"), client_id=tenants.ca1.pk, **DEFINITION
    )
    open_one = desk_services.conversation_create(
        agent, channel="email", client_id=tenants.ca1.pk, message="在吗"
    )
    with pytest.raises(Conflict):
        services.survey_invitation_create(agent, conversation_id=open_one.pk, medium="sms")
    with pytest.raises(Invalid):
        services.survey_invitation_create(agent, conversation_id=_resolved(tenants), medium="fax")
    conversation_id = _resolved(tenants)
    services.survey_invitation_create(agent, conversation_id=conversation_id, medium="sms")
    with pytest.raises(Conflict):  # one open link at a time
        services.survey_invitation_create(agent, conversation_id=conversation_id, medium="email")
    with pytest.raises(NotFound):
        services.survey_invitation_create(
            tenants.scope("pb", "agent"), conversation_id=conversation_id, medium="sms"
        )


class FakeSmtp:
    sent: list[Any] = []

    def send_message(self, message: Any, **kwargs: Any) -> None:
        FakeSmtp.sent.append(message)

    def quit(self) -> None:
        pass


def test_sms_is_logged_not_faked_and_one_reminder_follows(
    tenants: Tenants, definition: Any, settings: Any
) -> None:
    settings.KEFU_SMS_BACKEND = "kefu.quality.surveys.sms.OutboxBackend"
    sms.OutboxBackend.outbox.clear()
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"),
        conversation_id=_resolved(tenants, channel="phone", phone="13812345678"),
        medium="sms",
    )
    assert delivery.deliver_due() == "survey links queued 0, sent 1, reminders 0"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.LOGGED  # the outbox backend delivers nothing
    assert [to for to, _ in sms.OutboxBackend.outbox] == ["13812345678"]
    token = sms.OutboxBackend.outbox[0][1].split("/s/")[1].split("/")[0]
    assert services.survey_link_open(token).pk == invitation.pk
    assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"  # not again, not yet
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with clock.at(later):
        assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 1"
        assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"  # only one
    assert len(sms.OutboxBackend.outbox) == 2


def test_no_reminder_after_an_answer_or_after_expiry(
    tenants: Tenants, definition: Any, settings: Any
) -> None:
    settings.KEFU_SMS_BACKEND = "kefu.quality.surveys.sms.OutboxBackend"
    sms.OutboxBackend.outbox.clear()
    agent = tenants.scope("pa", "agent")
    answered = services.survey_invitation_create(
        agent, conversation_id=_resolved(tenants, channel="phone", phone="13800000001"), medium="sms"
    )
    expired = services.survey_invitation_create(
        agent, conversation_id=_resolved(tenants, channel="phone", phone="13800000002"), medium="sms"
    )
    delivery.deliver_due()
    services.survey_link_answer(services.link_token(answered), score=3, nps=7)
    SurveyInvitation.all_tenants.filter(pk=expired.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    with clock.at(timezone.now() + timedelta(hours=30)):
        assert delivery.deliver_due() == "survey links queued 0, sent 0, reminders 0"
    assert len(sms.OutboxBackend.outbox) == 2


def test_email_links_leave_from_the_clients_mailbox(
    tenants: Tenants, definition: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kefu.connectors.email import mailboxes, sending

    mailboxes.mailbox_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        address="service@shop.example.cn",
        smtp_host="smtp.example.cn",
    )
    FakeSmtp.sent = []
    monkeypatch.setattr(sending, "_smtp_open", lambda mailbox: FakeSmtp())
    services.survey_invitation_create(
        tenants.scope("pa", "agent"),
        conversation_id=_resolved(tenants, email="wang@example.cn"),
        medium="email",
    )
    assert delivery.deliver_due() == "survey links queued 0, sent 1, reminders 0"
    assert SurveyInvitation.all_tenants.get().status == InvitationStatus.SENT
    (mail,) = FakeSmtp.sent
    assert mail["To"] == "wang@example.cn"
    assert mail["From"].addresses[0].addr_spec == "service@shop.example.cn"
    token = mail.get_content().split("/s/")[1].split("/")[0]
    assert services.survey_link_open(token).medium == "email"


def test_an_email_without_an_address_fails_for_good(tenants: Tenants, definition: Any) -> None:
    services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=_resolved(tenants), medium="email"
    )
    delivery.deliver_due()
    row = SurveyInvitation.all_tenants.get()
    assert row.status == InvitationStatus.FAILED and row.remind_at is None
