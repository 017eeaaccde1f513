"""Who acts, in which tenant, with which permissions: computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q

from kefu.core.errors import PermissionDenied


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
