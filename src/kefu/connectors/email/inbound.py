"""Mail in, however it arrives (IMAP polling, the inbound webhook): parsed, threaded into a
conversation (docs/email.md) and posted by the desk services as the mailbox's channel scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.connectors import mailparse, selectors
from kefu.connectors.email._common import key_hash
from kefu.connectors.mailparse import MailParseError, ParsedMail
from kefu.connectors.models import InboundEmail, MailboxConfig
from kefu.core import clock
from kefu.core.errors import Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.desk import fields as desk_fields
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import MAX_MESSAGE_LENGTH
from kefu.desk.permissions import DeskPerm

MAX_RAW_BYTES = 10 * 1024 * 1024  # a larger mail: 413 on the webhook, skipped (and noted) by polling
EMAIL_PERMISSIONS = frozenset(
    {DeskPerm.VIEW, DeskPerm.HANDLE, DeskPerm.VIEW_CUSTOMERS, DeskPerm.MANAGE_CUSTOMERS}
)


class TooLarge(Invalid):
    """The interfaces answer 413."""

    code = "too_large"


class Unreadable(Invalid):
    """Not an email Kefu can take in; the webhook answers 400."""

    code = "bad_email"


def mailbox_scope(mailbox: MailboxConfig) -> Scope:
    """Who acts for incoming mail: the mailbox's provider (or client), limited to its client."""
    return Scope.of_tenant(
        provider_id=mailbox.provider_id, client_id=mailbox.client_id, permissions=EMAIL_PERMISSIONS
    )


@dataclass(frozen=True)
class Received:
    conversation_id: int | None
    duplicate: bool
    new_conversation: bool


