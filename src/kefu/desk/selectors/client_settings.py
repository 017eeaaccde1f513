"""A client's SLA policies and desk settings (the provider's access to escalated items)."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import DeskSettings, ProviderAccess, SlaPolicy
from kefu.desk.permissions import DeskPerm


def sla_policy_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[SlaPolicy]:
    scope.require(DeskPerm.VIEW)
    queryset = SlaPolicy.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset.order_by("client_id", "channel", "id")


def sla_policy_get(scope: Scope, *, policy_id: int, for_update: bool = False) -> SlaPolicy:
    return one_of(sla_policy_list(scope), pk=policy_id, for_update=for_update)


def sla_policy_for(client_id: int, channel: str) -> SlaPolicy | None:
    """The policy that applies: the channel's own, else the client's catch-all (blank channel).

    Unscoped on purpose: timers of a conversation the caller already holds need it."""
    policies = SlaPolicy.all_tenants.filter(client_id=client_id, channel__in=[channel, ""])
    return max(policies, key=lambda p: p.channel != "", default=None)


def desk_settings_for(client_id: int) -> DeskSettings:
    """The client's desk settings, or the defaults (unsaved) when it has none."""
    row = DeskSettings.all_tenants.filter(client_id=client_id).first()
    return (
        row if row is not None else DeskSettings(client_id=client_id, provider_access_when_escalated="view")
    )


def desk_settings_get(scope: Scope, *, client_id: int) -> DeskSettings:
    scope.require(DeskPerm.VIEW)
    if client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()
    return desk_settings_for(client_id)


def provider_access_default(client_id: int) -> str:
    return desk_settings_for(client_id).provider_access_when_escalated or ProviderAccess.VIEW
