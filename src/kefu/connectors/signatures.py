"""The one request-signing scheme of Kefu's webhooks, both ways (PBX → Kefu, Kefu → receivers).

`X-Kefu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{raw body}")>`. The
timestamp is signed with the body, so a captured request cannot be replayed after the
tolerance; several `v1=` values may be sent while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils.translation import gettext_lazy as _

from kefu.core.errors import KefuError

HEADER = "X-Kefu-Signature"
TOLERANCE_S = 300


class BadSignature(KefuError):
    """Missing, malformed, wrong or stale signature: the interfaces answer 401."""

    code = "bad_signature"
    default_message = _("The request signature is missing or wrong.")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The header value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str | None, body: bytes, *, now: float) -> None:
    """Raise `BadSignature` unless `header` signs `body` with `secret` within the tolerance."""
    if not header or len(header) > 1000:
        raise BadSignature()
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise BadSignature()
    if abs(now - timestamp) > TOLERANCE_S:
        raise BadSignature(_("The request signature has expired; sign with the current time."))
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise BadSignature()
