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
    # directory/: a provider admin lists (and unlists) its organisation for RFQs of new clients;
    # clients read listed profiles with QUOTE_COMPARE
    DIRECTORY_LIST = "engagements.directory_list"
    # contracts (contracts/): confidential, so only the people who answer for the relationship
    CONTRACT_VIEW = "engagements.contract_view"
    CONTRACT_EDIT = "engagements.contract_edit"  # draft, amend, SLA terms (the provider drafts)
    CONTRACT_APPROVE = "engagements.contract_approve"  # approve for one's own side
    # onboarding/: the checklist, handover plan, break-in and risk register, seen by both sides
    VIEW_ONBOARDING = "engagements.view_onboarding"
    # tick the items of one's own side, import quick phrases, keep the risk register
    MANAGE_ONBOARDING = "engagements.manage_onboarding"
    # the provider's plan: handover phases (applied to routing's split) and break-in periods
    PLAN_HANDOVER = "engagements.plan_handover"
    # reviews/: the monthly business review and the renewal recommendation (money: contract people)
    REVIEW_VIEW = "engagements.review_view"
    REVIEW_PREPARE = "engagements.review_prepare"  # generate a draft, publish it (the provider)
    REVIEW_DISCUSS = (
        "engagements.review_discuss"  # comment, raise and close actions, ask for a recommendation
    )
    RENEWAL_DECIDE = "engagements.renewal_decide"  # record the client's renewal decision
    # billing/: invoices from the contract's pricing terms and the measured month (clients see
    # only issued ones); the provider drafts, issues, resolves disputes and records payment
    INVOICE_VIEW = "engagements.invoice_view"
    INVOICE_EDIT = "engagements.invoice_edit"
    INVOICE_DISPUTE = "engagements.invoice_dispute"  # the client disputes an issued invoice


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
    onboarding_view = {EngagementPerm.VIEW_ONBOARDING}
    onboarding_manage = {*onboarding_view, EngagementPerm.MANAGE_ONBOARDING}
    onboarding_plan = {*onboarding_manage, EngagementPerm.PLAN_HANDOVER}
    reviews = {EngagementPerm.REVIEW_VIEW, EngagementPerm.REVIEW_DISCUSS}
    reviews_prepare = {*reviews, EngagementPerm.REVIEW_PREPARE}
    reviews_decide = {*reviews, EngagementPerm.RENEWAL_DECIDE}
    invoice_sell = {EngagementPerm.INVOICE_VIEW, EngagementPerm.INVOICE_EDIT}
    invoice_buy = {EngagementPerm.INVOICE_VIEW, EngagementPerm.INVOICE_DISPUTE}
    return {
        Role.PROVIDER_ADMIN: {
            *quote_sell,
            EngagementPerm.DIRECTORY_LIST,
            *contracts_edit,
            EngagementPerm.CONTRACT_APPROVE,
            *onboarding_plan,
            *reviews_prepare,
            *invoice_sell,
        },
        Role.ACCOUNT_MANAGER: {
            *quote_sell,
            *contracts_edit,
            *onboarding_plan,
            *reviews_prepare,
            *invoice_sell,
        },
        Role.SUPERVISOR: set(onboarding_manage),
        Role.QA_INSPECTOR: set(onboarding_view),
        Role.CLIENT_ADMIN: {
            *quote_buy,
            *contracts_view,
            EngagementPerm.CONTRACT_APPROVE,
            *onboarding_manage,
            *reviews_decide,
            *invoice_buy,
        },
        Role.CLIENT_MANAGER: {
            *quote_buy,
            *contracts_view,
            *onboarding_manage,
            *reviews_decide,
            *invoice_buy,
        },
        Role.CLIENT_VIEWER: set(onboarding_view),
    }


GRANTS: dict[Role, set[str]] = _grants()
