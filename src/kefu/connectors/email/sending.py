"""Replies out: `enqueue_replies` (an event-log sink) turns an agent's reply on an email
conversation into an `OutgoingEmail` row; `send_due` (a periodic job) sends it by SMTP, with
retries and backoff."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.analytics.events import ContactEvent, EventType
from kefu.connectors import mailparse, selectors
from kefu.connectors.email._common import CLAIM_S, NETWORK_TIMEOUT_S, _failure
from kefu.connectors.models import EmailStatus, MailboxConfig, MailSecurity, OutgoingEmail
from kefu.core import clock
from kefu.core.errors import KefuError, NotFound
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.permissions import DeskPerm

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 60  # 1, 2, 4, 8, 16 min: about half an hour before giving up


def _reader(provider_id: int | None, client_id: int | None) -> Scope:
    """Reads of the outbox jobs, which act for nobody: one tenant's conversation at a time."""
    permissions = frozenset({DeskPerm.VIEW, DeskPerm.VIEW_CUSTOMERS, DeskPerm.HANDLE})
    return Scope.of_tenant(
        provider_id=provider_id, client_id=client_id, permissions=permissions, role="system"
    )


def may_want(batch: list[ContactEvent]) -> bool:
    """`enqueue_replies`' filter: only agents' replies on email conversations go out."""
    return any(event.type == EventType.MESSAGE_OUT and event.channel == "email" for event in batch)


def enqueue_replies(batch: list[ContactEvent]) -> int:
    """The analytics sink: an agent's reply on an email conversation joins the outbox.

    Runs inside the reply's transaction (a transactional outbox: the reply and its outbox row
    commit together). Headers are fixed now: From the conversation's mailbox, In-Reply-To the
    customer's latest mail, References its chain, a new Message-ID.
    """
    queued = 0
    for event in batch:
        if event.type != EventType.MESSAGE_OUT or event.channel != "email":
            continue
        seq = (event.data or {}).get("seq")
        if not isinstance(seq, int):
            continue
        try:
            with transaction.atomic():  # a savepoint: a failure here leaves the reply's transaction usable
                queued += _enqueue(event.provider_id, event.client_id, event.conversation_id, seq)
        except Exception:  # one bad row must not keep the others from the outbox
            log.exception("queueing the email reply %s/%s failed", event.conversation_id, seq)
    return queued


def _enqueue(provider_id: int | None, client_id: int | None, conversation_id: int, seq: int) -> int:
    reader = _reader(provider_id, client_id)
    try:
        conversation = desk_selectors.conversation_get(reader, conversation_id=conversation_id)
    except NotFound:
        return 0
    found = desk_selectors.message_list(reader, conversation_id=conversation_id, after_seq=seq - 1, limit=1)
    if not found or found[0].seq != seq or found[0].direction != "out":
        return 0
    message = found[0]
    if selectors.outgoing_for_reply(message.pk) is not None:
        return 0
    mailbox = selectors.mailbox_for_conversation(conversation)
    parent = selectors.email_parent(conversation.pk)
    address = mailbox.address if mailbox else "kefu.invalid"
    message_id = mailparse.new_message_id(address)
    now = clock.now()
    row = OutgoingEmail(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        mailbox=mailbox,
        reply=message,
        conversation=conversation,
        message_id=message_id,
        message_key=mailparse.message_key(message_id),
        in_reply_to=parent.message_id if parent else "",
        references=mailparse.reply_references(parent.message_id, parent.references) if parent else [],
        subject=mailparse.reply_subject(conversation.subject, conversation.pk)[:300],
        next_attempt_at=now,
        created_at=now,
    )
    if mailbox is None:
        row.status, row.next_attempt_at = EmailStatus.FAILED, None
        row.last_error = _("No mailbox sends this client's email; set one up under Channels.")
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # queued by a parallel sink run
        return 0
    if mailbox is None:
        _mark_message(row, "failed")
    return 1


@dataclass(frozen=True)
class Attempt:
    sent: bool
    error: str
    permanent: bool = False


def _smtp_open(mailbox: MailboxConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if mailbox.smtp_security == MailSecurity.SSL:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            mailbox.smtp_host, mailbox.smtp_port, timeout=NETWORK_TIMEOUT_S, context=context
        )
    else:
        connection = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=NETWORK_TIMEOUT_S)
    try:
        connection.ehlo()
        if mailbox.smtp_security == MailSecurity.STARTTLS:
            connection.starttls(context=context)
            connection.ehlo()
        if mailbox.smtp_username:
            connection.login(mailbox.smtp_username, mailbox.smtp_password)
    except Exception:
        connection.close()
        raise
    return connection


