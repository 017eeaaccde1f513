"""Reads of the channel adapters. The widget's reads run for nobody signed in: they take
a `WidgetContext` (built from the public key by `services.widget_open`) and read through
its channel scope, so they can only ever see the widget's own client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from kefu.connectors import mailparse
from kefu.connectors.models import (
    CtiCall,
    CtiEndpoint,
    InboundEmail,
    MailboxConfig,
    OutgoingEmail,
    WebhookDelivery,
    WebhookEndpoint,
    WidgetConfig,
    WidgetVisitor,
)
from kefu.connectors.permissions import ConnectorPerm
from kefu.core import clock
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import fields as desk_fields
from kefu.desk import selectors as desk_selectors
from kefu.desk.models import Customer
from kefu.quality import selectors as quality_selectors
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors

REPLAY_PAGE = 200


@dataclass(frozen=True)
class WidgetContext:
    """What a widget connection or request acts with: the widget's settings and its channel scope."""

    widget_id: int
    widget_key: str
    client_id: int
    provider_id: int | None
    greeting: str
    satisfaction_prompt: bool
    allowed_origins: tuple[str, ...]
    scope: Scope
    queue: str = ""
    pre_chat_fields: dict[str, str] = field(default_factory=dict)  # {"name": "required", …}
    offline_form: bool = True
    offline_now: bool = False  # switched to the message form by an emergency plan


@dataclass(frozen=True)
class VisitorState:
    """What the widget shows on (re)connect."""

    conversation_id: int | None
    status: str
    last_seq: int
    survey_pending: bool
    open: bool


# --- staff-side reads ------------------------------------------------------------------------
def widget_list(scope: Scope) -> QuerySet[WidgetConfig]:
    scope.require(ConnectorPerm.VIEW)
    return WidgetConfig.objects.for_scope(scope)


def widget_get(scope: Scope, *, widget_id: int, for_update: bool = False) -> WidgetConfig:
    return one_of(widget_list(scope), pk=widget_id, for_update=for_update)  # one table: the same lock


def widget_by_key(widget_key: str) -> WidgetConfig | None:
    """The enabled widget of a public key: a deliberate cross-tenant lookup, the key being
    the only thing an anonymous page has. Callers build a scoped context from it."""
    if not widget_key or len(widget_key) > 64:
        return None
    return WidgetConfig.all_tenants.filter(widget_key=widget_key, enabled=True).first()


# --- widget-side reads -----------------------------------------------------------------------
def visitor_row(ctx: WidgetContext, *, visitor_id: str, for_update: bool = False) -> WidgetVisitor | None:
    queryset = WidgetVisitor.objects.for_scope(ctx.scope).filter(
        widget_id=ctx.widget_id, visitor_id=visitor_id
    )
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()


def client_is_open(client_id: int, at: datetime | None = None) -> bool:
    """Whether the client's service hours are running; open when desk has no calendars yet."""
    check = getattr(desk_selectors, "client_is_open", None)
    if check is None:
        return True
    return bool(check(client_id, at or clock.now()))


def conversation_scope(ctx: WidgetContext, *, conversation_id: int) -> Scope:
    """The scope the widget reads and writes its visitor's conversation with: that of the provider
    holding it now. Routing may hand a waiting chat to another provider serving the client (a
    traffic split, overflow: docs/routing.md, "Several providers"), and the customer's session
    follows it. Only a conversation a visitor of this widget is on gets the other provider's
    scope; anything else keeps the widget's own (and is not found there)."""
    provider_id = desk_selectors.conversation_provider_id(
        client_id=ctx.client_id, conversation_id=conversation_id
    )
    if provider_id is None or provider_id == ctx.provider_id:
        return ctx.scope
    if (
        not WidgetVisitor.objects.for_scope(ctx.scope)
        .filter(widget_id=ctx.widget_id, conversation_id=conversation_id)
        .exists()
    ):
        return ctx.scope
    return Scope.of_tenant(
        provider_id=provider_id,
        client_id=ctx.client_id,
        permissions=ctx.scope.permissions,
        role=ctx.scope.role,
    )


