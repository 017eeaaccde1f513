"""The email channel: support mailboxes, mail in (IMAP polling, inbound webhook), replies out (SMTP).

Mail to a client's support address becomes an `email` conversation built by the desk
services, acting as the mailbox's channel scope (like the chat widget), so the event log,
SLA timers and live updates are those of any channel. Threading (docs/email.md): a mail
whose In-Reply-To/References names a mail we received or sent goes to that conversation;
else a `[#123]` subject token from that conversation's own customer; else a new one.
An agent's reply on an email conversation (a `message_out` event, heard by the
`enqueue_replies` sink after commit) becomes an `OutgoingEmail` row that `send_due` sends
by SMTP with retries. `poll_mailboxes` and `send_due` are safe to run repeatedly and in
parallel: each claims its rows before working on them.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.analytics.events import ContactEvent, EventType
from kefu.connectors import mailparse, selectors
from kefu.connectors.mailparse import MailParseError, ParsedMail
from kefu.connectors.models import EmailStatus, InboundEmail, MailboxConfig, MailSecurity, OutgoingEmail
from kefu.connectors.permissions import ConnectorPerm
from kefu.core import clock
from kefu.core.errors import Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.desk import fields as desk_fields
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import MAX_MESSAGE_LENGTH
from kefu.desk.permissions import DeskPerm

log = logging.getLogger(__name__)

MAX_RAW_BYTES = 10 * 1024 * 1024  # a larger mail: 413 on the webhook, skipped (and noted) by polling
POLL_BATCH = 100  # messages per mailbox per pass; the rest come next pass
NETWORK_TIMEOUT_S = 20
CLAIM_S = 300  # a claimed mailbox or reply is left alone this long by other workers
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 60  # 1, 2, 4, 8, 16 min: about half an hour before giving up
MAX_MAILBOXES = 50
KEY_PREFIX = "mbx_"
EMAIL_PERMISSIONS = frozenset(
    {DeskPerm.VIEW, DeskPerm.HANDLE, DeskPerm.VIEW_CUSTOMERS, DeskPerm.MANAGE_CUSTOMERS}
)
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


class TooLarge(Invalid):
    """The interfaces answer 413."""

    code = "too_large"


class Unreadable(Invalid):
    """Not an email Kefu can take in; the webhook answers 400."""

    code = "bad_email"


# --- setting mailboxes up --------------------------------------------------------------------
def new_inbound_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _address(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid(_("Enter a valid email address."), field="address") from None
    return value


def _host(value: str, field: str) -> str:
    value = (value or "").strip()
    if value and not _HOST.fullmatch(value):
        raise Invalid(_("Enter a host name like imap.example.com."), field=field)
    return value


def _port(value: int | None, field: str, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise Invalid(_("Enter a port between 1 and 65535."), field=field)
    return value


def _security(value: str, field: str) -> str:
    if value not in MailSecurity.values:
        raise Invalid(
            _("Unknown value %(value)s; expected one of: %(choices)s")
            % {"value": value, "choices": ", ".join(MailSecurity.values)},
            field=field,
        )
    return value


def _line(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit or "\r" in value or "\n" in value:
        raise Invalid(_("At most %(length)d characters on one line.") % {"length": limit}, field=field)
    return value


def _apply(mailbox: MailboxConfig, values: dict[str, Any]) -> None:
    """Validate and set the given settings (None leaves a setting as it is)."""
    defaults = {"imap_port": 993, "smtp_port": 465}
    for name, value in values.items():
        if value is None:
            continue
        if name == "address":
            value = _address(value)
        elif name in ("imap_host", "smtp_host"):
            value = _host(value, name)
        elif name in ("imap_port", "smtp_port"):
            value = _port(value, name, defaults[name])
        elif name in ("imap_security", "smtp_security"):
            value = _security(value, name)
        elif name in ("imap_username", "smtp_username", "imap_folder"):
            value = _line(value, name, 255)
        elif name == "from_name":
            value = _line(value, name, 120)
        elif name in ("imap_password", "smtp_password"):
            value = _line(value, name, 500)
        elif name == "active":
            value = bool(value)
        else:
            raise Invalid(_("Unknown setting %(name)s.") % {"name": name}, field=name)
        setattr(mailbox, name, value)
    if not mailbox.imap_folder:
        mailbox.imap_folder = "INBOX"
    if mailbox.imap_host and not (mailbox.imap_username and mailbox.imap_password):
        raise Invalid(_("Polling by IMAP needs a user name and a password."), field="imap_username")


def _address_taken(mailbox: MailboxConfig) -> bool:
    others = MailboxConfig.all_tenants.filter(client_id=mailbox.client_id, address__iexact=mailbox.address)
    return others.exclude(pk=mailbox.pk).exists()


MAILBOX_SETTINGS = (
    "address",
    "from_name",
    "active",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_password",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
)


@transaction.atomic
def mailbox_create(
    scope: Scope, *, client_id: int | None = None, provider_id: int | None = None, **settings: Any
) -> tuple[MailboxConfig, str]:
    """A client's support mailbox answered by the acting provider (or by the client itself);
    returns it and its inbound-webhook key, which is shown only now."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    provider, client = new_row_keys(scope, client_id=client_id, provider_id=provider_id)
    if selectors.mailbox_list(scope).filter(client_id=client).count() >= MAX_MAILBOXES:
        raise Invalid(_("At most %(count)d mailboxes per client.") % {"count": MAX_MAILBOXES})
    key = new_inbound_key()
    mailbox = MailboxConfig(
        client_id=client, provider_id=provider, inbound_key_hash=key_hash(key), inbound_key_hint=key[:8]
    )
    if not settings.get("address"):
        raise Invalid(_("Enter a valid email address."), field="address")
    _apply(mailbox, settings)
    if _address_taken(mailbox):
        raise Invalid(_("This client already has a mailbox with this address."), field="address")
    mailbox.save()
    return mailbox, key


