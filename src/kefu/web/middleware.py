"""Headers every signed-in page needs (the Content-Security-Policy comes from django-csp)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    """`Cache-Control: no-store` (and no-cache, private) on every answer to a signed-in person:
    customers' data must not stay in a shared computer's browser cache or a proxy after sign-out.
    Static files are answered before this middleware (WhiteNoise) and keep their caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
