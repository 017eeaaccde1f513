"""A client's own statuses."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import Conversation, CustomStatus
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors._common import _client_visible


def custom_status_list(
    scope: Scope, *, client_id: int | None = None, active_only: bool = False
) -> QuerySet[CustomStatus]:
    """A client's own statuses (everyone serving the client sees them), in their order."""
    scope.require(DeskPerm.VIEW)
    _client_visible(scope, client_id)
    queryset = CustomStatus.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.order_by("client_id", "position", "id")


def custom_status_get(scope: Scope, *, status_id: int, for_update: bool = False) -> CustomStatus:
    return one_of(custom_status_list(scope), pk=status_id, for_update=for_update)


def custom_status_in_use(row: CustomStatus) -> bool:
    return Conversation.all_tenants.filter(client_id=row.client_id, custom_status=row).exists()
