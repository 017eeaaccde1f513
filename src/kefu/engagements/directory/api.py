"""The provider directory over the JSON API: a provider admin's own profile, and the listed
profiles a client may invite to its requests for quotes (docs/engagements-quotes.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kefu.core.errors import NotFound
from kefu.engagements.directory import selectors, services
from kefu.engagements.directory.schemas import DirectoryListingIn, DirectoryListingOut

router = Router(tags=["provider directory"])


@router.get("/provider-directory", response=list[DirectoryListingOut])
def list_listings(request: HttpRequest) -> Any:
    return list(selectors.listing_list(request.access))


@router.get("/provider-directory/{provider_id}", response=DirectoryListingOut)
def get_listing(request: HttpRequest, provider_id: int) -> Any:
    return selectors.listing_get(request.access, provider_id=provider_id)


@router.get("/provider-listing", response=DirectoryListingOut)
def get_own_listing(request: HttpRequest) -> Any:
    own = selectors.listing_own(request.access)
    if own is None:
        raise NotFound()
    return own


@router.put("/provider-listing", response=DirectoryListingOut)
def save_own_listing(request: HttpRequest, body: DirectoryListingIn) -> Any:
    return services.listing_save(request.access, **body.dict())
