"""Permissions of engagements: intake and quotes, contracts, onboarding and handover."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class EngagementPerm(StrEnum):
    """One member per duty; each sub-package adds its own."""

    # contracts (contracts/): confidential, so only the people who answer for the relationship
    CONTRACT_VIEW = "engagements.contract_view"
    CONTRACT_EDIT = "engagements.contract_edit"  # draft, amend, SLA terms (the provider drafts)
    CONTRACT_APPROVE = "engagements.contract_approve"  # approve for one's own side


def _grants() -> dict[Role, set[str]]:
    contracts_view = {EngagementPerm.CONTRACT_VIEW}
    contracts_edit = {*contracts_view, EngagementPerm.CONTRACT_EDIT}
    return {
        Role.PROVIDER_ADMIN: {*contracts_edit, EngagementPerm.CONTRACT_APPROVE},
        Role.ACCOUNT_MANAGER: set(contracts_edit),
        Role.CLIENT_ADMIN: {*contracts_view, EngagementPerm.CONTRACT_APPROVE},
        Role.CLIENT_MANAGER: set(contracts_view),
    }


GRANTS: dict[Role, set[str]] = _grants()
