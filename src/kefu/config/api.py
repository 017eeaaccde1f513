"""The one NinjaAPI: token or session auth, and one error body shape for every failure.

Every 4xx is `{"error": {"code", "message", "field"?, "details"?}}` with a documented code
(`ERROR_CODES`), and the OpenAPI document says so on every operation, so generated clients
can read errors. Input that cannot be stored and read back (unpaired surrogates, NUL, NaN,
integers beyond 64 bits) is refused at the edge, here, for every route at once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from kefu.core import json_input
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound, PermissionDenied, status_for
from kefu.tenancy.auth import API_AUTH

# The codes README's API section documents; every error the API answers carries one of them.
ERROR_CODES = (
    "not_found", "permission_denied", "conflict", "invalid", "unauthenticated", "too_large",
    "method_not_allowed", "metric_unavailable",
)  # fmt: skip
CODE_BY_STATUS = {
    400: "invalid",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid",
}
BIGINT_MAX = json_input.BIGINT_MAX


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


class Error(Schema):
    """The body of every 4xx answer."""

    error: ErrorDetail


class StrictJsonParser(Parser):
    """JSON and query strings as ninja reads them, less what the database cannot store or give
    back (`core.json_input`): NaN and infinities, integers beyond 64 bits, unpaired surrogates,
    page numbers no list reaches. Nesting deeper than Python's recursion limit is a parse error
    (400) instead of a crash."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json_input.loads(request.body)

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        for key, value in result.items():
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, str):
                    continue
                json_input.check_text(item, key)
                if _beyond_64_bits(item) or (key == "page" and _beyond(item, PAGE_MAX)):
                    raise Invalid(_("A number is out of range."), field=key)
        return result


PAGE_MAX = 10**9  # so that the page's offset still fits the database's 64-bit integers


class KefuNinjaAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)


ERROR_DESCRIPTIONS = {
    400: "The body is not JSON the API can read (code `invalid`).",
    401: "No valid bearer token or session (code `unauthenticated`).",
    403: "The role may not do this (code `permission_denied`).",
    404: "No such object, or not one the caller may see (code `not_found`).",
    409: "Conflicts with the current state (code `conflict`).",
    413: "The request body is too large (code `too_large`).",
    422: "The input is not valid (code `invalid`; `field` names the field when one is at fault), or a "
    "metric cannot be computed yet (code `metric_unavailable`).",
}


def document_errors(schema: OpenAPISchema) -> OpenAPISchema:
    """Declare the error answers every operation can give, all with the `Error` body."""
    schemas = schema["components"]["schemas"]
    schemas["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    for detail in Error.model_json_schema().get("$defs", {}).values():
        schemas.setdefault(detail["title"], detail)
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            statuses = [403, 404, 422]
            if operation.get("security"):
                statuses.append(401)
            if "requestBody" in operation:
                statuses += [400, 413]
            if method in ("post", "put", "patch", "delete"):
                statuses.append(409)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status], "content": content})
    return schema


api = KefuNinjaAPI(
    title="Kefu API",
    version="1",
    description="Outsourced customer service operations. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `kefu token create --user NAME` or on the account page).",
    auth=API_AUTH,
    urls_namespace="api",
    parser=StrictJsonParser(),
)


def error_body(code: str, message: str, *, field: str | None = None, details: object = None) -> dict:
    error: dict[str, object] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if details is not None:
        error["details"] = details
    return {"error": error}


def documented_code(exc: KefuError) -> str:
    """Apps may name finer codes (`bad_json`, `rate_limited`) for their own endpoints; the API
    answers the documented family they belong to."""
    if exc.code in ERROR_CODES:
        return exc.code
    for family, code in (
        (NotFound, "not_found"),
        (PermissionDenied, "permission_denied"),
        (Conflict, "conflict"),
    ):
        if isinstance(exc, family):
            return code
    return "invalid"


