"""Maps service errors to pages once for every view: 404/403/409/422 with the message."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.core.errors import Conflict, Invalid, KefuError, NotFound, PermissionDenied

STATUS_BY_ERROR: dict[type[KefuError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    Invalid: 422,
}


def status_for(error: KefuError) -> int:
    for error_type, status in STATUS_BY_ERROR.items():
        if isinstance(error, error_type):
            return status
    return 400


class KefuErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, KefuError) or request.path.startswith("/api/"):
            return None
        status = status_for(exception)
        return render(
            request, "web/error.html", {"status": status, "message": exception.message}, status=status
        )