@transaction.atomic
def mailbox_update(scope: Scope, *, mailbox_id: int, **settings: Any) -> MailboxConfig:
    """Change settings; a password left out (None) is kept. A new IMAP server or folder starts
    reading that folder afresh (receipts keep messages already taken in from repeating)."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True)
    before = (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder)
    _apply(mailbox, settings)
    if _address_taken(mailbox):
        raise Invalid(_("This client already has a mailbox with this address."), field="address")
    if (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder) != before:
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = None, 0
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_rotate_key(scope: Scope, *, mailbox_id: int) -> tuple[MailboxConfig, str]:
    """A new inbound-webhook key; the old URL stops working at once."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True)
    key = new_inbound_key()
    mailbox.inbound_key_hash, mailbox.inbound_key_hint = key_hash(key), key[:8]
    mailbox.save(update_fields=["inbound_key_hash", "inbound_key_hint", "updated_at"])
    return mailbox, key


@transaction.atomic
def mailbox_delete(scope: Scope, *, mailbox_id: int) -> None:
    """Remove a mailbox and its receipts; conversations stay (switch it off to keep threading)."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True).delete()


@dataclass(frozen=True)
class ConnectionCheck:
    imap_ok: bool | None  # None: no IMAP server set
    imap_message: str
    smtp_ok: bool | None
    smtp_message: str


def _failure(exc: BaseException) -> str:
    if isinstance(exc, imaplib.IMAP4.error | smtplib.SMTPAuthenticationError):
        detail = exc.args[-1] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        return _("The server refused: %(detail)s") % {"detail": str(detail)[:200]}
    if isinstance(exc, ssl.SSLError):
        return _("The encrypted connection failed: %(detail)s") % {"detail": str(exc)[:200]}
    if isinstance(exc, TimeoutError):
        return _("The server did not answer in time.")
    if isinstance(exc, OSError):
        return _("Cannot connect: %(detail)s") % {"detail": (exc.strerror or str(exc))[:200]}
    return f"{exc.__class__.__name__}: {str(exc)[:200]}"


def mailbox_test(scope: Scope, *, mailbox_id: int) -> ConnectionCheck:
    """Try the IMAP login (and the folder) and the SMTP greeting (and login), and say how it went."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id)
    imap_ok: bool | None = None
    imap_message = _("No IMAP server set: mail arrives by the inbound webhook only.")
    if mailbox.imap_host:
        try:
            connection = _imap_open(mailbox)
            try:
                count = _imap_select(connection, mailbox.imap_folder)[1]
            finally:
                _imap_close(connection)
            imap_ok = True
            imap_message = _("Signed in; the folder %(folder)s holds %(count)d messages.") % {
                "folder": mailbox.imap_folder,
                "count": count,
            }
        except Exception as exc:
            imap_ok, imap_message = False, _failure(exc)
    smtp_ok: bool | None = None
    smtp_message = _("No SMTP server set: replies cannot be sent.")
    if mailbox.smtp_host:
        try:
            connection = _smtp_open(mailbox)
            code, _greeting = connection.noop()
            connection.quit()
            smtp_ok = True
            smtp_message = _("The server greeted us (EHLO) and answered %(code)d.") % {"code": code}
            if mailbox.smtp_username:
                smtp_message += " " + _("Signed in.")
        except Exception as exc:
            smtp_ok, smtp_message = False, _failure(exc)
    return ConnectionCheck(imap_ok, imap_message, smtp_ok, smtp_message)


# --- mail in ---------------------------------------------------------------------------------
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


# --- IMAP polling ----------------------------------------------------------------------------
def _imap_open(mailbox: MailboxConfig) -> imaplib.IMAP4:
    if mailbox.imap_security == MailSecurity.SSL:
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.imap_host,
            mailbox.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=NETWORK_TIMEOUT_S,
        )
    else:
        connection = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=NETWORK_TIMEOUT_S)
        if mailbox.imap_security == MailSecurity.STARTTLS:
            connection.starttls(ssl.create_default_context())
    try:
        connection.login(mailbox.imap_username, mailbox.imap_password)
    except Exception:
        _imap_close(connection)
        raise
    return connection