def parse_raw(raw: bytes) -> ParsedMail:
    """`TooLarge` or `Unreadable` (translated) for mail Kefu will not take in."""
    if len(raw) > MAX_RAW_BYTES:
        raise TooLarge(
            _("The email is larger than %(limit)d MB.") % {"limit": MAX_RAW_BYTES // (1024 * 1024)}
        )
    try:
        return mailparse.parse(raw)
    except MailParseError as exc:
        messages = {
            "The email is empty.": _("The email is empty."),
            "The email has no sender address (From).": _("The email has no sender address (From)."),
            "The email has neither text nor attachments.": _("The email has neither text nor attachments."),
        }
        raise Unreadable(messages.get(str(exc), _("This is not an email (RFC 822) Kefu can read."))) from None


def external_id_for(message_id: str) -> str:
    """A mail's Message-ID as the desk message's external id (hashed if longer than fits)."""
    return message_id if len(message_id) <= 200 else "email:" + mailparse.message_key(message_id)


def _body(mail: ParsedMail) -> str:
    body = mail.reply
    if mail.attachments:
        listed = ", ".join(
            f"{a.filename} ({max(a.size // 1024, 1)} KB)" + (" ⚠" if a.blocked else "")
            for a in mail.attachments
        )
        body = (body + "\n\n" if body else "") + _("Attachments: %(files)s") % {"files": listed}
    body = body or _("(The email has no text.)")
    if len(body) > MAX_MESSAGE_LENGTH:
        body = body[: MAX_MESSAGE_LENGTH - 40].rstrip() + "\n" + _("[… cut: the email is longer]")
    return body


def _attachments_checked(mail: ParsedMail) -> list[str | None]:
    """Per attachment: None when the desk will keep the file, else why not (blocked
    executables, types or sizes the desk refuses). The mail is taken in either way."""
    reasons: list[str | None] = []
    for attachment in mail.attachments:
        if attachment.blocked or not attachment.content:
            reasons.append(str(_("Not kept: this kind of file is not accepted.")))
            continue
        try:
            desk_services.attachment_check(filename=attachment.filename, content=attachment.content)
        except KefuError as error:
            reasons.append(str(error.message))
        else:
            reasons.append(None)
    return reasons


def _channel_data(
    mailbox: MailboxConfig, mail: ParsedMail, source: str, refused: list[str | None] | None = None
) -> dict[str, Any]:
    """What the desk keeps about the mail. No addresses: they are customer data, stored
    encrypted on the customer only."""
    listed = [a.as_dict() for a in mail.attachments]
    for entry, reason in zip(listed, refused or [], strict=False):
        if reason:
            entry["refused"] = reason
    return {
        "email": {
            "mailbox_id": mailbox.pk,
            "source": source,
            "message_id": mail.message_id,
            "subject": mail.subject[:300],
            "in_reply_to": list(mail.in_reply_to)[:5],
            "references": list(mail.references),
            "from_html": mail.from_html,
            "quoted_removed": mail.quoted_removed,
            "auto_submitted": mail.auto_submitted,
            "attachments": listed,
        }
    }


def _sender_matches(scope: Scope, conversation: Any, address: str) -> bool:
    if conversation.customer_id is None:
        return False
    customer = desk_selectors.customer_row(scope, customer_id=conversation.customer_id)
    return bool(customer.email_hash) and customer.email_hash == desk_fields.email_hash(address)


def _thread(mailbox: MailboxConfig, scope: Scope, mail: ParsedMail) -> int | None:
    """The open conversation this mail continues, or None for a new one."""
    conversation_id = selectors.email_thread_conversation(
        scope, client_id=mailbox.client_id, message_ids=mail.thread_ids()
    )
    by_token = False
    if conversation_id is None:
        conversation_id, by_token = mailparse.subject_token(mail.subject), True
    if conversation_id is None:
        return None
    try:
        conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    except NotFound:
        return None
    if conversation.client_id != mailbox.client_id or conversation.status == "closed":
        return None
    if by_token and (
        conversation.channel != "email" or not _sender_matches(scope, conversation, mail.from_address)
    ):
        return None
    return conversation.pk


def _customer(mailbox: MailboxConfig, scope: Scope, mail: ParsedMail) -> int:
    found = selectors.customer_id_by_email(scope, client_id=mailbox.client_id, email=mail.from_address)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return desk_services.customer_create(
                scope, client_id=mailbox.client_id, name=mail.from_name[:200], email=mail.from_address
            ).pk
    except KefuError:  # an address Django finds invalid: keep the mail, name only
        return desk_services.customer_create(scope, client_id=mailbox.client_id, name=mail.from_name[:200]).pk


@transaction.atomic
def email_receive(mailbox: MailboxConfig, raw: bytes, *, source: str) -> Received:
    """Take one raw email into the desk; a Message-ID already received changes nothing."""
    mail = parse_raw(raw)
    scope = mailbox_scope(mailbox)
    now = clock.now()
    key = mailparse.message_key(mail.message_id)
    try:
        with transaction.atomic():
            receipt = InboundEmail.objects.create(
                provider_id=mailbox.provider_id,
                client_id=mailbox.client_id,
                mailbox=mailbox,
                message_key=key,
                message_id=mail.message_id[:998],
                references=list(mail.references or mail.in_reply_to),
                source=source,
                size=len(raw),
                received_at=now,
            )
    except IntegrityError:
        existing = selectors.email_receipt(mailbox, message_key=key)
        return Received(existing.conversation_id if existing else None, True, False)
    conversation_id = _thread(mailbox, scope, mail)
    new = conversation_id is None
    if conversation_id is None:
        conversation_id = desk_services.conversation_create(
            scope,
            channel="email",
            client_id=mailbox.client_id,
            customer_id=_customer(mailbox, scope, mail),
            subject=mailparse.base_subject(mail.subject)[:200] or _("(no subject)"),
        ).pk
    refused = _attachments_checked(mail)
    message = desk_services.message_post(
        scope,
        conversation_id=conversation_id,
        body=_body(mail),
        direction="in",
        external_id=external_id_for(mail.message_id),
        channel_data=_channel_data(mailbox, mail, source, refused),
    )
    for attachment, reason in zip(mail.attachments, refused, strict=True):
        if reason is None:  # the customer's files, on their message, downloadable by staff
            desk_services.attachment_create(
                scope,
                conversation_id=conversation_id,
                filename=attachment.filename,
                content=attachment.content,
                message_id=message.pk,
            )
    receipt.conversation_id = conversation_id
    receipt.save(update_fields=["conversation"])
    MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(last_received_at=now)
    return Received(conversation_id, False, new)


def email_inbound(key: str, raw: bytes) -> Received:
    """The inbound webhook: NotFound for an unknown key (or a provider no longer serving the
    client), PermissionDenied for a switched-off mailbox, TooLarge, Unreadable."""
    if not key or len(key) > 100:
        raise NotFound()
    mailbox = selectors.mailbox_by_key_hash(key_hash(key))
    if mailbox is None or not selectors.engagement_active(mailbox.provider_id, mailbox.client_id):
        raise NotFound()
    if not mailbox.active:
        raise PermissionDenied(_("This mailbox is switched off."))
    return email_receive(mailbox, raw, source="webhook")
