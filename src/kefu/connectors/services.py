"""Writes of the channel adapters; so far the web chat widget.

The widget's visitors are nobody signed in. Everything they do runs through a *channel
scope*: the serving provider (or the client, for a client answering its own chats) with
only the desk permissions a customer's channel needs and only the widget's client as
partner, so a widget can never reach another client's data. Conversations, customers
and messages are created by the desk services, so the event log and the realtime
events are the same as for any other channel.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.connectors import selectors
from kefu.connectors.models import WidgetConfig, WidgetVisitor
from kefu.connectors.permissions import ConnectorPerm
from kefu.connectors.selectors import WidgetContext
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.permissions import DeskPerm
from kefu.quality.permissions import QualityPerm
from kefu.quality.surveys import selectors as survey_selectors
from kefu.quality.surveys import services as survey_services
from kefu.tenancy import selectors as tenancy_selectors

MAX_WIDGET_MESSAGE = 5000
MAX_ORIGINS = 20
VISITOR_SALT = "kefu.connectors.widget-visitor"
VISITOR_MAX_AGE_S = 400 * 24 * 3600  # a returning customer is recognised for about a year
OFFLINE_LIMIT = 5  # offline messages per IP and widget …
OFFLINE_WINDOW_S = 600  # … per ten minutes
CLIENT_MSG_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
PRE_CHAT_FIELDS = ("name", "phone", "email", "order_number")
"""What a pre-chat form may ask, in the order the widget shows it (each "optional" or "required")."""
PRE_CHAT_MAX = {"name": 60, "phone": 30, "email": 254, "order_number": 120}
CHANNEL_PERMISSIONS = frozenset(
    {
        DeskPerm.VIEW,
        DeskPerm.HANDLE,
        DeskPerm.VIEW_CUSTOMERS,
        DeskPerm.MANAGE_CUSTOMERS,
        QualityPerm.RECORD_SURVEY,
    }
)


class TooLong(Invalid):
    code = "too_long"


class RateLimited(KefuError):
    code = "rate_limited"


# --- setting widgets up ---------------------------------------------------------------------
_ORIGIN = re.compile(r"(https?)://(\*\.)?[a-z0-9.-]+(:\d{1,5})?")


def normalize_origins(origins: list[str] | None) -> list[str]:
    """`scheme://host[:port]`, optionally `https://*.shop.example`, or `*` for any site."""
    cleaned: list[str] = []
    for raw in origins or []:
        origin = (raw or "").strip().lower().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise Invalid(
                _("%(origin)s is not an origin like https://shop.example.com.") % {"origin": raw},
                field="allowed_origins",
            )
        cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        raise Invalid(_("At most %(count)d origins.") % {"count": MAX_ORIGINS}, field="allowed_origins")
    return list(dict.fromkeys(cleaned))


def origin_allowed(origin: str | None, allowed: tuple[str, ...] | list[str]) -> bool:
    """Whether a browser's `Origin` header names one of the widget's sites."""
    if "*" in allowed:
        return True
    if not origin:
        return False
    origin = origin.strip().lower().rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    for pattern in allowed:
        if pattern == origin:
            return True
        if "://*." in pattern:
            scheme, rest = pattern.split("://*.", 1)
            suffix_host, _sep, port = rest.partition(":")
            if (
                parts.scheme == scheme
                and parts.hostname.endswith("." + suffix_host)
                and str(parts.port or "") == port
            ):
                return True
    return False


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _widget_color(color: str) -> str:
    color = (color or "").strip()
    if not COLOR.fullmatch(color):
        raise Invalid(_("Write the colour as #RRGGBB, e.g. #1677ff."), field="color")
    return color.lower()


def _pre_chat(fields: Any) -> dict[str, str]:
    """{field: "optional" | "required"} for the fields the pre-chat form asks (others: not asked)."""
    if not isinstance(fields, dict):
        raise Invalid(_("The input is not valid."), field="pre_chat_fields")
    clean = {}
    for name in PRE_CHAT_FIELDS:  # known fields only, in the widget's order
        mode = fields.get(name) or ""
        if mode not in ("", "optional", "required"):
            raise Invalid(_("The input is not valid."), field="pre_chat_fields")
        if mode:
            clean[name] = mode
    if set(fields) - set(PRE_CHAT_FIELDS):
        raise Invalid(_("The input is not valid."), field="pre_chat_fields")
    return clean


@transaction.atomic
def widget_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    provider_id: int | None = None,
    allowed_origins: list[str] | None = None,
    greeting: str = "",
    name: str = "",
    satisfaction_prompt: bool = True,
    queue: str = "",
    color: str = "#1677ff",
    pre_chat_fields: dict[str, str] | None = None,
    offline_form: bool = True,
) -> WidgetConfig:
    """A client's chat widget; the chats go to `provider` (the acting provider by default) and
    wait in `queue` (the agents serving it see them under "My queues")."""
    scope.require(ConnectorPerm.MANAGE)
    provider, client = new_row_keys(scope, client_id=client_id, provider_id=provider_id)
    greeting = (greeting or "").strip()
    if len(greeting) > 500:
        raise Invalid(_("At most %(length)d characters.") % {"length": 500}, field="greeting")
    return WidgetConfig.objects.create(
        client_id=client,
        provider_id=provider,
        widget_key=_new_key(),
        name=(name or "").strip()[:120],
        allowed_origins=normalize_origins(allowed_origins),
        greeting=greeting,
        satisfaction_prompt=satisfaction_prompt,
        queue=_widget_queue(queue),
        color=_widget_color(color),
        pre_chat_fields=_pre_chat(pre_chat_fields or {}),
        offline_form=offline_form,
    )


def _widget_queue(queue: str) -> str:
    queue = (queue or "").strip()
    if len(queue) > 60:
        raise Invalid(_("At most %(length)d characters.") % {"length": 60}, field="queue")
    return queue


@transaction.atomic
def widget_update(
    scope: Scope,
    *,
    widget_id: int,
    allowed_origins: list[str] | None = None,
    greeting: str | None = None,
    enabled: bool | None = None,
    satisfaction_prompt: bool | None = None,
    queue: str | None = None,
    name: str | None = None,
    color: str | None = None,
    pre_chat_fields: dict[str, str] | None = None,
    offline_form: bool | None = None,
    offline_now: bool | None = None,
) -> WidgetConfig:
    """Change what is given (None: unchanged); the embedded script picks it up within minutes
    (it is cached for five)."""
    scope.require(ConnectorPerm.MANAGE)
    widget = selectors.widget_get(scope, widget_id=widget_id, for_update=True)
    if allowed_origins is not None:
        widget.allowed_origins = normalize_origins(allowed_origins)
    if greeting is not None:
        if len(greeting.strip()) > 500:
            raise Invalid(_("At most %(length)d characters.") % {"length": 500}, field="greeting")
        widget.greeting = greeting.strip()
    if enabled is not None:
        widget.enabled = enabled
    if satisfaction_prompt is not None:
        widget.satisfaction_prompt = satisfaction_prompt
    if queue is not None:
        widget.queue = _widget_queue(queue)
    if name is not None:
        if len(name.strip()) > 120:
            raise Invalid(_("At most %(length)d characters.") % {"length": 120}, field="name")
        widget.name = name.strip()
    if color is not None:
        widget.color = _widget_color(color)
    if pre_chat_fields is not None:
        widget.pre_chat_fields = _pre_chat(pre_chat_fields)
    if offline_form is not None:
        widget.offline_form = offline_form
    if offline_now is not None:
        widget.offline_now = offline_now
    widget.save()
    return widget


@transaction.atomic
def widget_rotate_key(scope: Scope, *, widget_id: int) -> WidgetConfig:
    """A new public key: pages still embedding the old one stop connecting (a leaked key, a
    site taken over). Visitor tokens stay valid, they name the widget, not its key."""
    scope.require(ConnectorPerm.MANAGE)
    widget = selectors.widget_get(scope, widget_id=widget_id, for_update=True)
    widget.widget_key = _new_key()
    widget.save(update_fields=["widget_key", "updated_at"])
    return widget


def operator_scope(*, client_id: int, provider_id: int | None) -> Scope:
    """For the `kefu widget` command: acts as the provider (or the client) with MANAGE only."""
    return Scope.of_tenant(
        provider_id=provider_id,
        client_id=client_id,
        permissions=frozenset({ConnectorPerm.MANAGE, ConnectorPerm.VIEW}),
        role="system",
    )


# --- the widget at work ----------------------------------------------------------------------
def channel_scope(widget: WidgetConfig) -> Scope:
    """Who acts for a visitor: the widget's provider (or client) limited to the widget's client."""
    return Scope.of_tenant(
        provider_id=widget.provider_id, client_id=widget.client_id, permissions=CHANNEL_PERMISSIONS
    )


def _engagement_active(provider_id: int, client_id: int) -> bool:
    probe = Scope.system(provider_id=provider_id, client_ids=frozenset(), permissions=frozenset())
    return tenancy_selectors.engagement_list(probe).filter(client_id=client_id, status="active").exists()


def widget_open(widget_key: str, *, origin: str | None) -> WidgetContext:
    """The context of a widget request: NotFound for an unknown or disabled key (or a provider
    that no longer serves the client), PermissionDenied for a page on a site not allowed."""
    widget = selectors.widget_by_key(widget_key)
    if widget is None or widget.client_id is None:
        raise NotFound()
    if widget.provider_id is not None and not _engagement_active(widget.provider_id, widget.client_id):
        raise NotFound()
    if not origin_allowed(origin, widget.allowed_origins):
        raise PermissionDenied(_("This site may not use this chat widget."))
    return WidgetContext(
        widget_id=widget.pk,
        widget_key=widget.widget_key,
        client_id=widget.client_id,
        provider_id=widget.provider_id,
        greeting=widget.greeting,
        satisfaction_prompt=widget.satisfaction_prompt,
        allowed_origins=tuple(widget.allowed_origins),
        scope=channel_scope(widget),
        queue=widget.queue,
        pre_chat_fields=dict(widget.pre_chat_fields or {}),
        offline_form=widget.offline_form,
        offline_now=widget.offline_now,
    )


def visitor_token_issue(ctx: WidgetContext) -> tuple[str, str]:
    """A new visitor: (visitor id, signed token the browser keeps in localStorage)."""
    visitor_id = secrets.token_hex(16)
    return visitor_id, signing.dumps({"w": ctx.widget_id, "v": visitor_id}, salt=VISITOR_SALT, compress=True)


def visitor_from_token(ctx: WidgetContext, token: str | None) -> str | None:
    """The visitor id of a token signed for this widget, or None (forged, expired, other widget)."""
    if not token or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE_S)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("w") != ctx.widget_id or not isinstance(data.get("v"), str):
        return None
    return data["v"]


def _visitor_locked(ctx: WidgetContext, visitor_id: str) -> WidgetVisitor:
    """The visitor row, created on first use; locked so two tabs do not open two conversations."""
    visitor = selectors.visitor_row(ctx, visitor_id=visitor_id, for_update=True)
    if visitor is not None:
        return visitor
    try:
        with transaction.atomic():
            WidgetVisitor.objects.create(
                provider_id=ctx.provider_id,
                client_id=ctx.client_id,
                widget_id=ctx.widget_id,
                visitor_id=visitor_id,
            )
    except IntegrityError:
        pass  # the other tab won; lock its row
    visitor = selectors.visitor_row(ctx, visitor_id=visitor_id, for_update=True)
    assert visitor is not None
    return visitor


def _check_body(body: Any, field: str) -> str:
    if not isinstance(body, str) or not body.strip():
        raise Invalid(_("A message cannot be empty."), field=field)
    if len(body) > MAX_WIDGET_MESSAGE:
        raise TooLong(
            _("A message can be at most %(limit)s characters long; this one has %(length)s.")
            % {"limit": f"{MAX_WIDGET_MESSAGE:,}", "length": f"{len(body):,}"},
            field=field,
        )
    return body


@transaction.atomic
def widget_message_post(
    ctx: WidgetContext, *, visitor_id: str, body: Any, client_msg_id: Any, contact: Any = None
) -> tuple[int, int, bool]:
    """Store a visitor's message; returns (conversation id, seq, whether the conversation is new).

    The first message creates the customer and the chat conversation, with the answers of the
    widget's pre-chat form (`contact`: name, phone, email, order_number). `client_msg_id`
    becomes the message's `external_id`, so the same message sent again after a reconnect
    is stored once. A closed conversation is followed by a new one.
    """
    body = _check_body(body, "body")
    if not isinstance(client_msg_id, str) or not CLIENT_MSG_ID.fullmatch(client_msg_id):
        raise Invalid(
            _("A message needs a client_msg_id of 1 to 64 letters, digits, - or _."), field="client_msg_id"
        )
    external_id = f"widget:{visitor_id}:{client_msg_id}"
    channel_data = {"widget_id": ctx.widget_id, "client_msg_id": client_msg_id}
    visitor = _visitor_locked(ctx, visitor_id)
    conversation_id = visitor.conversation_id
    if conversation_id is not None:
        scope = selectors.conversation_scope(ctx, conversation_id=conversation_id)
        status = desk_selectors.conversation_get(scope, conversation_id=conversation_id).status
        if status != "closed":
            message = desk_services.message_post(
                scope,
                conversation_id=conversation_id,
                body=body,
                direction="in",
                external_id=external_id,
                channel_data=channel_data,
            )
            return conversation_id, message.seq, False
    answers = pre_chat_answers(ctx, contact)
    conversation_id = _start_conversation(ctx, visitor, body=body, subject="", answers=answers)
    message = desk_services.message_post(
        ctx.scope,
        conversation_id=conversation_id,
        body=body,
        direction="in",
        external_id=external_id,
        channel_data=channel_data,
    )
    return conversation_id, message.seq, True


def pre_chat_answers(ctx: WidgetContext, contact: Any) -> dict[str, str]:
    """The visitor's answers to the pre-chat form, checked against what the widget asks:
    unknown keys are dropped, required ones must be there (else `Invalid` naming the field)."""
    contact = contact if isinstance(contact, dict) else {}
    answers = {}
    for name, mode in ctx.pre_chat_fields.items():
        value = contact.get(name, "")
        if not isinstance(value, str) or len(value.strip()) > PRE_CHAT_MAX.get(name, 120):
            raise Invalid(_("The input is not valid."), field=name)
        if "\x00" in value:
            raise Invalid(_("The input is not valid."), field=name)
        if mode == "required" and not value.strip():
            raise Invalid(_("Please fill in the required fields first."), field=name)
        if value.strip():
            answers[name] = value.strip()
    return answers


def _start_conversation(
    ctx: WidgetContext,
    visitor: WidgetVisitor,
    *,
    body: str,
    subject: str,
    answers: dict[str, str] | None = None,
) -> int:
    answers = answers or {}
    person = {k: answers[k] for k in ("name", "phone", "email") if k in answers}
    if visitor.customer_id is None or person:
        customer = desk_services.customer_create(ctx.scope, client_id=ctx.client_id, **person)
        visitor.customer_id = customer.pk
    conversation = desk_services.conversation_create(
        ctx.scope,
        channel="chat",
        client_id=ctx.client_id,
        customer_id=visitor.customer_id,
        subject=subject or body.strip().splitlines()[0][:60],
        queue=ctx.queue,
        order_numbers=[answers["order_number"]] if "order_number" in answers else None,
    )
    visitor.conversation_id = conversation.pk
    visitor.save(update_fields=["customer", "conversation", "last_seen_at"])
    return conversation.pk


def _throttle(key: str, limit: int, window_s: int) -> None:
    """Count hits in a fixed window in the cache (shared by every server in distributed mode)."""
    if cache.add(key, 1, timeout=window_s):
        return
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_s)
        return
    if hits > limit:
        raise RateLimited(_("Too many messages from this address; try again in a few minutes."))


@transaction.atomic
def widget_offline_message(
    ctx: WidgetContext,
    *,
    name: Any = "",
    phone: Any = "",
    email: Any = "",
    message: Any = "",
    ip_address: str = "",
    visitor_token: str | None = None,
) -> int:
    """Leave a message outside service hours: a new chat conversation (status new, tag
    `offline_form`) that agents answer when they come in. Returns its id. Refused (409) when
    the widget's settings turned the form off."""
    if not ctx.offline_form and not ctx.offline_now:
        raise Conflict(_("This chat does not take messages outside service hours."))
    fields = {"name": name, "phone": phone, "email": email}
    for field, value in fields.items():
        if not isinstance(value, str):
            raise Invalid(_("The input is not valid."), field=field)
    body = _check_body(message, "message")
    if not phone.strip() and not email.strip():
        raise Invalid(_("Leave a phone number or an email address so we can answer."), field="phone")
    _throttle(f"kefu:widget-offline:{ctx.widget_id}:{ip_address}", OFFLINE_LIMIT, OFFLINE_WINDOW_S)
    customer = desk_services.customer_create(
        ctx.scope, client_id=ctx.client_id, name=name, phone=phone, email=email
    )
    conversation = desk_services.conversation_create(
        ctx.scope,
        channel="chat",
        client_id=ctx.client_id,
        customer_id=customer.pk,
        subject=_("Offline message"),
        tags=["offline_form"],
        message=body,
        queue=ctx.queue,
    )
    visitor_id = visitor_from_token(ctx, visitor_token)
    if visitor_id is not None:
        visitor = _visitor_locked(ctx, visitor_id)
        visitor.customer_id, visitor.conversation_id = customer.pk, conversation.pk
        visitor.save(update_fields=["customer", "conversation", "last_seen_at"])
    return conversation.pk