@api.exception_handler(KefuError)
def on_kefu_error(request: HttpRequest, exc: KefuError) -> HttpResponse:
    return api.create_response(
        request,
        error_body(
            documented_code(exc), str(exc.message), field=exc.field, details=getattr(exc, "details", None)
        ),
        status=status_for(exc),
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, error_body("invalid", "The input is not valid.", details=exc.errors), status=422
    )


@api.exception_handler(ModelValidationError)
def on_model_validation_error(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
    """A model's own validation (`full_clean`: a username's characters, say) refused the input."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.message_dict.items()))
        message = " ".join(errors)
    else:
        field, message = None, " ".join(exc.messages)
    if field == "__all__":
        field = None
    return api.create_response(request, error_body("invalid", message, field=field), status=422)


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
    if isinstance(exc.__cause__, KefuError):  # raised by the parser, wrapped by ninja
        return on_kefu_error(request, exc.__cause__)
    code = CODE_BY_STATUS.get(exc.status_code, "invalid")
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request, error_body("too_large", _("The request body is too large.")), status=413
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, error_body("invalid", _("The request is malformed.")), status=400)


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: Exception) -> HttpResponse:
    """An integer beyond 64 bits reached the database (SQLite raises OverflowError, PostgreSQL
    "out of range"): no row has such an id, so an id in the path is not found; elsewhere
    (a page, a body field) the input is invalid."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    if any(_beyond_64_bits(value) for value in kwargs.values()):
        return on_not_found(request, Http404())
    return api.create_response(request, error_body("invalid", _("A number is out of range.")), status=422)


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The database refused a value (out of range, too long, NUL in text on PostgreSQL): the
    input's fault, never a 500. Schemas and services should refuse it first, with a clearer
    message; this is the net under them."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    if any(_beyond_64_bits(value) for value in kwargs.values()):
        return on_not_found(request, Http404())
    message = _(
        "A value cannot be stored: it is out of range, too long or has characters that are not allowed."
    )
    return api.create_response(request, error_body("invalid", message), status=422)


def _beyond_64_bits(value: object) -> bool:
    return _beyond(value, BIGINT_MAX)


def _beyond(value: object, limit: int) -> bool:
    text = str(value).strip().lstrip("+-")
    return text.isascii() and text.isdigit() and int(text) > limit  # "¹".isdigit() is True


api.add_router("/", "kefu.tenancy.api.router")
api.add_router("/", "kefu.desk.api.router")
api.add_router("/workforce/", "kefu.workforce.api.router")
api.add_router("/", "kefu.knowledge.api.router")
api.add_router("/workforce/", "kefu.workforce.rostering.api.router")
api.add_router("/", "kefu.connectors.api.router")
api.add_router("/", "kefu.analytics.api.router")
api.add_router("/", "kefu.routing.api.router")
api.add_router("/", "kefu.analytics.chain_api.router")
api.add_router("/", "kefu.quality.autoqa_api.router")
api.add_router("/", "kefu.reports.api.router")
api.add_router("/", "kefu.analytics.dashboard_api.router")
api.add_router("/", "kefu.quality.reviews.api.router")
api.add_router("/", "kefu.quality.complaints.api.router")
api.add_router("/", "kefu.quality.surveys.api.router")
api.add_router("/", "kefu.quality.calibration.api.router")
api.add_router("/", "kefu.quality.coaching.api.router")
api.add_router("/", "kefu.floor.api.router")
api.add_router("/", "kefu.engagements.contracts.api.router")
api.add_router("/", "kefu.engagements.onboarding.api.router")
api.add_router("/", "kefu.engagements.quoting.api.router")
api.add_router("/", "kefu.engagements.directory.api.router")
api.add_router("/", "kefu.engagements.reviews.api.router")
api.add_router("/", "kefu.engagements.billing.api.router")
api.add_router("/", "kefu.engagements.billing.statement_api.router")
