"""Maps service errors to pages once for every view: 404/403/409/422 with the message.

The status of each error is `kefu.core.errors.status_for` (the toolkit); apps import it from there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.core.errors import KefuError, status_for


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
