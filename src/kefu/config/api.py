"""The one NinjaAPI: token or session auth, and one error body shape for every failure."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kefu.core.errors import KefuError, status_for
from kefu.tenancy.auth import API_AUTH

api = NinjaAPI(
    title="Kefu API",
    version="1",
    description="Outsourced customer service operations. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `kefu token create --user NAME` or on the account page).",
    auth=API_AUTH,
    urls_namespace="api",
)


def error_body(code: str, message: str, *, field: str | None = None, details: object = None) -> dict:
    error: dict[str, object] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if details is not None:
        error["details"] = details
    return {"error": error}


@api.exception_handler(KefuError)
def on_kefu_error(request: HttpRequest, exc: KefuError) -> HttpResponse:
    return api.create_response(
        request, error_body(exc.code, str(exc.message), field=exc.field), status=status_for(exc)
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, error_body("invalid", "The input is not valid.", details=exc.errors), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, error_body("unauthenticated", "Sign in or send a valid bearer token."), status=401
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


api.add_router("/", "kefu.tenancy.api.router")
api.add_router("/", "kefu.desk.api.router")
api.add_router("/workforce/", "kefu.workforce.api.router")
api.add_router("/", "kefu.knowledge.api.router")
api.add_router("/workforce/", "kefu.workforce.rostering.api.router")
api.add_router("/", "kefu.connectors.api.router")
