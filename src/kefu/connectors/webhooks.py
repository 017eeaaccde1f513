"""Outbound webhooks: contact events POSTed, signed, to the URLs organisations register.

Every event of the log (`analytics.events`) is offered after its transaction commits
(`enqueue_events`, a sink registered in `ConnectorsConfig.ready`) and becomes one
`WebhookDelivery` row (the outbox) per subscribed endpoint of the conversation's provider
and of its client: each organisation hears only about its own conversations. The sender
(`deliver_due`, run by `kefu webhooks deliver`) POSTs due rows and retries failures with
exponential backoff. docs/webhooks.md is the receiver's guide.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics.events import ContactEvent, EventType
from kefu.connectors import selectors, signatures
from kefu.connectors.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from kefu.connectors.permissions import ConnectorPerm
from kefu.core import clock
from kefu.core.errors import Invalid, PermissionDenied
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm

log = logging.getLogger(__name__)

TIMEOUT_S = 5
MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 30  # 30 s, 1 min, 2 min … ~32 min: about an hour in all before giving up
CLAIM_S = 60  # a claimed delivery is left alone this long by other senders
MAX_ENDPOINTS = 20
PING = "ping"
EVENT_TYPES = frozenset({*EventType.values, PING})
USER_AGENT = "Kefu-Webhooks/1"


# --- endpoints -------------------------------------------------------------------------------
def _url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise Invalid(_("Enter an http:// or https:// URL of at most 500 characters."), field="url")
    return url


def _types(event_types: list[str] | None) -> list[str]:
    cleaned = sorted({(t or "").strip() for t in event_types or []} - {""})
    unknown = [t for t in cleaned if t not in EVENT_TYPES]
    if unknown:
        raise Invalid(
            _("Unknown event types: %(types)s") % {"types": ", ".join(unknown)}, field="event_types"
        )
    return cleaned


@transaction.atomic
def webhook_create(
    scope: Scope, *, url: str, event_types: list[str] | None = None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """An endpoint of the acting organisation; returns it and its secret (shown once).
    No event types means all of them."""
    _forget_endpoints()
    scope.require(ConnectorPerm.MANAGE)
    if not (scope.is_provider or scope.is_client) or scope.organization_id is None:
        raise PermissionDenied()
    if selectors.webhook_list(scope).count() >= MAX_ENDPOINTS:
        raise Invalid(_("At most %(count)d webhook endpoints.") % {"count": MAX_ENDPOINTS})
    secret = signatures.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        provider_id=scope.organization_id if scope.is_provider else None,
        client_id=scope.organization_id if scope.is_client else None,
        organization_id=scope.organization_id,
        url=_url(url),
        secret=secret,
        event_types=_types(event_types),
        description=(description or "").strip()[:200],
    )
    return endpoint, secret


@transaction.atomic
def webhook_update(
    scope: Scope,
    *,
    webhook_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    _forget_endpoints()
    endpoint = selectors.webhook_get(scope, webhook_id=webhook_id, for_update=True)
    if url is not None:
        endpoint.url = _url(url)
    if event_types is not None:
        endpoint.event_types = _types(event_types)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if enabled is not None:
        endpoint.enabled = enabled
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_rotate_secret(scope: Scope, *, webhook_id: int) -> tuple[WebhookEndpoint, str]:
    _forget_endpoints()
    endpoint = selectors.webhook_get(scope, webhook_id=webhook_id, for_update=True)
    endpoint.secret = signatures.new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_delete(scope: Scope, *, webhook_id: int) -> None:
    _forget_endpoints()
    selectors.webhook_get(scope, webhook_id=webhook_id, for_update=True).delete()


# --- the outbox ------------------------------------------------------------------------------
def _system_reader() -> Scope:
    """Reads message bodies for payloads across tenants: the sink acts for nobody."""
    return Scope.platform(user_id=None, organization_id=None, permissions=frozenset({DeskPerm.VIEW}))


def event_payload(event: ContactEvent) -> dict[str, Any]:
    """What a receiver gets as `data`: the event log row, and the message for message events."""
    data: dict[str, Any] = {
        "event_id": event.pk,
        "type": event.type,
        "at": event.at.isoformat(),
        "conversation_id": event.conversation_id,
        "case_id": event.case_id,
        "provider_id": event.provider_id,
        "client_id": event.client_id,
        "channel": event.channel,
        "queue": event.queue,
        "agent_id": event.agent_id,
        "actor_id": event.actor_id,
        "value_s": event.value_s,
        "value_business_s": event.value_business_s,
        "details": event.data,
    }
    seq = (event.data or {}).get("seq")
    if event.type in (EventType.MESSAGE_IN, EventType.MESSAGE_OUT) and isinstance(seq, int):
        found = desk_selectors.message_list(
            _system_reader(), conversation_id=event.conversation_id, after_seq=seq - 1, limit=1
        )
        if found and found[0].seq == seq:
            message = found[0]
            data["message"] = {
                "seq": message.seq,
                "direction": message.direction,
                "body": message.body,
                "external_id": message.external_id,
                "created_at": message.created_at.isoformat(),
            }
    return data


def _envelope(uid: str, event_type: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"id": uid, "type": event_type, "created_at": now.isoformat(), "data": data}


ENDPOINTS_TTL_S = 2.0
# organisation id -> (expiry on the monotonic clock, its enabled endpoints)
_endpoints_cache: dict[int, tuple[float, list[WebhookEndpoint]]] = {}


def _endpoints_for(organizations: frozenset[int]) -> list[WebhookEndpoint]:
    """The organisations' enabled endpoints, remembered per organisation for a moment.

    Every transaction that writes events asks; busy ingest asked hundreds of times a second
    for a list that changes when an admin edits it. Changes made in this process apply at
    once; other server processes see them within `ENDPOINTS_TTL_S` (a disabled endpoint is
    checked again when sending, so at worst a new endpoint misses its first seconds of events).
    """
    now = time.monotonic()
    stale = {
        org for org in organizations if (cached := _endpoints_cache.get(org)) is None or cached[0] <= now
    }
    if stale:
        found: dict[int, list[WebhookEndpoint]] = {org: [] for org in stale}
        for endpoint in selectors.webhook_endpoints_for(stale):
            found[endpoint.organization_id].append(endpoint)
        if len(_endpoints_cache) > 10_000:
            _endpoints_cache.clear()
        for org, endpoints in found.items():
            _endpoints_cache[org] = (now + ENDPOINTS_TTL_S, endpoints)
    return [endpoint for org in organizations for endpoint in _endpoints_cache[org][1]]


def may_want(batch: list[ContactEvent]) -> bool:
    """`enqueue_events`'s filter: False when the remembered endpoint lists say nobody listens."""
    now = time.monotonic()
    for event in batch:
        for org in (event.provider_id, event.client_id):
            if org is None:
                continue
            cached = _endpoints_cache.get(org)
            if cached is None or cached[0] <= now or cached[1]:
                return True
    return False