def visitor_state(ctx: WidgetContext, *, visitor_id: str) -> VisitorState:
    visitor = visitor_row(ctx, visitor_id=visitor_id)
    is_open = client_is_open(ctx.client_id) and not ctx.offline_now
    if visitor is None or visitor.conversation_id is None:
        return VisitorState(None, "", 0, False, is_open)
    status = conversation_status(ctx, conversation_id=visitor.conversation_id)
    return VisitorState(
        conversation_id=visitor.conversation_id,
        status=status["status"],
        last_seq=status["last_seq"],
        survey_pending=status["survey_pending"],
        open=is_open,
    )


def conversation_status(ctx: WidgetContext, *, conversation_id: int) -> dict[str, Any]:
    """Status, last seq and whether to ask for a rating: for the widget's status frame."""
    scope = conversation_scope(ctx, conversation_id=conversation_id)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    finished = conversation.status in ("resolved", "closed")
    survey_pending = (
        ctx.satisfaction_prompt
        and finished
        and not quality_selectors.survey_answered(scope, conversation_id=conversation.pk)
    )
    return {
        "status": conversation.status,
        "last_seq": conversation.last_message_seq,
        "survey_pending": survey_pending,
    }


def queue_frame(ctx: WidgetContext, *, conversation_id: int) -> dict[str, Any]:
    """The widget's `queue` frame: the customer's own place in line and estimated wait
    (`routing.selectors.queue_place`), or `waiting: false` once an agent has it (or it is not
    in a queue). Only this conversation's figures: nothing about the other customers."""
    scope = conversation_scope(ctx, conversation_id=conversation_id)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    place = None
    if conversation.queue and conversation.client_id is not None and conversation.assignee_id is None:
        place = routing_selectors.queue_place(
            scope,
            client_id=conversation.client_id,
            queue_name=conversation.queue,
            conversation_id=conversation.pk,
        )
    if place is None:
        return {"type": "queue", "conversation_id": conversation_id, "waiting": False}
    return {
        "type": "queue",
        "conversation_id": conversation_id,
        "waiting": True,
        "position": place.ahead + 1,
        "estimated_wait_s": place.estimated_wait_s,
    }


def message_frames_after(
    ctx: WidgetContext, *, conversation_id: int, after_seq: int
) -> tuple[list[dict], int]:
    """The customer-visible messages after `after_seq`, oldest first, as JSON frames, and the
    highest seq looked at (internal notes take a seq too but are never sent)."""
    frames: list[dict[str, Any]] = []
    highest = after_seq
    scope = conversation_scope(ctx, conversation_id=conversation_id)
    while True:
        page = desk_selectors.message_list(
            scope, conversation_id=conversation_id, after_seq=highest, limit=REPLAY_PAGE
        )
        for message in page:
            highest = message.seq
            if message.direction == "note":
                continue
            frames.append(
                {
                    "type": "message",
                    "conversation_id": conversation_id,
                    "seq": message.seq,
                    "direction": message.direction,
                    "body": message.body,
                    "at": message.created_at.isoformat(),
                    "client_msg_id": (message.channel_data or {}).get("client_msg_id", ""),
                }
            )
        if len(page) < REPLAY_PAGE:
            return frames, highest


def widget_list_all() -> QuerySet[WidgetConfig]:
    """Every widget of the installation: for the operator's `kefu widget list` only."""
    return WidgetConfig.all_tenants.order_by("client_id", "id")


# --- phone (CTI) -----------------------------------------------------------------------------
def cti_endpoint_by_key(endpoint_key: str) -> CtiEndpoint | None:
    """The enabled endpoint of a key: a deliberate cross-tenant lookup (the PBX knows only the
    key); the signature, checked next with the endpoint's secret, authorises."""
    if not endpoint_key or len(endpoint_key) > 64:
        return None
    return CtiEndpoint.all_tenants.filter(endpoint_key=endpoint_key, enabled=True).first()


def cti_endpoint_list_all() -> QuerySet[CtiEndpoint]:
    """Every CTI endpoint of the installation: for the operator's `kefu cti list` only."""
    return CtiEndpoint.all_tenants.order_by("client_id", "id")


