"""`Idempotency-Key` of API writes: a retry gets the stored answer instead of a second write."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import IdempotencyKey

_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def request_fingerprint(method: str, path: str, payload: object) -> str:
    """What makes two requests "the same": method, path and the parsed body."""
    text = json.dumps([method.upper(), path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def idempotency_key_use(
    scope: Scope, *, key: str, request_hash: str, status: int, produce: Callable[[], Any]
) -> tuple[int, Any]:
    """Run a write once per key: a retry with the same body gets the stored answer again,
    the same key with another body is a conflict. The key row is inserted before the
    write, so a concurrent retry waits on the unique index instead of writing twice; a
    write that fails rolls the key back with it, so the client may retry.
    """
    if not _KEY.fullmatch(key):
        raise Invalid(_("An Idempotency-Key is 1 to 200 visible ASCII characters."), field="Idempotency-Key")
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                provider_id=scope.provider_id,
                client_id=scope.client_id,
                organization_id=scope.organization_id,
                key=key,
                request_hash=request_hash,
            )
    except IntegrityError:
        stored = selectors.idempotency_key_get(scope, key=key, for_update=True)
        if stored is None:  # pragma: no cover (another organisation cannot collide)
            raise Conflict() from None
        if stored.request_hash != request_hash:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."), field="Idempotency-Key"
            ) from None
        if not stored.response_status:
            raise Conflict(_("A request with this Idempotency-Key is still in progress.")) from None
        return stored.response_status, stored.response_body
    body = produce()
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])
    return status, body
