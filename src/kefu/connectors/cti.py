"""Phone calls from a telephony system (CTI): signed call events become phone conversations.

Kefu runs no PBX. The PBX (or cloud call centre) posts each call event to
`/connectors/cti/<endpoint_key>/events`, signed like every Kefu webhook (`signatures`).
Each call is one `phone` conversation built by the desk services, so the event log,
SLA timers and realtime updates are those of any channel (docs/cti.md lists what each
call event writes). A PBX retrying an event changes nothing: events are applied once per
(endpoint, call id, type), with the agent or recording URL added for repeatable types.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kefu.connectors import selectors, signatures
from kefu.connectors.models import CtiCall, CtiEndpoint, CtiEventReceipt
from kefu.connectors.permissions import ConnectorPerm
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound
from kefu.core.scope import Scope, new_row_keys
from kefu.desk import masking
from kefu.desk import services as desk_services
from kefu.desk.permissions import DeskPerm

EVENT_TYPES = ("offered", "answered", "abandoned", "transferred", "ended", "recording")
MAX_BODY = 32_000
CTI_PERMISSIONS = frozenset(
    {DeskPerm.VIEW, DeskPerm.HANDLE, DeskPerm.ASSIGN, DeskPerm.VIEW_CUSTOMERS, DeskPerm.MANAGE_CUSTOMERS}
)


class BadJson(Invalid):
    code = "bad_json"


@dataclass(frozen=True)
class CallEvent:
    """One validated call event."""

    call_id: str
    type: str
    at: datetime
    caller: str
    agent: str
    queue: str
    recording_url: str
    raw: dict[str, Any]


# --- setting endpoints up --------------------------------------------------------------------
@transaction.atomic
def cti_endpoint_create(
    scope: Scope,
    *,
    client_id: int,
    provider_id: int | None = None,
    name: str = "",
    agent_map: dict | None = None,
) -> tuple[CtiEndpoint, str]:
    """A PBX's endpoint for a client's calls; returns it and its secret (shown once)."""
    scope.require(ConnectorPerm.MANAGE)
    provider_id, client_id = new_row_keys(scope, client_id=client_id, provider_id=provider_id)
    secret = signatures.new_secret()
    endpoint = CtiEndpoint.objects.create(
        client_id=client_id,
        provider_id=provider_id,
        endpoint_key=secrets.token_urlsafe(24),
        secret=secret,
        name=(name or "").strip()[:120],
        agent_map=_agent_map(agent_map),
    )
    return endpoint, secret


def _agent_map(agent_map: dict | None) -> dict[str, str]:
    cleaned = {str(k).strip(): str(v).strip() for k, v in (agent_map or {}).items()}
    if any(not k or not v or len(k) > 64 or len(v) > 150 for k, v in cleaned.items()) or len(cleaned) > 500:
        raise Invalid(_("Give each agent as PBX id=user name, one per line."), field="agent_map")
    return cleaned


@transaction.atomic
def cti_endpoint_update(
    scope: Scope,
    *,
    endpoint_id: int,
    name: str | None = None,
    enabled: bool | None = None,
    agent_map: dict | None = None,
) -> CtiEndpoint:
    scope.require(ConnectorPerm.MANAGE)
    endpoint = selectors.cti_endpoint_get(scope, endpoint_id=endpoint_id, for_update=True)
    if name is not None:
        endpoint.name = name.strip()[:120]
    if enabled is not None:
        endpoint.enabled = enabled
    if agent_map is not None:
        endpoint.agent_map = _agent_map(agent_map)
    endpoint.save()
    return endpoint


@transaction.atomic
def cti_endpoint_rotate_secret(scope: Scope, *, endpoint_id: int) -> tuple[CtiEndpoint, str]:
    """A new signing secret; the PBX must sign with it from now on (shown once)."""
    scope.require(ConnectorPerm.MANAGE)
    endpoint = selectors.cti_endpoint_get(scope, endpoint_id=endpoint_id, for_update=True)
    endpoint.secret = signatures.new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint, endpoint.secret


@transaction.atomic
def cti_endpoint_delete(scope: Scope, *, endpoint_id: int) -> None:
    """Remove an endpoint and its call records; the phone conversations stay."""
    scope.require(ConnectorPerm.MANAGE)
    selectors.cti_endpoint_get(scope, endpoint_id=endpoint_id, for_update=True).delete()


def channel_scope(endpoint: CtiEndpoint, *, user_id: int | None = None) -> Scope:
    """Who acts for the PBX: the endpoint's provider (or client) limited to the endpoint's
    client; with `user_id` the answering agent, so replies and answers are credited to them."""
    return Scope.of_tenant(
        provider_id=endpoint.provider_id,
        client_id=endpoint.client_id,
        permissions=CTI_PERMISSIONS,
        user_id=user_id,
    )


# --- receiving events ------------------------------------------------------------------------
def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Invalid(_("This field is required."), field=key)
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > limit:
        raise Invalid(_("At most %(length)d characters.") % {"length": limit}, field=key)
    return value.strip()


def parse_event(raw_body: bytes, *, now: datetime) -> CallEvent:
    """Validate a call event body; `Invalid` (422) for anything Kefu cannot apply."""
    try:
        data = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadJson(_("Send a JSON object.")) from None
    if not isinstance(data, dict):
        raise BadJson(_("Send a JSON object."))
    kind = _text(data, "type", 20, required=True)
    if kind not in EVENT_TYPES:
        raise Invalid(
            _("Unknown event type %(type)s; expected one of: %(types)s")
            % {"type": kind, "types": ", ".join(EVENT_TYPES)},
            field="type",
        )
    at = now
    if data.get("at"):
        parsed = parse_datetime(str(data["at"])) if isinstance(data["at"], str) else None
        if parsed is None:
            raise Invalid(_("Send the time as ISO 8601, e.g. 2026-05-01T10:00:00+08:00."), field="at")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        at = min(parsed, now)  # a PBX clock running ahead must not date events in the future
    recording_url = _text(data, "recording_url", 1000, required=kind == "recording")
    if recording_url and not recording_url.lower().startswith(("https://", "http://")):
        raise Invalid(_("The recording URL must start with http:// or https://."), field="recording_url")
    agent = _text(data, "agent", 150, required=kind in ("answered", "transferred"))
    return CallEvent(
        call_id=_text(data, "call_id", 120, required=True),
        type=kind,
        at=at,
        caller=_text(data, "caller", 40),
        agent=agent,
        queue=_text(data, "queue", 60),
        recording_url=recording_url,
        raw=data,
    )


def _dedupe_key(event: CallEvent) -> str:
    if event.type == "transferred":
        return f"transferred:{event.agent}"
    if event.type == "recording":
        return f"recording:{event.recording_url}"[:200]
    return event.type


def cti_event_receive(endpoint_key: str, *, raw_body: bytes, signature: str | None) -> dict[str, Any]:
    """Check, parse and apply one call event: NotFound (404) for an unknown or disabled key,
    `BadSignature` (401), `Invalid` (422). Returns `{"ok", "duplicate", "conversation_id"}`."""
    endpoint = selectors.cti_endpoint_by_key(endpoint_key)
    if endpoint is None or not selectors.engagement_active(endpoint.provider_id, endpoint.client_id):
        raise NotFound()
    if len(raw_body) > MAX_BODY:
        raise Invalid(_("The request is too large."))
    signatures.verify(endpoint.secret, signature, raw_body, now=clock.now().timestamp())
    event = parse_event(raw_body, now=clock.now())
    return _apply(endpoint, event)


@transaction.atomic
def _apply(endpoint: CtiEndpoint, event: CallEvent) -> dict[str, Any]:
    try:
        with transaction.atomic():
            CtiEventReceipt.objects.create(
                provider_id=endpoint.provider_id,
                client_id=endpoint.client_id,
                endpoint=endpoint,
                call_id=event.call_id,
                dedupe_key=_dedupe_key(event),
                payload=event.raw,
            )
    except IntegrityError:
        call = selectors.cti_call_row(endpoint, call_id=event.call_id)
        return {"ok": True, "duplicate": True, "conversation_id": call.conversation_id if call else None}
    scope = channel_scope(endpoint)
    call = _call_locked(endpoint, event, scope)
    if call.conversation_id is None:
        raise NotFound()
    conversation_id = call.conversation_id
    at = max(event.at, call.offered_at)
    with clock.at(at):
        if event.type == "answered":
            _answered(endpoint, call, event, scope)
        elif event.type in ("abandoned", "ended") and call.answered_at is None and not call.outcome:
            _abandoned(call, event, scope, at)
        elif event.type == "ended" and call.outcome != "abandoned":
            call.ended_at, call.outcome = at, call.outcome or "ended"
            desk_services.message_post(
                scope,
                conversation_id=conversation_id,
                direction="note",
                body=_("Call ended; talk time %(duration)s.") % {"duration": _duration(call, at)},
                external_id=f"cti:{event.call_id}:ended",
                channel_data={"cti": {"call_id": event.call_id, "event": "ended"}},
            )
        elif event.type == "transferred":
            agent_id = _agent_id(endpoint, event.agent)
            desk_services.conversation_assign(scope, conversation_id=conversation_id, agent_id=agent_id)
        elif event.type == "recording":
            call.recording_urls = [*call.recording_urls, event.recording_url]
            desk_services.message_post(
                scope,
                conversation_id=conversation_id,
                direction="note",
                body=_("Call recording: %(url)s") % {"url": event.recording_url},
                external_id=f"cti:{event.call_id}:recording:{len(call.recording_urls)}",
                channel_data={"cti": {"call_id": event.call_id, "recording_url": event.recording_url}},
            )
    call.save()
    return {"ok": True, "duplicate": False, "conversation_id": conversation_id}


def _duration(call: CtiCall, at: datetime) -> str:
    seconds = int((at - (call.answered_at or at)).total_seconds())
    return f"{seconds // 60}:{seconds % 60:02d}"


def _call_locked(endpoint: CtiEndpoint, event: CallEvent, scope: Scope) -> CtiCall:
    """The call row, locked; the first event of a call (normally `offered`, but a PBX may
    deliver out of order) opens the conversation."""
    call = selectors.cti_call_row(endpoint, call_id=event.call_id, for_update=True)
    if call is not None:
        return call
    try:
        with transaction.atomic():
            call = CtiCall.objects.create(
                provider_id=endpoint.provider_id,
                client_id=endpoint.client_id,
                endpoint=endpoint,
                call_id=event.call_id,
                offered_at=event.at,
            )
            with clock.at(event.at):
                call.conversation_id = _offer(endpoint, event, scope)
            call.save(update_fields=["conversation"])
            return call
    except IntegrityError:  # another request for the same call won the race
        call = selectors.cti_call_row(endpoint, call_id=event.call_id, for_update=True)
        assert call is not None
        return call


def _offer(endpoint: CtiEndpoint, event: CallEvent, scope: Scope) -> int:
    """Customer by phone (or a new one), a phone conversation, and the call as its first
    inbound line: first-response time on the phone is then the speed of answer."""
    customer_id = None
    if event.caller:
        customer_id = selectors.customer_id_by_phone(scope, client_id=endpoint.client_id, phone=event.caller)
        if customer_id is None:
            try:
                with transaction.atomic():
                    customer_id = desk_services.customer_create(
                        scope, client_id=endpoint.client_id, phone=event.caller
                    ).pk
            except KefuError:  # "anonymous", a too-short number: keep the call, not the number
                customer_id = None
    number = masking.mask(masking.MaskKind.PHONE, event.caller) if event.caller else _("unknown number")
    conversation = desk_services.conversation_create(
        scope,
        channel="phone",
        client_id=endpoint.client_id,
        customer_id=customer_id,
        subject=_("Call from %(number)s") % {"number": number},
        queue=event.queue,
    )
    desk_services.message_post(
        scope,
        conversation_id=conversation.pk,
        direction="in",
        body=_("Incoming call from %(number)s") % {"number": number},
        external_id=f"cti:{event.call_id}:offered",
        channel_data={"cti": {"call_id": event.call_id, "event": "offered", "queue": event.queue}},
    )
    return conversation.pk


def _agent_id(endpoint: CtiEndpoint, agent: str) -> int:
    username = endpoint.agent_map.get(agent, agent)
    user_id = selectors.user_id_by_username(username)
    if user_id is None:
        raise Invalid(_("Unknown agent %(agent)s.") % {"agent": agent}, field="agent")
    return user_id


def _answered(endpoint: CtiEndpoint, call: CtiCall, event: CallEvent, scope: Scope) -> None:
    """Assign the agent and post the answer as their reply (`message_out`, `first_response`)."""
    agent_id = _agent_id(endpoint, event.agent)
    conversation_id = call.conversation_id
    assert conversation_id is not None
    desk_services.conversation_assign(scope, conversation_id=conversation_id, agent_id=agent_id)
    if call.answered_at is not None:
        return
    call.answered_at, call.outcome = max(event.at, call.offered_at), "answered"
    desk_services.message_post(
        channel_scope(endpoint, user_id=agent_id),
        conversation_id=conversation_id,
        direction="out",
        body=_("Call answered."),
        external_id=f"cti:{event.call_id}:answered",
        channel_data={"cti": {"call_id": event.call_id, "event": "answered", "agent": event.agent}},
    )


def _abandoned(call: CtiCall, event: CallEvent, scope: Scope, at: datetime) -> None:
    """The caller hung up before an agent answered: a note, then the desk's abandon (the one
    path that writes `abandoned` with the wait and closes the conversation; callbacks are
    planned from the `abandoned` events, not from open conversations). A conversation someone
    already finished or answered by other means is not an abandon: the call just ends."""
    conversation_id = call.conversation_id
    assert conversation_id is not None
    wait = max((at - call.offered_at).total_seconds(), 0.0)
    call.ended_at, call.outcome = at, "abandoned"
    desk_services.message_post(
        scope,
        conversation_id=conversation_id,
        direction="note",
        body=_("The caller hung up after waiting %(seconds)d s.") % {"seconds": round(wait)},
        external_id=f"cti:{event.call_id}:abandoned",
        channel_data={"cti": {"call_id": event.call_id, "event": "abandoned"}},
    )
    try:
        with transaction.atomic():
            desk_services.conversation_abandon(
                scope, conversation_id=conversation_id, reason=event.type, details={"call_id": event.call_id}
            )
    except Conflict:
        pass
