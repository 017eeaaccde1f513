"""How API calls authenticate: a bearer token, or the browser's session (CSRF-checked)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from kefu.core.lean import tidy_connections
from kefu.core.scope import Scope
from kefu.tenancy import services as tenancy_services


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer kefu_…`: acts for the organisation the token was issued for."""

    def authenticate(self, request: HttpRequest, token: str) -> Scope | None:
        return _attach(request, tenancy_services.api_token_scope(token))


class AsyncBearerTokenAuth(BearerTokenAuth):
    """The same for async endpoints: a cached token costs no thread hop, a new one does."""

    is_async = True

    async def __call__(self, request: HttpRequest) -> Scope | None:  # type: ignore[override]
        cached = cached_bearer_access(request)
        if cached is not None:
            return cached
        token = _bearer_token(request)
        if token is None:
            return None
        resolved = await sync_to_async(tidy_connections(tenancy_services.api_token_scope))(token)
        return _attach(request, resolved)


def cached_bearer_access(request: HttpRequest) -> Scope | None:
    """The bearer token's scope when it is cached (then attached as the auth classes do), else
    None: the caller takes the full path, which looks the token up."""
    token = _bearer_token(request)
    if token is None:
        return None
    resolved = tenancy_services.api_token_scope_cached(token)
    if resolved is tenancy_services.NOT_CACHED:
        return None
    return _attach(request, resolved)


def _attach(request: HttpRequest, resolved: Any) -> Scope | None:
    if resolved is None:
        return None
    user, scope = resolved
    request.user = user
    request.access = scope  # type: ignore[attr-defined]
    return scope


class SessionAccessAuth(APIKeyCookie):
    """The browser's session, for pages that call the API; CSRF-checked on writes."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Scope | None:
        return getattr(request, "access", None)


API_AUTH = [BearerTokenAuth(), SessionAccessAuth()]
ASYNC_API_AUTH = [AsyncBearerTokenAuth(), SessionAccessAuth()]