def _imap_close(connection: imaplib.IMAP4) -> None:
    with contextlib.suppress(Exception):  # already gone; nothing to tidy
        connection.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_select(connection: imaplib.IMAP4, folder: str) -> tuple[int, int]:
    """Open the folder for reading and flagging; (UIDVALIDITY, number of messages)."""
    status, data = connection.select(_quoted(folder))
    if status != "OK":
        detail = data[0].decode(errors="replace") if data and isinstance(data[0], bytes) else ""
        raise imaplib.IMAP4.error(f"cannot open folder {folder}: {detail}")
    count = int(data[0]) if data and data[0] else 0
    _status, validity = connection.response("UIDVALIDITY")
    uidvalidity = int(validity[0]) if validity and validity[0] else 0
    return uidvalidity, count


def _fetched_bytes(data: list[Any]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _size(connection: imaplib.IMAP4, uid: int) -> int:
    status, data = connection.uid("FETCH", str(uid), "(RFC822.SIZE)")
    if status == "OK":
        for item in data:
            text = item[0] if isinstance(item, tuple) else item
            match = re.search(rb"RFC822\.SIZE (\d+)", text or b"")
            if match:
                return int(match.group(1))
    return 0


def poll_mailbox(mailbox: MailboxConfig, *, limit: int = POLL_BATCH) -> tuple[int, list[str]]:
    """Read new messages of one mailbox's folder: (messages taken in, notes on skipped ones).

    Messages are fetched without marking them, taken in, then flagged \\Seen; the UID marker
    is saved after each, so an interrupted pass resumes where it stopped. A UIDVALIDITY change
    (the folder was rebuilt) reads the folder again; receipts keep that from repeating.
    """
    imported, notes = 0, []
    connection = _imap_open(mailbox)
    try:
        uidvalidity, _count = _imap_select(connection, mailbox.imap_folder)
        last_uid = mailbox.imap_last_uid if mailbox.imap_uidvalidity == uidvalidity else 0
        status, data = connection.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        if status != "OK":
            raise imaplib.IMAP4.error("UID SEARCH failed")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)[:limit]
        for uid in uids:
            size = _size(connection, uid)
            if size > MAX_RAW_BYTES:
                notes.append(_("Skipped message UID %(uid)d: larger than %(limit)d MB.") % {
                    "uid": uid, "limit": MAX_RAW_BYTES // (1024 * 1024)})  # fmt: skip
                log.warning("mailbox %s: skipped UID %s of %s bytes", mailbox.pk, uid, size)
            else:
                status, data = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = _fetched_bytes(data) if status == "OK" else None
                if raw is None:
                    raise imaplib.IMAP4.error(f"cannot fetch UID {uid}")
                try:
                    if not email_receive(mailbox, raw, source="imap").duplicate:
                        imported += 1
                except KefuError as exc:  # unreadable, or the desk refused it: skip, say so
                    notes.append(
                        _("Skipped message UID %(uid)d: %(reason)s") % {"uid": uid, "reason": exc.message}
                    )
                    log.warning("mailbox %s: skipped UID %s: %s", mailbox.pk, uid, exc.message)
                connection.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(
                imap_uidvalidity=uidvalidity, imap_last_uid=uid
            )
            mailbox.imap_uidvalidity, mailbox.imap_last_uid = uidvalidity, uid
        if not uids:
            MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(imap_uidvalidity=uidvalidity)
    finally:
        _imap_close(connection)
    return imported, notes


def _claim_mailbox(mailbox_id: int, now: datetime) -> MailboxConfig | None:
    claimed = (
        MailboxConfig.all_tenants.filter(pk=mailbox_id, active=True)
        .filter(Q(poll_claimed_until__isnull=True) | Q(poll_claimed_until__lte=now))
        .update(poll_claimed_until=now + timedelta(seconds=CLAIM_S))
    )
    return selectors.mailbox_row(mailbox_id) if claimed else None


def poll_mailboxes() -> int:
    """Poll every active mailbox with an IMAP server once; the number of mails taken in.

    A failing mailbox (login refused, server down) is logged and its error recorded on it,
    shown on the channel settings page; the others are polled all the same.
    """
    total = 0
    for mailbox_id in selectors.mailboxes_to_poll(clock.now()):
        mailbox = _claim_mailbox(mailbox_id, clock.now())
        if mailbox is None:
            continue  # another worker has it
        error = ""
        try:
            imported, notes = poll_mailbox(mailbox)
            total += imported
            error = " ".join(notes)
        except Exception as exc:
            log.exception("polling mailbox %s failed", mailbox_id)
            error = _failure(exc)
        now = clock.now()
        MailboxConfig.all_tenants.filter(pk=mailbox_id).update(
            last_polled_at=now,
            last_error=error[:500],
            last_error_at=now if error else None,
            poll_claimed_until=None,
        )
    return total


# --- replies out -----------------------------------------------------------------------------
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
