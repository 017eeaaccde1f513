"""The email channel: the inbound webhook, threading, and replies sent through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from kefu.connectors import email
from kefu.connectors.models import InboundEmail, MailboxConfig, OutgoingEmail
from kefu.connectors.tests.conftest import SmtpServer, free_port
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import Attachment, Conversation, Customer, Message
from kefu.testing.plugin import Tenants

# Committed for real: agents' replies reach the email outbox through the after-commit event sink.
pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "zhang.san@example.cn"


def mail(
    body: str = "你好，我的订单 123 还没发货。",
    *,
    subject: str = "订单还没发货",
    message_id: str = "<c1@example.cn>",
    sender: str = f"张三 <{CUSTOMER}>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@home.example.cn"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def mailbox(tenants: Tenants, smtp_server: SmtpServer) -> tuple[MailboxConfig, str]:
    return email.mailbox_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        address="support@home.example.cn",
        from_name="家居店客服",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
    )


def post(key: str, raw: bytes, content_type: str = "message/rfc822") -> Any:
    return Client().post(f"/connectors/email/{key}/inbound", data=raw, content_type=content_type)


def reply(tenants: Tenants, conversation_id: int, body: str) -> Message:
    """An agent's reply; committed, so the sink queues it as in production."""
    return desk_services.message_post(
        tenants.scope("pa", "agent"), conversation_id=conversation_id, body=body
    )