def widget_survey_answer(
    ctx: WidgetContext,
    *,
    visitor_id: str,
    score: Any,
    comment: Any = "",
    nps: Any = None,
    answers: Any = None,
) -> None:
    """The visitor rates their own (finished) conversation; once, with the client's current chat
    survey (CSAT, NPS when it asks, further questions), or the 1–5 score alone without one."""
    visitor = selectors.visitor_row(ctx, visitor_id=visitor_id)
    if visitor is None or visitor.conversation_id is None:
        raise NotFound()
    if not isinstance(comment, str):
        raise Invalid(_("The input is not valid."), field="comment")
    if isinstance(score, str) and score.isdigit():
        score = int(score)
    if answers is not None and not isinstance(answers, dict):
        raise Invalid(_("The input is not valid."), field="answers")
    # the provider holding the conversation now (routing may have moved it: docs/routing.md)
    scope = selectors.conversation_scope(ctx, conversation_id=visitor.conversation_id)
    definition = survey_selectors.definition_for(
        scope, provider_id=scope.provider_id, client_id=ctx.client_id, channel="chat"
    )
    survey_services.survey_answer_checked(
        scope,
        conversation_id=visitor.conversation_id,
        definition=definition,
        medium="chat",
        score=score,
        nps=nps,
        answers=answers or {},
        comment=comment,
    )


def widget_survey_form(widget: WidgetConfig) -> dict[str, Any] | None:
    """The chat survey the widget shows at the end (None: the plain 1–5 stars)."""
    scope = channel_scope(widget)
    definition = survey_selectors.definition_for(
        scope, provider_id=widget.provider_id, client_id=widget.client_id, channel="chat"
    )
    if definition is None:
        return None
    return {
        "csat": definition.csat_text,
        "nps": definition.nps_text if definition.ask_nps else "",
        "questions": [q.to_json() for q in survey_selectors.questions_of(definition)],
    }
