"""The outbound SMS interface. Kefu has no SMS gateway: `settings.KEFU_SMS_BACKEND` names a class
with `send(to, text) -> SmsResult`; a real gateway (Aliyun, Tencent Cloud SMS, …) plugs in as one
more class. The shipped backends do not deliver and say so: `LoggingBackend` writes the message to
the log (the default), `OutboxBackend` keeps it in memory (tests, the demo). An invitation sent
through a backend that does not deliver is marked "logged", never "sent" (docs/quality-surveys.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsResult:
    accepted: bool  # the backend took the message (a gateway: queued for delivery)
    delivers: bool  # the backend delivers to phones (False: logging/outbox only)
    error: str = ""
    reference: str = ""


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> SmsResult: ...


def _masked(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) >= 7 else "****"


class LoggingBackend:
    """Writes each message to the log (number masked); delivers nothing."""

    def send(self, to: str, text: str) -> SmsResult:
        log.info("SMS (not delivered, logging backend) to %s: %s", _masked(to), text)
        return SmsResult(accepted=True, delivers=False)


class OutboxBackend:
    """Keeps each message in `OutboxBackend.outbox` (like Django's locmem e-mail); delivers nothing."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, to: str, text: str) -> SmsResult:
        OutboxBackend.outbox.append((to, text))
        return SmsResult(accepted=True, delivers=False, reference=str(len(OutboxBackend.outbox)))


def backend() -> SmsBackend:
    path = getattr(settings, "KEFU_SMS_BACKEND", "") or "kefu.quality.surveys.sms.LoggingBackend"
    return import_string(path)()


def send(to: str, text: str) -> SmsResult:
    if not to:
        return SmsResult(accepted=False, delivers=False, error="the customer has no phone number")
    try:
        return backend().send(to, text)
    except Exception as exc:  # a gateway's failure is the invitation's, never the caller's crash
        return SmsResult(accepted=False, delivers=False, error=f"{type(exc).__name__}: {exc}"[:300])
