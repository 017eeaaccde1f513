"""Permissions of engagements: intake and quotes, contracts, onboarding and handover."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class EngagementPerm(StrEnum):
    """One member per duty; each sub-package adds its own."""

    # quoting: read intakes and quotes; fill an intake; price and send quotes; accept or decline
    QUOTE_VIEW = "engagements.quote_view"
    INTAKE_EDIT = "engagements.intake_edit"
    QUOTE_PREPARE = "engagements.quote_prepare"
    QUOTE_DECIDE = "engagements.quote_decide"
    QUOTE_COMPARE = "engagements.quote_compare"  # a client's RFQs: invite, compare, decide


_QUOTE_READ = {EngagementPerm.QUOTE_VIEW}
_QUOTE_SELL = {
    *_QUOTE_READ,
    EngagementPerm.INTAKE_EDIT,
    EngagementPerm.QUOTE_PREPARE,
    EngagementPerm.QUOTE_DECIDE,
}
_QUOTE_BUY = {
    *_QUOTE_READ,
    EngagementPerm.INTAKE_EDIT,
    EngagementPerm.QUOTE_DECIDE,
    EngagementPerm.QUOTE_COMPARE,
}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(_QUOTE_SELL),
    Role.ACCOUNT_MANAGER: set(_QUOTE_SELL),
    Role.CLIENT_ADMIN: set(_QUOTE_BUY),
    Role.CLIENT_MANAGER: set(_QUOTE_BUY),
}