def engagement_active(provider_id: int | None, client_id: int | None) -> bool:
    """Whether the provider still serves the client (always true for a client's own line)."""
    if client_id is None:
        return False
    if provider_id is None:
        return True
    probe = Scope.system(provider_id=provider_id, client_ids=frozenset(), permissions=frozenset())
    return tenancy_selectors.engagement_list(probe).filter(client_id=client_id, status="active").exists()


def cti_call_row(endpoint: CtiEndpoint, *, call_id: str, for_update: bool = False) -> CtiCall | None:
    queryset = CtiCall.all_tenants.filter(endpoint=endpoint, call_id=call_id)
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()


def customer_id_by_phone(scope: Scope, *, client_id: int, phone: str) -> int | None:
    """The client's customer with this phone number (by its lookup hash), the oldest first."""
    digest = desk_fields.phone_hash(phone)
    if not digest:
        return None
    return (
        Customer.objects.for_scope(scope)
        .filter(client_id=client_id, phone_hash=digest)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def user_id_by_username(username: str) -> int | None:
    user = tenancy_selectors.user_get_by_username(username) if username else None
    return user.pk if user is not None and user.is_active else None


# --- outbound webhooks -----------------------------------------------------------------------
def webhook_list(scope: Scope) -> QuerySet[WebhookEndpoint]:
    """The acting organisation's own endpoints (a provider does not see its clients')."""
    scope.require(ConnectorPerm.MANAGE)
    return WebhookEndpoint.objects.for_scope(scope).filter(organization_id=scope.organization_id)


def webhook_get(scope: Scope, *, webhook_id: int, for_update: bool = False) -> WebhookEndpoint:
    return one_of(webhook_list(scope), pk=webhook_id, for_update=for_update)  # one table: the same lock


def delivery_list(scope: Scope, *, webhook_id: int, status: str = "") -> QuerySet[WebhookDelivery]:
    endpoint = webhook_get(scope, webhook_id=webhook_id)
    queryset = WebhookDelivery.objects.for_scope(scope).filter(endpoint=endpoint)
    return queryset.filter(status=status) if status else queryset


def delivery_get(scope: Scope, *, delivery_id: int, for_update: bool = False) -> WebhookDelivery:
    scope.require(ConnectorPerm.MANAGE)
    return one_of(
        WebhookDelivery.objects.for_scope(scope),
        pk=delivery_id,
        endpoint__organization_id=scope.organization_id,
        for_update=for_update,
    )


def deliveries_due(now: datetime, *, limit: int) -> list[int]:
    """Ids of pending deliveries whose time has come, oldest first: for the sender job."""
    return list(
        WebhookDelivery.all_tenants.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def webhook_endpoints_for(organization_ids: set[int]) -> QuerySet[WebhookEndpoint]:
    """Enabled endpoints of these organisations: for the outbox sink, which acts for nobody."""
    return WebhookEndpoint.all_tenants.filter(enabled=True, organization_id__in=organization_ids)


# --- channel settings ------------------------------------------------------------------------
def _managed(scope: Scope, queryset: QuerySet) -> QuerySet:
    """A provider's own channels only: tenant rules alone would also show it the channels its
    clients answer themselves (provider empty), which are theirs to manage."""
    if scope.is_provider:
        return queryset.filter(provider_id=scope.organization_id)
    return queryset


def cti_endpoint_list(scope: Scope) -> QuerySet[CtiEndpoint]:
    scope.require(ConnectorPerm.VIEW)
    return _managed(scope, CtiEndpoint.objects.for_scope(scope)).select_related("client")


def cti_endpoint_get(scope: Scope, *, endpoint_id: int, for_update: bool = False) -> CtiEndpoint:
    return one_of(cti_endpoint_list(scope), pk=endpoint_id, for_update=for_update)


# --- email -----------------------------------------------------------------------------------
def mailbox_list(scope: Scope) -> QuerySet[MailboxConfig]:
    scope.require(ConnectorPerm.VIEW)
    return _managed(scope, MailboxConfig.objects.for_scope(scope)).select_related("client", "provider")


def mailbox_get(scope: Scope, *, mailbox_id: int, for_update: bool = False) -> MailboxConfig:
    return one_of(mailbox_list(scope), pk=mailbox_id, for_update=for_update)


def mailbox_by_key_hash(key_hash: str) -> MailboxConfig | None:
    """The mailbox of an inbound-webhook key (by its hash): a deliberate cross-tenant lookup,
    the key in the URL being all a mail server has."""
    return MailboxConfig.all_tenants.filter(inbound_key_hash=key_hash).first()


def mailbox_row(mailbox_id: int) -> MailboxConfig | None:
    """For the polling and sending jobs, which act for nobody."""
    return MailboxConfig.all_tenants.filter(pk=mailbox_id).first()


def mailboxes_to_poll(now: datetime) -> list[int]:
    """Active mailboxes with an IMAP server that no other poller holds right now."""
    return list(
        MailboxConfig.all_tenants.filter(active=True)
        .exclude(imap_host="")
        .filter(Q(poll_claimed_until__isnull=True) | Q(poll_claimed_until__lte=now))
        .order_by("last_polled_at", "id")
        .values_list("id", flat=True)
    )


def email_thread_conversation(scope: Scope, *, client_id: int, message_ids: list[str]) -> int | None:
    """The conversation of the first of `message_ids` that names a mail we received or sent
    for this client (they come most telling first)."""
    if not message_ids:
        return None
    keys = [mailparse.message_key(m) for m in message_ids]
    found: dict[str, int] = {}
    received = InboundEmail.objects.for_scope(scope).filter(
        client_id=client_id, message_key__in=keys, conversation__isnull=False
    )
    for key, conversation_id in received.values_list("message_key", "conversation_id").order_by("-id"):
        found.setdefault(key, conversation_id)
    sent = OutgoingEmail.objects.for_scope(scope).filter(client_id=client_id, message_key__in=keys)
    for key, conversation_id in sent.values_list("message_key", "conversation_id"):
        found.setdefault(key, conversation_id)
    return next((found[key] for key in keys if key in found), None)


def email_receipt(mailbox: MailboxConfig, *, message_key: str) -> InboundEmail | None:
    return InboundEmail.all_tenants.filter(mailbox=mailbox, message_key=message_key).first()


def email_parent(conversation_id: int) -> InboundEmail | None:
    """The customer's latest mail in a conversation: what an agent's reply answers."""
    return InboundEmail.all_tenants.filter(conversation_id=conversation_id).order_by("-id").first()


def mailbox_for_conversation(conversation: Any) -> MailboxConfig | None:
    """The mailbox replies of a conversation leave from: the one its mail came in to, else the
    first active mailbox of its client and provider (a conversation an agent started)."""
    parent = email_parent(conversation.pk)
    if parent is not None:
        return parent.mailbox
    return (
        MailboxConfig.all_tenants.filter(
            client_id=conversation.client_id, provider_id=conversation.provider_id, active=True
        )
        .order_by("id")
        .first()
    )


def customer_id_by_email(scope: Scope, *, client_id: int, email: str) -> int | None:
    """The client's customer with this email address (by its lookup hash), the oldest first."""
    digest = desk_fields.email_hash(email)
    if not digest:
        return None
    return (
        Customer.objects.for_scope(scope)
        .filter(client_id=client_id, email_hash=digest)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def outgoing_due(now: datetime, *, limit: int) -> list[int]:
    """Ids of queued replies whose time has come, oldest first: for the sender job."""
    return list(
        OutgoingEmail.all_tenants.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def outgoing_for_reply(message_id: int) -> OutgoingEmail | None:
    return OutgoingEmail.all_tenants.filter(reply_id=message_id).first()


def outgoing_list(scope: Scope, *, mailbox_id: int, limit: int = 20) -> list[OutgoingEmail]:
    mailbox = mailbox_get(scope, mailbox_id=mailbox_id)
    return list(OutgoingEmail.objects.for_scope(scope).filter(mailbox=mailbox).order_by("-id")[:limit])


def inbound_list(scope: Scope, *, mailbox_id: int, limit: int = 20) -> list[InboundEmail]:
    mailbox = mailbox_get(scope, mailbox_id=mailbox_id)
    return list(InboundEmail.objects.for_scope(scope).filter(mailbox=mailbox).order_by("-id")[:limit])
