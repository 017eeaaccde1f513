"""IMAP polling: `poll_mailboxes` (a periodic job) claims each due mailbox and takes in what
arrived since the last pass."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.connectors import selectors
from kefu.connectors.email._common import CLAIM_S, NETWORK_TIMEOUT_S, _failure
from kefu.connectors.email.inbound import MAX_RAW_BYTES, email_receive
from kefu.connectors.models import MailboxConfig, MailSecurity
from kefu.core import clock
from kefu.core.errors import KefuError

log = logging.getLogger(__name__)
POLL_BATCH = 100  # messages per mailbox per pass; the rest come next pass


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
