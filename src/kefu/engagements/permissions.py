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
    # contracts (contracts/): confidential, so only the people who answer for the relationship
    CONTRACT_VIEW = "engagements.contract_view"
    CONTRACT_EDIT = "engagements.contract_edit"  # draft, amend, SLA terms (the provider drafts)
    CONTRACT_APPROVE = "engagements.contract_approve"  # approve for one's own side


def _grants() -> dict[Role, set[str]]:
    quote_read = {EngagementPerm.QUOTE_VIEW}
    quote_sell = {
        *quote_read,
        EngagementPerm.INTAKE_EDIT,
        EngagementPerm.QUOTE_PREPARE,
        EngagementPerm.QUOTE_DECIDE,
    }
    quote_buy = {
        *quote_read,
        EngagementPerm.INTAKE_EDIT,
        EngagementPerm.QUOTE_DECIDE,
        EngagementPerm.QUOTE_COMPARE,
    }
    contracts_view = {EngagementPerm.CONTRACT_VIEW}
    contracts_edit = {*contracts_view, EngagementPerm.CONTRACT_EDIT}
    return {
        Role.PROVIDER_ADMIN: {*quote_sell, *contracts_edit, EngagementPerm.CONTRACT_APPROVE},
        Role.ACCOUNT_MANAGER: {*quote_sell, *contracts_edit},
        Role.CLIENT_ADMIN: {*quote_buy, *contracts_view, EngagementPerm.CONTRACT_APPROVE},
        Role.CLIENT_MANAGER: {*quote_buy, *contracts_view},
    }


GRANTS: dict[Role, set[str]] = _grants()
