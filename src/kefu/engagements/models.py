"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.billing.models import Invoice
from kefu.engagements.contracts.models import (
    Contract,
    ContractReminder,
    SignedContract,
    SlaTerm,
)
from kefu.engagements.onboarding.models import ChecklistItem, DiligenceItem, HandoverPhase, Risk
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq

__all__ = [
    "ChecklistItem",
    "Contract",
    "ContractReminder",
    "CostModelRecord",
    "DiligenceItem",
    "HandoverPhase",
    "Intake",
    "Invoice",
    "Quote",
    "Rfq",
    "Risk",
    "SignedContract",
    "SlaTerm",
]
