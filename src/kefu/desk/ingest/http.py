"""The fast HTTP entry for customers' messages: `POST /api/conversations/{id}/messages` for its
hot case, without the URL resolver and ninja's per-request models, which cost more than the
rest of the request.

The hot case is a customer's message (`direction: in`, no Idempotency-Key) from a connector
whose bearer token is cached. The same functions as the endpoint do the work
(`desk.api.inbound_of`, `ingest.inbound_post`, the response schema, the API's error
handlers), so this entry has no rule of its own. Anything else (a body that is not a JSON
object of the right fields, too large or too deep, another direction, an unknown token)
returns None before any side effect, and the full path answers it.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from ninja import NinjaAPI

from kefu.core import json_input
from kefu.core.errors import Invalid
from kefu.desk import api as desk_api
from kefu.desk.ingest.committer import inbound_post
from kefu.desk.schemas import MessageIn, MessageOut
from kefu.tenancy import auth


async def post_inbound(request: HttpRequest, conversation_id: int, *, api: NinjaAPI) -> HttpResponse | None:
    """The endpoint's answer to this post, or None when the full path must answer it."""
    if request.content_type != "application/json":
        return None
    try:  # read as the API's parser reads: what no column can hold is the full path's 422
        payload = MessageIn.model_validate(json_input.loads(request.body))
    except (ValueError, Invalid, RequestDataTooBig):  # the full path answers with its 4xx
        return None
    access = auth.cached_bearer_access(request)
    if access is None:
        return None
    inbound = desk_api.inbound_of(request, conversation_id, payload, request.headers.get("Idempotency-Key"))
    if inbound is None:
        return None
    request.auth = access  # type: ignore[attr-defined]  # as ninja's authentication sets it
    try:
        message = await inbound_post(inbound)
        response = api.create_response(request, MessageOut.from_orm(message).model_dump(), status=201)
    except Exception as exc:  # as ninja's operation does, then Django's handler
        try:
            response = api.on_exception(request, exc)
        except Exception as unhandled:
            response = await sync_to_async(response_for_exception, thread_sensitive=False)(request, unhandled)
    if response.status_code >= 400:
        await sync_to_async(log_response, thread_sensitive=False)(
            "%s: %s", response.reason_phrase, request.path, response=response, request=request
        )
    return response
