"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.billing.models import Invoice
from kefu.engagements.contracts.models import (
    Contract,
    ContractReminder,
    SignedContract,
    SlaTerm,
)
from kefu.engagements.directory.models import ProviderListing
from kefu.engagements.onboarding.models import ChecklistItem, DiligenceItem, HandoverPhase, Risk
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq
from kefu.engagements.reviews.models import (
    BusinessReview,
    RenewalRecommendation,
    ReviewAction,
    ReviewComment,
)

__all__ = [
    "BusinessReview",
    "ChecklistItem",
    "Contract",
    "ContractReminder",
    "CostModelRecord",
    "DiligenceItem",
    "HandoverPhase",
    "Intake",
    "Invoice",
    "ProviderListing",
    "Quote",
    "RenewalRecommendation",
    "ReviewAction",
    "ReviewComment",
    "Rfq",
    "Risk",
    "SignedContract",
    "SlaTerm",
]
