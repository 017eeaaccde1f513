"""The outbound SMS interface: `settings.KEFU_SMS_BACKEND` names a class with
`send(to, text) -> SmsResult`. `HttpBackend` hands each message to an HTTP gateway (or a relay in
front of the provider's SMS vendor: Aliyun, Tencent Cloud SMS, …) as one JSON POST and delivers.
`LoggingBackend` (the default) writes the message to the log and `OutboxBackend` keeps it in
memory (tests, the demo); they do not deliver and say so: an invitation sent through them is
marked "logged", never "sent" (docs/quality-surveys.md).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
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


class HttpBackend:
    """POSTs `{"to", "text"}` as JSON to `KEFU_SMS_HTTP_URL` with `Authorization: Bearer
    KEFU_SMS_HTTP_TOKEN`; a 2xx answer means the gateway took the message for delivery, and its
    JSON `id` (if any) is kept as the reference. Any other answer is the invitation's error."""

    def send(self, to: str, text: str) -> SmsResult:
        url = getattr(settings, "KEFU_SMS_HTTP_URL", "")
        if not url.startswith(("https://", "http://")):
            return SmsResult(accepted=False, delivers=True, error="KEFU_SMS_HTTP_URL is not set")
        request = urllib.request.Request(
            url,
            data=json.dumps({"to": to, "text": text}, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {getattr(settings, 'KEFU_SMS_HTTP_TOKEN', '')}",
            },
            method="POST",
        )
        timeout = getattr(settings, "KEFU_SMS_HTTP_TIMEOUT_S", 10)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                body = answer.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode(errors="replace")
            return SmsResult(accepted=False, delivers=True, error=f"HTTP {exc.code}: {detail}"[:300])
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return SmsResult(accepted=False, delivers=True, error=f"{type(exc).__name__}: {exc}"[:300])
        try:
            reference = str(json.loads(body or b"{}").get("id", ""))[:100]
        except (ValueError, AttributeError):
            reference = ""
        return SmsResult(accepted=True, delivers=True, reference=reference)


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
