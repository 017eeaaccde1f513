"""What the desk's selectors share: the page limit, and the rule that another client's id is a 404."""

from __future__ import annotations

from kefu.core.errors import NotFound
from kefu.core.scope import Scope

MAX_PAGE = 500


def _client_visible(scope: Scope, client_id: int | None) -> None:
    if client_id is not None and client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()
