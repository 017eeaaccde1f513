"""Pages and machine endpoints of the channel adapters.

The widget's script and offline form are for pages on the client's own site, so there is
no session: the widget key names the widget, the `Origin` header is checked against its
allowed sites, and CORS headers let exactly those sites read the answers. The CTI events
and the inbound email are posted by machines, authorised by a signature or a key. The
channel settings pages (`/connectors/`) let admins run a client's channels.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kefu.connectors import cti, email, forms, selectors, services, signatures, webhooks
from kefu.connectors.permissions import ConnectorPerm
from kefu.core.errors import KefuError, PermissionDenied, status_for
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.tenancy import selectors as tenancy_selectors

WIDGET_SOURCE = Path(__file__).parent / "static" / "connectors" / "widget.js"
MAX_OFFLINE_BODY = 64_000  # a 5,000-character message JSON-escaped, with room


@cache
def _widget_source() -> str:
    return WIDGET_SOURCE.read_text(encoding="utf-8")


@require_GET
def widget_js(request: HttpRequest, widget_key: str) -> HttpResponse:
    """The embeddable script, configured for one widget (`<script src=…/widget/<key>.js>`)."""
    widget = selectors.widget_by_key(widget_key)
    if widget is None:
        return HttpResponse(
            "/* Kefu: unknown chat widget */\n", status=404, content_type="application/javascript"
        )
    base = request.build_absolute_uri("/").rstrip("/")
    config = {
        "key": widget.widget_key,
        "base": base,
        "ws": "ws" + base[4:] if base.startswith("http") else base,
        "greeting": widget.greeting,
        "survey": widget.satisfaction_prompt,
        "surveyForm": services.widget_survey_form(widget) if widget.satisfaction_prompt else None,
        "color": widget.color,
        "prechat": [[name, mode == "required"] for name, mode in (widget.pre_chat_fields or {}).items()],
        "offline": widget.offline_form,
    }
    call = f"window.KefuWidget && window.KefuWidget({json.dumps(config, ensure_ascii=False)});"
    body = f"{_widget_source()}\n;{call}\n"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _error(code: str, message: object, status: int, field: str | None = None) -> JsonResponse:
    error: dict[str, object] = {"code": code, "message": str(message)}
    if field:
        error["field"] = field
    return JsonResponse({"error": error}, status=status)


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


@csrf_exempt  # no cookies are used; the Origin check below is the cross-site guard
def widget_offline(request: HttpRequest, widget_key: str) -> HttpResponse:
    """`POST /widget/<key>/offline` with JSON {name, phone, email, message, visitor?}."""
    origin = request.headers.get("Origin")
    try:
        ctx = services.widget_open(widget_key, origin=origin)
    except KefuError as exc:
        return _error(exc.code, exc.message, status_for(exc))
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    if request.method != "POST":
        return _cors(_error("method_not_allowed", _("Use POST."), 405), origin)
    if len(request.body) > MAX_OFFLINE_BODY:
        return _cors(_error("too_long", _("The message is too long."), 413), origin)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _cors(_error("bad_json", _("Send a JSON object."), 400), origin)
    try:
        services.widget_offline_message(
            ctx,
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            message=data.get("message", ""),
            ip_address=request.META.get("REMOTE_ADDR", ""),
            visitor_token=data.get("visitor") if isinstance(data.get("visitor"), str) else None,
        )
    except services.RateLimited as exc:
        return _cors(_error(exc.code, exc.message, 429), origin)
    except KefuError as exc:
        return _cors(_error(exc.code, exc.message, status_for(exc), exc.field), origin)
    return _cors(JsonResponse({"ok": True}, status=201), origin)


@access_required(ConnectorPerm.VIEW)
def widget_try(request: HttpRequest, widget_id: int) -> HttpResponse:
    """A sample shop page embedding the widget, as a customer would meet it."""
    widget = selectors.widget_get(request.access, widget_id=widget_id)
    return render(request, "connectors/widget_try.html", {"widget": widget})


# --- phone (CTI) -----------------------------------------------------------------------------
@csrf_exempt  # machine to machine: the HMAC signature authenticates, no cookies are involved
def cti_events(request: HttpRequest, endpoint_key: str) -> HttpResponse:
    """`POST /connectors/cti/<endpoint_key>/events`: one signed call event (docs/cti.md)."""
    if request.method != "POST":
        return _error("method_not_allowed", _("Use POST."), 405)
    try:
        result = cti.cti_event_receive(
            endpoint_key, raw_body=request.body, signature=request.headers.get(signatures.HEADER)
        )
    except signatures.BadSignature as exc:
        return _error(exc.code, exc.message, 401)
    except KefuError as exc:
        return _error(exc.code, exc.message, status_for(exc), exc.field)
    return JsonResponse(result, status=200 if result["duplicate"] else 201)


# --- email -----------------------------------------------------------------------------------
INBOUND_TYPES = ("message/rfc822", "application/octet-stream")


@csrf_exempt  # machine to machine: the secret key in the URL authorises, no cookies are involved
def email_inbound(request: HttpRequest, key: str) -> HttpResponse:
    """`POST /connectors/email/<key>/inbound` with one raw RFC 822 message (docs/email.md)."""
    if request.method != "POST":
        return _error("method_not_allowed", _("Use POST."), 405)
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > email.MAX_RAW_BYTES:
        return _error(email.TooLarge.code, _("The email is larger than %(limit)d MB.") % {"limit": 10}, 413)
    raw = request.read(email.MAX_RAW_BYTES + 1)  # not request.body: mail may exceed the form upload limit
    if raw and (request.content_type or "") not in INBOUND_TYPES:
        return _error(
            "unsupported_media_type",
            _("Send the raw email as message/rfc822 or application/octet-stream."),
            415,
        )
    try:
        received = email.email_inbound(key, raw)
    except email.TooLarge as exc:
        return _error(exc.code, exc.message, 413)
    except email.Unreadable as exc:
        return _error(exc.code, exc.message, 400)
    except KefuError as exc:
        return _error(exc.code, exc.message, status_for(exc), exc.field)
    return JsonResponse(
        {"ok": True, "duplicate": received.duplicate, "conversation_id": received.conversation_id}, status=202
    )


# --- channel settings ------------------------------------------------------------------------
def _base(request: HttpRequest) -> str:
    return (getattr(settings, "KEFU_BASE_URL", "") or request.build_absolute_uri("/")).rstrip("/")


def inbound_url(request: HttpRequest, key: str) -> str:
    return _base(request) + reverse("email_inbound", kwargs={"key": key})


@access_required(ConnectorPerm.VIEW)
def channel_settings(request: HttpRequest) -> HttpResponse:
    """Every channel the acting organisation runs for its clients, with links to set them up."""
    scope = request.access
    context = {
        "widgets": selectors.widget_list(scope).select_related("client"),
        "mailboxes": selectors.mailbox_list(scope),
        "cti_endpoints": selectors.cti_endpoint_list(scope),
        "webhooks": selectors.webhook_list(scope) if scope.has(ConnectorPerm.MANAGE) else None,
        "can_manage": scope.has(ConnectorPerm.MANAGE),
        "can_manage_mailboxes": scope.has(ConnectorPerm.MANAGE_MAILBOXES),
        "base": _base(request),
    }
    return render(request, "connectors/channels.html", context)


def _need(request: HttpRequest, permission: str) -> None:
    if not request.access.has(permission):
        raise PermissionDenied()


@access_required(ConnectorPerm.VIEW)
def mailbox_new(request: HttpRequest) -> HttpResponse:
    _need(request, ConnectorPerm.MANAGE_MAILBOXES)
    form = forms.MailboxForm(request.POST or None, clients=tenancy_selectors.client_choices(request.access))
    if request.method == "POST" and form.is_valid():
        try:
            mailbox, key = email.mailbox_create(
                request.access, client_id=form.cleaned_data["client"], **form.settings(keep_passwords=False)
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Mailbox created. Inbound webhook URL (shown only now): %(url)s")
                % {"url": inbound_url(request, key)},
            )
            return redirect("mailbox_edit", mailbox_id=mailbox.pk)
    return render(request, "connectors/mailbox_edit.html", {"form": form}, status=422 if form.errors else 200)


@access_required(ConnectorPerm.VIEW)
def mailbox_edit(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Settings, the polling state and its last error, and the latest mail in and out."""
    scope = request.access
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id)
    initial = {name: getattr(mailbox, name) for name in email.MAILBOX_SETTINGS if "password" not in name}
    form = forms.MailboxForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _need(request, ConnectorPerm.MANAGE_MAILBOXES)
        if request.POST.get("delete"):
            email.mailbox_delete(scope, mailbox_id=mailbox.pk)
            messages.success(request, _("Mailbox deleted."))
            return redirect("channel_settings")
        if form.is_valid():
            try:
                email.mailbox_update(scope, mailbox_id=mailbox.pk, **form.settings(keep_passwords=True))
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Mailbox saved."))
                return redirect("mailbox_edit", mailbox_id=mailbox.pk)
    context = {
        "form": form,
        "mailbox": mailbox,
        "can_manage": scope.has(ConnectorPerm.MANAGE_MAILBOXES),
        "received": selectors.inbound_list(scope, mailbox_id=mailbox.pk),
        "sent": selectors.outgoing_list(scope, mailbox_id=mailbox.pk),
        "inbound_example": f"{_base(request)}/connectors/email/{mailbox.inbound_key_hint}…/inbound",
    }
    return render(request, "connectors/mailbox_edit.html", context, status=422 if form.errors else 200)


