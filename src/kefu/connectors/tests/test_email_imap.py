"""The full email round trip through real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.management import call_command

from kefu.connectors import email
from kefu.connectors.models import MailboxConfig
from kefu.connectors.tests.conftest import ImapServer, SmtpServer, free_port
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation, Message
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "li.si@example.cn"


def customer_mail(body: str, *, subject: str, message_id: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"李四 <{CUSTOMER}>"
    message["To"] = "support@beauty.example.cn"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def mailbox(tenants: Tenants, imap_server: ImapServer, smtp_server: SmtpServer) -> MailboxConfig:
    mailbox, _key = email.mailbox_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca2.pk,
        address="support@beauty.example.cn",
        from_name="美妆店",
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_security="none",
        imap_username=imap_server.username,
        imap_password=imap_server.password,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
    )
    return mailbox


def test_mail_polled_from_imap_answered_by_smtp_and_the_answer_polled_into_the_same_conversation(
    tenants: Tenants, mailbox: MailboxConfig, imap_server: ImapServer, smtp_server: SmtpServer, capsys: Any
) -> None:
    imap_server.append(customer_mail("口红颜色不对，想换货。", subject="换货", message_id="<l1@example.cn>"))

    call_command("email", "poll", "--once")

    assert capsys.readouterr().out.strip() == "received=1"
    conversation = Conversation.all_tenants.get()
    assert (conversation.channel, conversation.subject, conversation.client_id) == (
        "email",
        "换货",
        tenants.ca2.pk,
    )
    first = Message.all_tenants.get(conversation=conversation)
    assert (first.direction, first.body, first.external_id) == (
        "in",
        "口红颜色不对，想换货。",
        "<l1@example.cn>",
    )
    assert first.channel_data["email"]["source"] == "imap"
    assert imap_server.unseen() == []  # taken in and flagged \Seen
    mailbox.refresh_from_db()
    assert (mailbox.imap_last_uid, mailbox.last_error) == (1, "")
    assert mailbox.imap_uidvalidity and mailbox.last_polled_at is not None

    assert email.poll_mailboxes() == 0  # nothing new, nothing twice

    # the agent answers; the reply goes out through SMTP with threading headers
    email_reply = desk_services.message_post(
        tenants.scope("pa", "agent"), conversation_id=conversation.pk, body="您好，可以换货，请寄回。"
    )
    call_command("email", "send", "--once")
    assert capsys.readouterr().out.strip() == "sent=1"
    [envelope] = smtp_server.messages
    sent = message_from_bytes(envelope.content, policy=policy.default)
    assert sent["Subject"] == f"Re: 换货 [#{conversation.pk}]"
    assert sent["In-Reply-To"] == "<l1@example.cn>"
    assert sent["References"] == "<l1@example.cn>"
    assert envelope.rcpt_tos == [CUSTOMER]
    email_reply.refresh_from_db()
    assert email_reply.delivery == "sent"

    # the customer's mail client answers it (GBK text labelled gb2312); polled into the same conversation
    answer = EmailMessage()
    answer["From"] = f"李四 <{CUSTOMER}>"
    answer["Subject"] = "回复：" + sent["Subject"]
    answer["Message-ID"] = "<l2@example.cn>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = f"<l1@example.cn> {sent['Message-ID']}"
    answer["Content-Type"] = "text/plain; charset=gb2312"
    answer["Content-Transfer-Encoding"] = "8bit"
    raw = answer.as_bytes() + b"\n" + "好的，镕铖已寄出。\n".encode("gbk")
    imap_server.append(raw)
    imap_server.append(customer_mail("另一件事：发票", subject="发票", message_id="<l3@example.cn>"))

    assert email.poll_mailboxes() == 2

    messages = list(Message.all_tenants.filter(conversation=conversation).order_by("seq"))
    assert [(m.direction, m.body) for m in messages] == [
        ("in", "口红颜色不对，想换货。"),
        ("out", "您好，可以换货，请寄回。"),
        ("in", "好的，镕铖已寄出。"),
    ]
    assert Conversation.all_tenants.count() == 2  # the unrelated mail opened its own conversation
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 3


def test_a_failing_mailbox_records_its_error_and_the_others_are_still_polled(
    tenants: Tenants, mailbox: MailboxConfig, imap_server: ImapServer, in_english: None
) -> None:
    broken, _key = email.mailbox_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        address="support@home.example.cn",
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_security="none",
        imap_username=imap_server.username,
        imap_password="wrong password",
    )
    unreachable, _key = email.mailbox_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        address="sales@home.example.cn",
        imap_host="127.0.0.1",
        imap_port=free_port(),
        imap_security="none",
        imap_username="x",
        imap_password="y",
    )
    imap_server.append(customer_mail("你好", subject="问题", message_id="<l9@example.cn>"))

    assert email.poll_mailboxes() == 1

    broken.refresh_from_db()
    unreachable.refresh_from_db()
    assert broken.last_error.startswith("The server refused")
    assert unreachable.last_error.startswith("Cannot connect")
    assert broken.last_polled_at is not None and broken.poll_claimed_until is None
    assert Conversation.all_tenants.get().client_id == tenants.ca2.pk


def test_oversized_and_unreadable_messages_are_skipped_and_noted(
    tenants: Tenants,
    mailbox: MailboxConfig,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    in_english: None,
) -> None:
    monkeypatch.setattr(email.polling, "MAX_RAW_BYTES", 2000)  # the poller checks sizes before fetching
    imap_server.append(customer_mail("大" * 1000, subject="大邮件", message_id="<big@example.cn>"))
    imap_server.append(b"Subject: no sender\r\n\r\nwho wrote this?\r\n")
    imap_server.append(customer_mail("正常的邮件", subject="正常", message_id="<ok@example.cn>"))

    assert email.poll_mailboxes() == 1

    mailbox.refresh_from_db()
    assert "UID 1: larger than" in mailbox.last_error
    assert "UID 2: The email has no sender address" in mailbox.last_error
    assert mailbox.imap_last_uid == 3
    assert Conversation.all_tenants.get().subject == "正常"


def test_the_connection_test_reports_imap_and_smtp(
    tenants: Tenants, mailbox: MailboxConfig, in_english: None
) -> None:
    check = email.mailbox_test(tenants.scope("pa", "provider_admin"), mailbox_id=mailbox.pk)

    assert (check.imap_ok, check.smtp_ok) == (True, True)
    assert check.imap_message == "Signed in; the folder INBOX holds 0 messages."
    assert check.smtp_message == "The server greeted us (EHLO) and answered 250."

    MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(smtp_port=free_port())
    MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(imap_folder="Nope")
    check = email.mailbox_test(tenants.scope("pa", "provider_admin"), mailbox_id=mailbox.pk)
    assert (check.imap_ok, check.smtp_ok) == (False, False)
    assert "Nope" in check.imap_message
    assert check.smtp_message.startswith("Cannot connect")