def test_the_webhook_opens_an_email_conversation_with_the_customer(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    response = post(mailbox[1], mail())

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["ok"] is True and body["duplicate"] is False
    conversation = Conversation.all_tenants.get(pk=body["conversation_id"])
    assert (conversation.channel, conversation.subject, conversation.status) == (
        "email",
        "订单还没发货",
        "new",
    )
    assert (conversation.provider_id, conversation.client_id) == (tenants.pa.pk, tenants.ca1.pk)
    customer = Customer.all_tenants.get(pk=conversation.customer_id)
    assert (customer.name, customer.email, customer.client_id) == ("张三", CUSTOMER, tenants.ca1.pk)
    message = Message.all_tenants.get(conversation=conversation)
    assert (message.direction, message.body, message.external_id) == (
        "in",
        "你好，我的订单 123 还没发货。",
        "<c1@example.cn>",
    )
    assert message.channel_data["email"]["source"] == "webhook"
    assert CUSTOMER not in str(message.channel_data)  # addresses stay encrypted on the customer


def test_a_duplicate_message_id_is_not_imported_twice(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    first = post(mailbox[1], mail()).json()

    again = post(mailbox[1], mail())

    assert again.status_code == 202
    assert again.json() == {"ok": True, "duplicate": True, "conversation_id": first["conversation_id"]}
    assert Message.all_tenants.count() == 1
    assert InboundEmail.all_tenants.count() == 1


def test_a_known_sender_writing_anew_gets_a_new_conversation_as_the_same_customer(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    first = post(mailbox[1], mail()).json()["conversation_id"]

    second = post(mailbox[1], mail("另一个问题", subject="发票", message_id="<c2@example.cn>")).json()

    assert second["conversation_id"] != first
    conversations = Conversation.all_tenants.filter(pk__in=[first, second["conversation_id"]])
    assert len({c.customer_id for c in conversations}) == 1
    assert Customer.all_tenants.count() == 1


@pytest.mark.parametrize(
    ("key", "raw", "content_type", "status", "code"),
    [
        ("mbx_unknownkey123", mail(), "message/rfc822", 404, "not_found"),
        (None, b"", "message/rfc822", 400, "bad_email"),
        (None, b"\x00\x01\x02 garbage without headers", "application/octet-stream", 400, "bad_email"),
        (None, b"Subject: hi\r\n\r\nno sender", "message/rfc822", 400, "bad_email"),
        (None, mail(), "application/json", 415, "unsupported_media_type"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    mailbox: tuple[MailboxConfig, str], key: str | None, raw: bytes, content_type: str, status: int, code: str
) -> None:
    response = post(key or mailbox[1], raw, content_type)

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert Conversation.all_tenants.count() == 0


def test_an_oversized_mail_is_refused_with_413(mailbox: tuple[MailboxConfig, str]) -> None:
    raw = mail("大" * (email.MAX_RAW_BYTES // 2))  # UTF-8: 3 bytes a character, over 10 MB encoded

    response = post(mailbox[1], raw)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert Conversation.all_tenants.count() == 0


def test_a_switched_off_mailbox_refuses_and_a_rotated_key_retires_the_old_url(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    email.mailbox_update(admin, mailbox_id=mailbox[0].pk, active=False)
    assert post(mailbox[1], mail()).status_code == 403
    email.mailbox_update(admin, mailbox_id=mailbox[0].pk, active=True)

    _mailbox, new_key = email.mailbox_rotate_key(admin, mailbox_id=mailbox[0].pk)

    assert post(mailbox[1], mail()).status_code == 404
    assert post(new_key, mail()).status_code == 202
    assert MailboxConfig.all_tenants.get().inbound_key_hash == email.key_hash(
        new_key
    )  # only the hash is stored


def test_a_mailbox_of_a_provider_no_longer_serving_the_client_is_unknown(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    from kefu.tenancy.models import Engagement

    Engagement.objects.filter(provider=tenants.pa, client=tenants.ca1).update(status="ended")

    assert post(mailbox[1], mail()).status_code == 404


def test_an_agent_reply_leaves_by_smtp_with_threading_headers_and_the_answer_threads_back(
    tenants: Tenants,
    mailbox: tuple[MailboxConfig, str],
    smtp_server: SmtpServer,
) -> None:
    conversation_id = post(mailbox[1], mail(References="<older@example.cn>")).json()["conversation_id"]
    message = reply(tenants, conversation_id, "您好，已为您催促仓库，今天发出。")

    assert email.send_due() == 1

    [envelope] = smtp_server.messages
    assert envelope.mail_from == "support@home.example.cn"
    assert envelope.rcpt_tos == [CUSTOMER]
    sent = message_from_bytes(envelope.content, policy=policy.default)
    assert sent["Subject"] == f"Re: 订单还没发货 [#{conversation_id}]"
    assert str(sent["From"]) == "家居店客服 <support@home.example.cn>"
    assert str(sent["To"]) == CUSTOMER
    assert sent["In-Reply-To"] == "<c1@example.cn>"
    assert sent["References"] == "<older@example.cn> <c1@example.cn>"
    assert sent["Message-ID"].endswith("@home.example.cn>")
    assert sent.get_content().strip() == "您好，已为您催促仓库，今天发出。"
    message.refresh_from_db()
    assert message.delivery == "sent"
    assert message.channel_data["email"]["message_id"] == sent["Message-ID"]
    row = OutgoingEmail.all_tenants.get()
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, sent["Message-ID"])
    assert email.send_due() == 0  # nothing sent twice

    # the customer answers that mail: same conversation, even with a changed subject
    desk_services.conversation_set_status(
        tenants.scope("pa", "agent"), conversation_id=conversation_id, status="pending_customer"
    )
    answer = mail(
        "收到了，谢谢！\n\n在 2026年6月1日，家居店客服 写道：\n> 您好，已为您催促仓库",
        subject="谢谢",
        message_id="<c2@example.cn>",
        In_Reply_To=sent["Message-ID"],
    )
    response = post(mailbox[1], answer)

    assert response.json()["conversation_id"] == conversation_id
    conversation = Conversation.all_tenants.get(pk=conversation_id)
    assert conversation.status == "open"  # back to the agents by message_post's normal rule
    last = Message.all_tenants.filter(conversation_id=conversation_id).order_by("-seq").first()
    assert (last.direction, last.body) == ("in", "收到了，谢谢！")
    assert last.channel_data["email"]["quoted_removed"] is True


def test_a_subject_token_threads_only_for_that_conversations_customer(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    conversation_id = post(mailbox[1], mail()).json()["conversation_id"]
    token = f"Re: 订单还没发货 [#{conversation_id}]"

    same = post(mailbox[1], mail("补充一下", subject=token, message_id="<c3@example.cn>")).json()
    stranger = post(
        mailbox[1], mail("我也是", subject=token, message_id="<x1@other.cn>", sender="li@other.cn")
    ).json()

    assert same["conversation_id"] == conversation_id
    assert stranger["conversation_id"] != conversation_id


def test_a_token_naming_another_clients_conversation_opens_a_new_one(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    other = desk_services.conversation_create(
        tenants.scope("pa", "agent"), channel="email", client_id=tenants.ca2.pk, message="别的客户"
    )

    response = post(mailbox[1], mail(subject=f"Re: x [#{other.pk}]")).json()

    assert response["conversation_id"] != other.pk
    assert Conversation.all_tenants.get(pk=response["conversation_id"]).client_id == tenants.ca1.pk


def test_a_reply_to_a_closed_conversation_starts_a_new_one(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    first = post(mailbox[1], mail()).json()["conversation_id"]
    desk_services.conversation_set_status(
        tenants.scope("pa", "supervisor"), conversation_id=first, status="closed"
    )

    again = post(
        mailbox[1], mail("还是没到", message_id="<c4@example.cn>", In_Reply_To="<c1@example.cn>")
    ).json()

    assert again["conversation_id"] != first


def test_smtp_failures_are_retried_with_backoff_then_sent(
    tenants: Tenants,
    mailbox: tuple[MailboxConfig, str],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.failures = 2
    conversation_id = post(mailbox[1], mail()).json()["conversation_id"]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        message = reply(tenants, conversation_id, "您好")
        row = OutgoingEmail.all_tenants.get()
        waits = []
        for _attempt in range(2):
            assert email.send_due() == 0
            row.refresh_from_db()
            assert row.status == "pending" and row.last_error.startswith("SMTP 451")
            assert email.send_due() == 0  # not due yet
            waits.append((row.next_attempt_at - timezone.now()).total_seconds())
            traveller.move_to(row.next_attempt_at)
        assert email.send_due() == 1

    assert waits == [60, 120]
    row.refresh_from_db()
    message.refresh_from_db()
    assert (row.status, row.attempts, message.delivery) == ("sent", 3, "sent")
    assert len(smtp_server.messages) == 1


def test_after_the_last_failure_the_message_is_marked_failed(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str], in_english: None
) -> None:
    email.mailbox_update(
        tenants.scope("pa", "provider_admin"), mailbox_id=mailbox[0].pk, smtp_port=free_port()
    )
    conversation_id = post(mailbox[1], mail()).json()["conversation_id"]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        message = reply(tenants, conversation_id, "您好")
        for _attempt in range(email.MAX_ATTEMPTS):
            assert email.send_due() == 0
            traveller.shift(timedelta(hours=2))

    row = OutgoingEmail.all_tenants.get()
    message.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", email.MAX_ATTEMPTS)
    assert row.last_error.startswith("Cannot connect")
    assert message.delivery == "failed"


def test_a_refused_recipient_fails_at_once(
    tenants: Tenants,
    mailbox: tuple[MailboxConfig, str],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.refuse_rcpt = "550 5.1.1 no such user"
    conversation_id = post(mailbox[1], mail()).json()["conversation_id"]
    message = reply(tenants, conversation_id, "您好")

    assert email.send_due() == 0

    row = OutgoingEmail.all_tenants.get()
    message.refresh_from_db()
    assert (row.status, row.attempts, message.delivery) == ("failed", 1, "failed")


def test_notes_and_replies_on_other_channels_send_no_email(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    agent = tenants.scope("pa", "agent")
    email_id = post(mailbox[1], mail()).json()["conversation_id"]
    chat = desk_services.conversation_create(agent, channel="chat", client_id=tenants.ca1.pk, message="你好")
    desk_services.message_post(agent, conversation_id=email_id, body="内部备注", direction="note")
    desk_services.message_post(agent, conversation_id=chat.pk, body="聊天回复")

    assert OutgoingEmail.all_tenants.count() == 0


def test_a_reply_without_a_mailbox_is_marked_failed_not_lost(tenants: Tenants, in_english: None) -> None:
    agent = tenants.scope("pa", "agent")
    customer = desk_services.customer_create(agent, client_id=tenants.ca2.pk, email="wang@example.cn")
    conversation = desk_services.conversation_create(
        agent, channel="email", client_id=tenants.ca2.pk, customer_id=customer.pk, message="你好"
    )

    message = reply(tenants, conversation.pk, "您好")

    row = OutgoingEmail.all_tenants.get()
    message.refresh_from_db()
    assert (row.status, row.mailbox_id, message.delivery) == ("failed", None, "failed")
    assert "mailbox" in row.last_error


def test_mailbox_settings_are_validated_and_scoped(tenants: Tenants, in_english: None) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with pytest.raises(email.Invalid, match="valid email"):
        email.mailbox_create(admin, client_id=tenants.ca1.pk, address="not-an-address")
    with pytest.raises(email.Invalid, match="user name and a password"):
        email.mailbox_create(admin, client_id=tenants.ca1.pk, address="a@b.cn", imap_host="imap.b.cn")
    with pytest.raises(email.Invalid, match="port"):
        email.mailbox_create(admin, client_id=tenants.ca1.pk, address="a@b.cn", smtp_port=70000)
    with pytest.raises(email.NotFound, match="Unknown client"):
        email.mailbox_create(admin, client_id=tenants.cb.pk, address="a@b.cn")
    with pytest.raises(email.PermissionDenied):
        email.mailbox_create(tenants.scope("pa", "agent"), client_id=tenants.ca1.pk, address="a@b.cn")
    mailbox, _key = email.mailbox_create(
        admin,
        client_id=tenants.ca1.pk,
        address="a@b.cn",
        imap_host="imap.b.cn",
        imap_username="a",
        imap_password="mailbox-secret-7f3a",
    )
    with pytest.raises(email.Invalid, match="already has a mailbox"):
        email.mailbox_create(admin, client_id=tenants.ca1.pk, address="A@b.cn")
    with pytest.raises(email.NotFound):
        email.mailbox_update(tenants.scope("pb", "provider_admin"), mailbox_id=mailbox.pk, active=False)

    email.mailbox_update(admin, mailbox_id=mailbox.pk, from_name="客服", imap_password=None)

    mailbox.refresh_from_db()
    assert (mailbox.from_name, mailbox.imap_password) == (
        "客服",
        "mailbox-secret-7f3a",
    )  # a left-out password is kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM connectors_mailboxconfig WHERE id = %s", [mailbox.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:") and "mailbox-secret-7f3a" not in raw  # encrypted at rest


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


def test_the_webhook_reads_a_large_mail_past_the_form_upload_limit(
    mailbox: tuple[MailboxConfig, str], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["Subject"] = "照片"
    message["Message-ID"] = "<big@example.cn>"
    message.set_content("请看照片")
    message.add_attachment(b"\xff" * 50_000, maintype="image", subtype="jpeg", filename="破损.jpg")

    response = post(mailbox[1], message.as_bytes())

    assert response.status_code == 202, response.content
    stored = Message.all_tenants.get()
    [listed] = stored.channel_data["email"]["attachments"]
    assert listed | {"refused": ""} == {
        "filename": "破损.jpg",
        "content_type": "image/jpeg",
        "size": 50_000,
        "blocked": False,
        "refused": "",
    }
    assert listed["refused"]  # not a JPEG inside: the mail is kept, the file is not
    assert "破损.jpg (48 KB)" in stored.body
    assert not Attachment.all_tenants.exists()


def test_a_mails_files_become_the_conversations_attachments(mailbox: tuple[MailboxConfig, str]) -> None:
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["Subject"] = "破损照片"
    message["Message-ID"] = "<photo@example.cn>"
    message.set_content("快递破了，见附件")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="破损.png")
    message.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 60, maintype="application", subtype="octet-stream", filename="setup.exe"
    )

    assert post(mailbox[1], message.as_bytes()).status_code == 202

    stored = Message.all_tenants.get()
    [kept] = Attachment.all_tenants.all()
    assert (kept.message_id, kept.conversation_id) == (stored.pk, stored.conversation_id)
    assert (kept.filename, kept.content_type, kept.size) == ("破损.png", "image/png", len(PNG))
    listed = stored.channel_data["email"]["attachments"]
    assert [a["filename"] for a in listed] == ["破损.png", "setup.exe"]
    assert "refused" not in listed[0] and listed[1]["blocked"] and listed[1]["refused"]


def test_customer_lookup_reads_through_the_mailbox_scope(
    tenants: Tenants, mailbox: tuple[MailboxConfig, str]
) -> None:
    desk_services.customer_create(tenants.scope("pb", "supervisor"), client_id=tenants.cb.pk, email=CUSTOMER)

    conversation_id = post(mailbox[1], mail()).json()["conversation_id"]

    conversation = desk_selectors.conversation_get(
        tenants.scope("pa", "agent"), conversation_id=conversation_id
    )
    assert Customer.all_tenants.get(pk=conversation.customer_id).client_id == tenants.ca1.pk