def endpoints_cache_clear() -> None:
    _endpoints_cache.clear()


def _forget_endpoints() -> None:
    """Now, and again once the change commits (a read in between may have cached the old list)."""
    endpoints_cache_clear()
    transaction.on_commit(endpoints_cache_clear)


def enqueue_events(batch: list[ContactEvent]) -> int:
    """The analytics sink: deliveries for the endpoints that want these events.

    Runs inside the transaction that writes the events (a transactional outbox): the
    deliveries commit with them or not at all. A provider's endpoints get its conversations'
    events, a client's endpoints theirs; nobody else's.
    """
    organizations = {e.provider_id for e in batch} | {e.client_id for e in batch}
    organizations.discard(None)
    if not organizations:
        return 0
    endpoints = _endpoints_for(frozenset(organizations))
    if not endpoints:
        return 0
    now = clock.now()
    deliveries: list[WebhookDelivery] = []
    for event in batch:
        payload = None
        for endpoint in endpoints:
            if endpoint.organization_id not in (event.provider_id, event.client_id):
                continue
            if endpoint.event_types and event.type not in endpoint.event_types:
                continue
            payload = payload or event_payload(event)
            uid = str(uuid.uuid4())
            deliveries.append(
                WebhookDelivery(
                    provider_id=endpoint.provider_id,
                    client_id=endpoint.client_id,
                    endpoint=endpoint,
                    uid=uid,
                    event_type=event.type,
                    event_id=event.pk,
                    payload=_envelope(uid, event.type, payload, now),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(deliveries)


# --- sending ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    delivered: bool
    status: int | None
    error: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: a moved endpoint should be updated."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _public_host(host: str) -> bool:
    """Whether every address of `host` is public (no loopback, private, link-local, …)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True  # let the request fail with the resolver's own error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


def post(url: str, secret: str, *, event_type: str, uid: str, payload: dict[str, Any]) -> Attempt:
    """One signed POST; 2xx is delivered, anything else (or no answer in 5 s) is a failure."""
    host = urlsplit(url).hostname or ""
    if not getattr(settings, "KEFU_WEBHOOKS_ALLOW_PRIVATE", False) and not _public_host(host):
        return Attempt(False, None, "refused: the URL points to a private or local address")
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Kefu-Event": event_type,
            "X-Kefu-Delivery": uid,
            signatures.HEADER: signatures.sign(secret, body, timestamp=int(time.time())),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return Attempt(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Attempt(False, None, str(reason)[:500] or exc.__class__.__name__)
    if 200 <= status < 300:
        return Attempt(True, status, "")
    return Attempt(False, status, f"HTTP {status}")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 30 s × 2^(attempts − 1)."""
    return timedelta(seconds=BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for this sender, so parallel senders never post it twice at once."""
    claimed = WebhookDelivery.all_tenants.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_S))
    if not claimed:
        return None
    return WebhookDelivery.all_tenants.select_related("endpoint").get(pk=delivery_id)


def delivery_attempt(delivery: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """POST one delivery and record the outcome (no transaction is held while waiting)."""
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        attempt = Attempt(False, None, "endpoint disabled")
    else:
        attempt = post(
            endpoint.url,
            endpoint.secret,
            event_type=delivery.event_type,
            uid=delivery.uid,
            payload=delivery.payload,
        )
    now = now or clock.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = attempt.status
    delivery.last_error = attempt.error[:500]
    if attempt.delivered:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "last_error",
            "status",
            "next_attempt_at",
        ]
    )
    return delivery


@dataclass(frozen=True)
class SendReport:
    delivered: int
    retrying: int
    failed: int


def deliver_due(*, limit: int = 100) -> SendReport:
    """Send what is due now (the job of `kefu webhooks deliver`)."""
    now = clock.now()
    delivered = retrying = failed = 0
    for delivery_id in selectors.deliveries_due(now, limit=limit):
        delivery = _claim(delivery_id, now)
        if delivery is None:
            continue
        delivery = delivery_attempt(delivery)
        if delivery.status == DeliveryStatus.DELIVERED:
            delivered += 1
        elif delivery.status == DeliveryStatus.FAILED:
            failed += 1
        else:
            retrying += 1
    return SendReport(delivered, retrying, failed)


@transaction.atomic
def delivery_redeliver(scope: Scope, *, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again now, with a fresh set of attempts (after fixing the receiver)."""
    delivery = selectors.delivery_get(scope, delivery_id=delivery_id, for_update=True)
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at = clock.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


def webhook_ping(scope: Scope, *, webhook_id: int) -> WebhookDelivery:
    """Send a `ping` now, to check the URL and the receiver's signature check."""
    endpoint = selectors.webhook_get(scope, webhook_id=webhook_id)
    now = clock.now()
    uid = str(uuid.uuid4())
    delivery = WebhookDelivery.objects.create(
        provider_id=endpoint.provider_id,
        client_id=endpoint.client_id,
        endpoint=endpoint,
        uid=uid,
        event_type=PING,
        payload=_envelope(uid, PING, {"webhook_id": endpoint.pk}, now),
        next_attempt_at=now + timedelta(seconds=CLAIM_S),
        created_at=now,
    )
    delivery.endpoint = endpoint
    return delivery_attempt(delivery)
