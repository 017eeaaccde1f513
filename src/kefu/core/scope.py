"""Who acts, in which tenant, with which permissions: computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import Invalid, NotFound, PermissionDenied


class OrgKind(StrEnum):
    PROVIDER = "provider"
    CLIENT = "client"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Scope:
    """The access of one actor.

    A provider actor sees its own rows and rows of the clients it serves; a client actor
    sees only its own rows and what its providers did for it. `partner_ids` holds the other
    side: the clients a provider serves, or the providers serving a client.
    """

    user_id: int | None
    organization_id: int | None
    organization_kind: OrgKind
    role: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    partner_ids: frozenset[int] = field(default_factory=frozenset)
    all_tenants: bool = False
    username: str = ""

    # --- constructors -------------------------------------------------------------------
    @classmethod
    def system(cls, *, provider_id: int, client_ids: frozenset[int], permissions: frozenset[str]) -> Scope:
        """A provider-wide scope for jobs and commands that act for nobody in particular."""
        return cls(
            user_id=None,
            organization_id=provider_id,
            organization_kind=OrgKind.PROVIDER,
            role="system",
            permissions=permissions,
            partner_ids=client_ids,
        )

    @classmethod
    def of_tenant(
        cls,
        *,
        provider_id: int | None,
        client_id: int | None,
        permissions: frozenset[str],
        role: str = "channel",
        user_id: int | None = None,
    ) -> Scope:
        """Acting for one tenant's rows with nobody signed in: a channel (mailbox, chat widget,
        PBX endpoint; `user_id` the answering agent, if known) or a job (`role="system"`).

        The row's provider limited to the row's client, so a channel never reaches the
        provider's other clients; a client's own channel (no provider) acts as the client.
        """
        by_provider = provider_id is not None
        return cls(
            user_id=user_id,
            organization_id=provider_id if by_provider else client_id,
            organization_kind=OrgKind.PROVIDER if by_provider else OrgKind.CLIENT,
            role=role,
            permissions=permissions,
            partner_ids=frozenset({client_id} - {None}) if by_provider else frozenset(),
        )

    @classmethod
    def platform(
        cls,
        *,
        user_id: int | None,
        organization_id: int | None,
        permissions: frozenset[str],
        username: str = "",
    ) -> Scope:
        """The platform operator: sees every tenant, deliberately and visibly."""
        return cls(
            user_id=user_id,
            organization_id=organization_id,
            organization_kind=OrgKind.PLATFORM,
            role="platform_admin",
            permissions=permissions,
            all_tenants=True,
            username=username,
        )

    # --- questions ----------------------------------------------------------------------
    @property
    def is_provider(self) -> bool:
        return self.organization_kind == OrgKind.PROVIDER

    @property
    def is_client(self) -> bool:
        return self.organization_kind == OrgKind.CLIENT

    @property
    def provider_id(self) -> int | None:
        return self.organization_id if self.is_provider else None

    @property
    def client_id(self) -> int | None:
        return self.organization_id if self.is_client else None

    @property
    def client_ids(self) -> frozenset[int]:
        """Clients whose data this actor may see."""
        if self.is_client and self.organization_id is not None:
            return frozenset({self.organization_id})
        return self.partner_ids if self.is_provider else frozenset()

    @property
    def provider_ids(self) -> frozenset[int]:
        if self.is_provider and self.organization_id is not None:
            return frozenset({self.organization_id})
        return self.partner_ids if self.is_client else frozenset()

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDenied()

    @cached_property
    def sight(self) -> tuple[bool, int | None, OrgKind, frozenset[int]]:
        """What `sees` reads of the scope, and nothing else: two scopes with the same sight see
        the same rows (the workspace sockets of one process judge a hint once per sight)."""
        return (self.all_tenants, self.organization_id, self.organization_kind, self.partner_ids)

    def sees(self, provider_id: int | None, client_id: int | None) -> bool:
        """`tenant_q` for one row already in memory (the same rule, tested to agree)."""
        if self.all_tenants:
            return True
        own = self.organization_id
        if own is None:
            return False
        if self.is_provider:
            if provider_id == own:
                return client_id is None or client_id in self.partner_ids
            return provider_id is None and client_id in self.partner_ids
        if self.is_client:
            return client_id == own and (provider_id is None or provider_id in self.partner_ids)
        return False

    def tenant_q(self, provider_field: str = "provider_id", client_field: str = "client_id") -> Q:
        """The row filter for tenant-owned tables; fails closed (an empty scope sees nothing)."""
        if self.all_tenants:
            return Q()
        own = self.organization_id
        if own is None:
            return Q(pk__in=[])
        partners = list(self.partner_ids)
        if self.is_provider:
            return (
                Q(**{provider_field: own, f"{client_field}__isnull": True})
                | Q(**{provider_field: own, f"{client_field}__in": partners})
                | Q(**{f"{provider_field}__isnull": True, f"{client_field}__in": partners})
            )
        if self.is_client:
            return Q(**{client_field: own, f"{provider_field}__isnull": True}) | Q(
                **{client_field: own, f"{provider_field}__in": partners}
            )
        return Q(pk__in=[])


class TenantKeys(NamedTuple):
    provider_id: int | None
    client_id: int


def new_row_keys(scope: Scope, *, client_id: int | None, provider_id: int | None = None) -> TenantKeys:
    """The tenant keys of a row the actor creates for a client, from an optional client id
    (and, for a client's row that one provider serves, an optional provider id).

    One rule for every app:
    - a client the scope does not see (another tenant's, or a made-up id) is `NotFound`, the
      same 404 as reading it, so ids never leak; likewise a provider id;
    - no client, when a provider serves several (or none), is `Invalid` (422): the actor must
      choose; a provider serving exactly one client gets that one;
    - a provider writes as itself; a client writes as itself, shared with all its providers
      unless it names one of them;
    - any other kind of organisation (the platform) may not create tenant rows here.
    """
    if scope.is_client:
        if client_id not in (None, scope.organization_id):
            raise NotFound(_("Unknown client."), field="client_id")
        if provider_id is not None and provider_id not in scope.provider_ids:
            raise NotFound(_("Unknown provider."), field="provider_id")
        return TenantKeys(provider_id, scope.organization_id)  # type: ignore[arg-type]
    if not scope.is_provider:
        raise PermissionDenied()
    if provider_id not in (None, scope.organization_id):
        raise NotFound(_("Unknown provider."), field="provider_id")
    if client_id is None:
        if len(scope.client_ids) != 1:
            raise Invalid(_("Choose the client this is for."), field="client_id")
        (client_id,) = scope.client_ids
    elif client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    return TenantKeys(scope.organization_id, client_id)