@require_POST
@access_required(ConnectorPerm.VIEW)
def mailbox_rotate_key(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    _mailbox, key = email.mailbox_rotate_key(request.access, mailbox_id=mailbox_id)
    messages.success(
        request,
        _("New inbound webhook URL (shown only now; the old one no longer works): %(url)s")
        % {"url": inbound_url(request, key)},
    )
    return redirect("mailbox_edit", mailbox_id=mailbox_id)


@require_POST
@access_required(ConnectorPerm.VIEW)
def mailbox_check(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """The "test connection" button: IMAP login and SMTP greeting, reported on the page."""
    check = email.mailbox_test(request.access, mailbox_id=mailbox_id)
    for ok, label, text in (
        (check.imap_ok, "IMAP", check.imap_message),
        (check.smtp_ok, "SMTP", check.smtp_message),
    ):
        level = messages.INFO if ok is None else messages.SUCCESS if ok else messages.ERROR
        messages.add_message(request, level, f"{label}: {text}")
    return redirect("mailbox_edit", mailbox_id=mailbox_id)


# --- phone (CTI) endpoints -------------------------------------------------------------------
def _cti_url(request: HttpRequest, endpoint_key: str) -> str:
    return _base(request) + reverse("cti_events", kwargs={"endpoint_key": endpoint_key})


@access_required(ConnectorPerm.VIEW)
def cti_new(request: HttpRequest) -> HttpResponse:
    _need(request, ConnectorPerm.MANAGE)
    form = forms.CtiForm(request.POST or None, clients=tenancy_selectors.client_choices(request.access))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = cti.cti_endpoint_create(
                request.access, client_id=data["client"], name=data["name"], agent_map=data["agents"]
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Phone endpoint created. URL: %(url)s Secret (shown only now): %(secret)s")
                % {"url": _cti_url(request, endpoint.endpoint_key), "secret": secret},
            )
            return redirect("cti_edit", endpoint_id=endpoint.pk)
    return render(request, "connectors/cti_edit.html", {"form": form}, status=422 if form.errors else 200)


@access_required(ConnectorPerm.VIEW)
def cti_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    scope = request.access
    endpoint = selectors.cti_endpoint_get(scope, endpoint_id=endpoint_id)
    initial = {
        "name": endpoint.name,
        "enabled": endpoint.enabled,
        "agents": forms.agent_map_text(endpoint.agent_map),
    }
    form = forms.CtiForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _need(request, ConnectorPerm.MANAGE)
        if request.POST.get("delete"):
            cti.cti_endpoint_delete(scope, endpoint_id=endpoint.pk)
            messages.success(request, _("Phone endpoint deleted."))
            return redirect("channel_settings")
        if form.is_valid():
            data = form.cleaned_data
            try:
                cti.cti_endpoint_update(
                    scope,
                    endpoint_id=endpoint.pk,
                    name=data["name"],
                    enabled=data["enabled"],
                    agent_map=data["agents"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Phone endpoint saved."))
                return redirect("cti_edit", endpoint_id=endpoint.pk)
    context = {
        "form": form,
        "endpoint": endpoint,
        "url": _cti_url(request, endpoint.endpoint_key),
        "can_manage": scope.has(ConnectorPerm.MANAGE),
    }
    return render(request, "connectors/cti_edit.html", context, status=422 if form.errors else 200)


@require_POST
@access_required(ConnectorPerm.VIEW)
def cti_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    _endpoint, secret = cti.cti_endpoint_rotate_secret(request.access, endpoint_id=endpoint_id)
    messages.success(request, _("New signing secret (shown only now): %(secret)s") % {"secret": secret})
    return redirect("cti_edit", endpoint_id=endpoint_id)


# --- outbound webhooks -----------------------------------------------------------------------
@access_required(ConnectorPerm.MANAGE)
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = forms.WebhookForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_create(request.access, **form.cleaned_data)
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Webhook created. Secret (shown only now): %(secret)s") % {"secret": secret}
            )
            return redirect("webhook_edit", webhook_id=endpoint.pk)
    return render(request, "connectors/webhook_edit.html", {"form": form}, status=422 if form.errors else 200)


@access_required(ConnectorPerm.MANAGE)
def webhook_edit(request: HttpRequest, webhook_id: int) -> HttpResponse:
    scope = request.access
    endpoint = selectors.webhook_get(scope, webhook_id=webhook_id)
    initial = {
        "url": endpoint.url,
        "event_types": " ".join(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
    }
    form = forms.WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            webhooks.webhook_delete(scope, webhook_id=endpoint.pk)
            messages.success(request, _("Webhook deleted."))
            return redirect("channel_settings")
        if form.is_valid():
            try:
                webhooks.webhook_update(scope, webhook_id=endpoint.pk, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("webhook_edit", webhook_id=endpoint.pk)
    context = {
        "form": form,
        "endpoint": endpoint,
        "deliveries": selectors.delivery_list(scope, webhook_id=endpoint.pk)[:20],
    }
    return render(request, "connectors/webhook_edit.html", context, status=422 if form.errors else 200)


@require_POST
@access_required(ConnectorPerm.MANAGE)
def webhook_rotate_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    _endpoint, secret = webhooks.webhook_rotate_secret(request.access, webhook_id=webhook_id)
    messages.success(request, _("New signing secret (shown only now): %(secret)s") % {"secret": secret})
    return redirect("webhook_edit", webhook_id=webhook_id)
