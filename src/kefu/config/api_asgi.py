"""The HTTP path for API calls that carry a bearer token: Django without the browser's middleware.

A connector posting messages has no session, no CSRF token, no two-factor cookie and no
flash messages; running the page middleware for it cost more than the work itself. Requests
to `/api/` with `Authorization: Bearer …` go to this handler, which keeps only what applies
to them (the security headers and the language of error messages) and runs it natively
async, so async endpoints (message ingest) never hop to a thread for middleware.
Everything else, the browser calling the API with its session included, takes the full stack.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kefu.config.api import api
from kefu.config.request_threads import KeptThreadsMixin
from kefu.core import lean
from kefu.desk.ingest import http as ingest_http

API_PREFIX = "/api/"
API_MIDDLEWARE = ["kefu.config.api_asgi.ApiMiddleware"]


class ApiMiddleware:
    """Security headers and the request's language, without a thread hop per request."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = _security.process_request(request)
        if redirect is not None:
            return _security.process_response(request, redirect)
        refused = _refused_host(request)
        if refused is not None:
            return _finish(request, refused)
        _activate_language(request)
        request.access = None  # type: ignore[attr-defined]  # set by the bearer token auth
        return _finish(request, await self.get_response(request))


def _never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only SecurityMiddleware's hooks are used")


_security = SecurityMiddleware(_never_called)  # its hooks are plain functions


def _activate_language(request: HttpRequest) -> None:
    translation.activate(translation.get_language_from_request(request))
    request.LANGUAGE_CODE = translation.get_language()


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("Accept-Language",))
    response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
    if not response.streaming and "Content-Length" not in response:  # as CommonMiddleware does
        response.headers["Content-Length"] = str(len(response.content))
    return _security.process_response(request, response)


async def _post_inbound_directly(request: HttpRequest, conversation_id: int) -> HttpResponse | None:
    """The desk's fast entry for customers' messages (`kefu.desk.ingest.http`), inside this
    handler's middleware: the HTTPS redirect, the host check and the language come first."""
    if _security.process_request(request) is not None:
        return None
    refused = _refused_host(request)
    if refused is not None:
        return _finish(request, refused)
    _activate_language(request)
    response = await ingest_http.post_inbound(request, conversation_id, api=api)
    return None if response is None else _finish(request, response)


def _refused_host(request: HttpRequest) -> HttpResponse | None:
    """A Host header outside KEFU_ALLOWED_HOSTS gets the API's 400, as every page does."""
    try:
        request.get_host()
    except DisallowedHost:
        _activate_language(request)
        return api.create_response(
            request,
            {"error": {"code": "invalid", "message": _("This host name is not served here.")}},
            status=400,
        )
    return None


INGEST_PATH = re.compile(r"^/api/conversations/(\d+)/messages$")


class ApiASGIHandler(KeptThreadsMixin, ASGIHandler):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        ingest_path = INGEST_PATH.match(scope.get("path", "")) if scope.get("method") == "POST" else None
        if ingest_path is not None:
            await self._handle_ingest(scope, receive, send, conversation_id=int(ingest_path[1]))
            return
        await super().__call__(scope, receive, send)  # on a kept thread (`request_threads`)

    async def _handle_ingest(
        self, scope: dict[str, Any], receive: Any, send: Any, *, conversation_id: int
    ) -> None:
        """Django's `handle`, minus what message ingest does not use.

        The ingest endpoint runs no sync code of its own (the batch writer has its own
        thread and connection), so Django's per-request thread, the request signals (which
        tidy that thread's database connection) and the disconnect watcher cost more than
        the rest of the request. The few sync calls it can make tidy their connection
        themselves (`kefu.core.lean`).
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        marker = lean.in_lean_request.set(True)
        try:
            set_script_prefix(get_script_prefix(scope))
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                response = error_response
            else:
                response = await _post_inbound_directly(request, conversation_id)
                if response is None:
                    response = await self.run_get_response(request)
            await self.send_response(response, send)
        finally:
            lean.in_lean_request.reset(marker)
            body_file.close()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django reads the list from settings; swap it only while this handler is built
        # (at import, before any request is served).
        configured = settings.MIDDLEWARE
        settings.MIDDLEWARE = API_MIDDLEWARE
        try:
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = configured


def is_bearer_api_call(scope: dict[str, Any]) -> bool:
    if scope.get("type") != "http" or not scope.get("path", "").startswith(API_PREFIX):
        return False
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return value[:7].lower() == b"bearer "
    return False
