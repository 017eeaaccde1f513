"""The stored answer of an API write under an `Idempotency-Key`."""

from __future__ import annotations

from kefu.core.scope import Scope
from kefu.desk.models import IdempotencyKey


def idempotency_key_get(scope: Scope, *, key: str, for_update: bool = False) -> IdempotencyKey | None:
    queryset = IdempotencyKey.objects.for_scope(scope).filter(organization_id=scope.organization_id, key=key)
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()
