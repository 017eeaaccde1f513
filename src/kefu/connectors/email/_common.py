"""What the email modules share: network timeouts, how long a worker's claim lasts, mailbox keys,
and how a failed connection is described to people."""

from __future__ import annotations

import hashlib
import imaplib
import secrets
import smtplib
import ssl

from django.utils.translation import gettext as _

NETWORK_TIMEOUT_S = 20
CLAIM_S = 300  # a claimed mailbox or reply is left alone this long by other workers
KEY_PREFIX = "mbx_"


def new_inbound_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


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