def _send(row: OutgoingEmail) -> Attempt:
    """Compose and hand one reply to the mailbox's SMTP server."""
    mailbox = row.mailbox
    if mailbox is None:
        return Attempt(False, "no mailbox", permanent=True)
    if not mailbox.active:
        return Attempt(False, "mailbox switched off")
    if not mailbox.smtp_host:
        return Attempt(False, "no SMTP server set")
    reader = _reader(row.provider_id, row.client_id)
    conversation = desk_selectors.conversation_get(reader, conversation_id=row.conversation_id)
    customer = (
        desk_selectors.customer_row(reader, customer_id=conversation.customer_id)
        if conversation.customer_id
        else None
    )
    to_address = customer.email if customer is not None else ""  # decrypted only now
    if not to_address:
        return Attempt(False, "the customer has no email address", permanent=True)
    message = row.reply
    composed = mailparse.compose_reply(
        from_name=mailbox.from_name,
        from_address=mailbox.address,
        to_address=to_address,
        subject=row.subject,
        body=message.body,
        message_id=row.message_id,
        in_reply_to=row.in_reply_to,
        references=list(row.references),
        date=clock.now(),
    )
    try:
        connection = _smtp_open(mailbox)
        try:
            connection.send_message(composed, from_addr=mailbox.address, to_addrs=[to_address])
        finally:
            with contextlib.suppress(Exception):  # the mail is handed over; a rude goodbye changes nothing
                connection.quit()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        return Attempt(
            False, f"recipient refused ({', '.join(map(str, codes))})", all(c >= 500 for c in codes)
        )
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return Attempt(False, f"SMTP {exc.smtp_code}: {detail}"[:500])
    except Exception as exc:
        return Attempt(False, _failure(exc)[:500])
    return Attempt(True, "")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 60 s × 2^(attempts − 1)."""
    return timedelta(seconds=BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))


def _mark_message(row: OutgoingEmail, delivery: str) -> None:
    data = {"email": {"message_id": row.message_id, "mailbox_id": row.mailbox_id, "subject": row.subject}}
    if row.last_error:
        data["email"]["error"] = row.last_error
    try:
        desk_services.message_delivery_set(
            _reader(row.provider_id, row.client_id),
            conversation_id=row.conversation_id,
            seq=row.reply.seq,
            delivery=delivery,
            channel_data=data,
        )
    except KefuError:
        log.warning("cannot mark message %s as %s", row.reply_id, delivery)


def _claim_reply(row_id: int, now: datetime) -> OutgoingEmail | None:
    claimed = OutgoingEmail.all_tenants.filter(
        pk=row_id, status=EmailStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_S))
    if not claimed:
        return None
    return OutgoingEmail.all_tenants.select_related("mailbox", "reply").get(pk=row_id)


def reply_attempt(row: OutgoingEmail) -> OutgoingEmail:
    """Send one queued reply and record the outcome (no transaction is held while sending)."""
    attempt = _send(row)
    now = clock.now()
    row.attempts += 1
    row.last_attempt_at = now
    row.last_error = attempt.error[:500]
    if attempt.sent:
        row.status, row.next_attempt_at, row.sent_at = EmailStatus.SENT, None, now
    elif attempt.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = EmailStatus.FAILED, None
    else:
        row.next_attempt_at = now + backoff(row.attempts)
    row.save(
        update_fields=["attempts", "last_attempt_at", "last_error", "status", "next_attempt_at", "sent_at"]
    )
    if row.status == EmailStatus.SENT:
        _mark_message(row, "sent")
    elif row.status == EmailStatus.FAILED:
        _mark_message(row, "failed")
        log.warning("email reply %s failed for good: %s", row.message_id, row.last_error)
    return row


def send_due(*, limit: int = 50) -> int:
    """Send the queued replies that are due; the number sent."""
    now = clock.now()
    sent = 0
    for row_id in selectors.outgoing_due(now, limit=limit):
        row = _claim_reply(row_id, now)
        if row is None:
            continue  # another worker has it
        if reply_attempt(row).status == EmailStatus.SENT:
            sent += 1
    return sent


def send_notice(conversation: object, *, to_address: str, subject: str, body: str) -> Attempt:
    """A text mail about a conversation that is not an agent's reply (a survey link, its
    reminder), sent at once from the mailbox the conversation's replies leave from; the caller
    keeps its own outbox row and retries."""
    mailbox = selectors.mailbox_for_conversation(conversation)
    if mailbox is None:
        return Attempt(False, "no mailbox", permanent=True)
    if not mailbox.active:
        return Attempt(False, "mailbox switched off")
    if not mailbox.smtp_host:
        return Attempt(False, "no SMTP server set")
    if not to_address:
        return Attempt(False, "the customer has no email address", permanent=True)
    composed = mailparse.compose_reply(
        from_name=mailbox.from_name,
        from_address=mailbox.address,
        to_address=to_address,
        subject=subject,
        body=body,
        message_id=mailparse.new_message_id(mailbox.address),
        in_reply_to="",
        references=[],
        date=clock.now(),
    )
    try:
        connection = _smtp_open(mailbox)
        try:
            connection.send_message(composed, from_addr=mailbox.address, to_addrs=[to_address])
        finally:
            with contextlib.suppress(Exception):
                connection.quit()
    except Exception as exc:
        return Attempt(False, _failure(exc)[:300])
    return Attempt(True, "")
