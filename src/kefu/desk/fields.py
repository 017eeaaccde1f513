"""Customer contact data encrypted at rest, and keyed hashes to look it up.

The key comes from `KEFU_FIELD_KEY` (comma-separated: the first encrypts, all decrypt,
so a key can be rotated) or, when unset, from `SECRET_KEY`; either way through HKDF,
so the stored secret is never used directly as a Fernet key. Losing the key loses the
data: back it up with the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def _secrets() -> list[str]:
    configured = os.environ.get("KEFU_FIELD_KEY") or getattr(settings, "KEFU_FIELD_KEY", "")
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    return keys or [settings.SECRET_KEY]


@cache
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(s, b"kefu.desk.field-encryption"))) for s in secrets]
    )


@cache
def _hmac_key(secret: str) -> bytes:
    return _derive(secret, b"kefu.desk.lookup-hash")


def encrypt(value: str) -> str:
    return PREFIX + _fernet(tuple(_secrets())).encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured("An encrypted field holds a value that was not encrypted.")
    try:
        return _fernet(tuple(_secrets())).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "Cannot decrypt customer data: KEFU_FIELD_KEY (or SECRET_KEY) is not the key it was written with."
        ) from None


def normalize_phone(value: str) -> str:
    """Digits only, without a mainland +86/0086 prefix, so "+86 138-0013-8000" finds 13800138000."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    if len(digits) == 15 and digits.startswith("0086"):
        return digits[4:]
    return digits


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: equal inputs match, the hash alone reveals nothing."""
    if not value:
        return ""
    return hmac.new(_hmac_key(_secrets()[0]), value.encode(), hashlib.sha256).hexdigest()


def phone_hash(phone: str) -> str:
    return lookup_hash(normalize_phone(phone))


def email_hash(email: str) -> str:
    return lookup_hash(email.strip().lower())


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the empty string stays empty (nothing to hide).

    Not searchable or orderable in the database: look values up through a hash field.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
