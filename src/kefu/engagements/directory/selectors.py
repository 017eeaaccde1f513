"""Reads of the provider directory; reads never write.

A provider reads its own profile; a client that compares quotes reads listed profiles only
(the directory is public among clients by the provider's choice, so this read is deliberately
not limited to the client's partners). Unlisted profiles are nobody's but their provider's.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.engagements.directory.models import ProviderListing
from kefu.engagements.permissions import EngagementPerm


def listing_own(scope: Scope) -> ProviderListing | None:
    """The acting provider's own profile, listed or not; None before it is first saved."""
    if not scope.is_provider:
        return None
    return (
        ProviderListing.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, client__isnull=True)
        .select_related("provider")
        .first()
    )


def listing_list(scope: Scope) -> QuerySet[ProviderListing]:
    """Listed profiles, for a client choosing providers to invite; nothing for anyone else."""
    if not (scope.is_client and scope.has(EngagementPerm.QUOTE_COMPARE)):
        return ProviderListing.all_tenants.none()
    return ProviderListing.all_tenants.filter(
        listed=True, client__isnull=True, provider__is_active=True
    ).select_related("provider")


def listing_get(scope: Scope, *, provider_id: int) -> ProviderListing:
    """One listed profile by its provider (404 when unlisted, unknown, or not a client asking);
    a provider reading its own id gets its own profile."""
    own = listing_own(scope)
    if own is not None and own.provider_id == provider_id:
        return own
    row = listing_list(scope).filter(provider_id=provider_id).first()
    if row is None:
        raise NotFound()
    return row


def listed_provider_ids(scope: Scope) -> dict[int, str]:
    """Listed providers by id with their names, for the RFQ invitation's choices."""
    return {row.provider_id: row.provider.name for row in listing_list(scope)}
