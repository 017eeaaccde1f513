"""Writes of the provider directory: a provider admin keeps its profile and lists or unlists it.
Every write is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Invalid, PermissionDenied
from kefu.core.scope import Scope
from kefu.engagements.directory import selectors
from kefu.engagements.directory.models import ProviderListing
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.quoting import intake as intake_core
from kefu.tenancy import services as tenancy_services

TEXT_LIMITS = {
    "summary": 2000,
    "qualifications": 2000,
    "references": 2000,
    "security": 2000,
    "languages": 200,
}


def _choices(values: Any, allowed: tuple[str, ...], field: str) -> list[str]:
    if not isinstance(values, list | tuple) or any(v not in allowed for v in values):
        raise Invalid(_("Choose from: %(choices)s") % {"choices": ", ".join(allowed)}, field=field)
    return [v for v in allowed if v in values]


@transaction.atomic
def listing_save(scope: Scope, *, listed: bool, **fields: Any) -> ProviderListing:
    """Create or change the acting provider's profile and whether it is listed. Listing needs
    a summary and at least one service, so clients never meet an empty profile."""
    scope.require(EngagementPerm.DIRECTORY_LIST)
    if not scope.is_provider:
        raise PermissionDenied()
    clean: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        value = str(fields.get(name) or "").strip()
        if len(value) > limit:
            raise Invalid(_("At most %(n)s characters.") % {"n": limit}, field=name)
        clean[name] = value
    clean["services"] = _choices(fields.get("services") or [], intake_core.BUSINESS_TYPES, "services")
    clean["channels"] = _choices(fields.get("channels") or [], intake_core.CHANNELS, "channels")
    if listed and not clean["summary"]:
        raise Invalid(_("Describe your organisation before listing it."), field="summary")
    if listed and not clean["services"]:
        raise Invalid(_("Name at least one service before listing."), field="services")
    row = selectors.listing_own(scope)
    was_listed = bool(row and row.listed)
    if row is None:
        row = ProviderListing(provider_id=scope.provider_id, client_id=None)
    for name, value in clean.items():
        setattr(row, name, value)
    row.listed = listed
    if listed and not was_listed:
        row.listed_at = clock.now()
    row.save()
    action = (
        "engagements.directory_list"
        if listed and not was_listed
        else "engagements.directory_unlist"
        if was_listed and not listed
        else "engagements.directory_update"
    )
    tenancy_services.audit_record(scope, action=action, target=row, data={"listed": listed})
    return row
