"""Public HTTP endpoints of the web chat widget: the script and the offline form.

Both are for pages on the client's own site, so there is no session: the widget key
names the widget, the `Origin` header is checked against its allowed sites, and CORS
headers let exactly those sites read the answers.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from kefu.connectors import cti, selectors, services, signatures
from kefu.connectors.permissions import ConnectorPerm
from kefu.core.errors import KefuError
from kefu.web.decorators import access_required
from kefu.web.errors import status_for

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
def widget_list_page(request: HttpRequest) -> HttpResponse:
    """Staff see their widgets, the tag to embed, and a sample shop page to try each one."""
    widgets = selectors.widget_list(request.access)
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "connectors/widget_list.html", {"widgets": widgets, "base": base})


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
