"""The API's answers for requests no operation takes: an unknown path (404) or a method the
path does not offer (405). Django's URL resolver and ninja answer those with HTML or plain
text; an API client reads JSON with the documented error body, on every status.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kefu.config.api import error_body

API_PREFIX = "/api/"


class ApiFallbackErrorsMiddleware:
    """Turn a non-JSON 404/405 under `/api/` into the documented JSON error (keeping `Allow`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # an operation's own answer (e.g. an object not found)
        if response.status_code == 404:
            return _json(error_body("not_found", _("No such API route.")), status=404)
        fallback = _json(
            error_body("method_not_allowed", _("This API route does not take that method.")), 405
        )
        if response.has_header("Allow"):
            fallback["Allow"] = response["Allow"]
        return fallback


def _json(body: dict, status: int) -> HttpResponse:
    """The content type ninja's answers carry, so a client sees one format on every status."""
    return HttpResponse(json.dumps(body), status=status, content_type="application/json; charset=utf-8")
