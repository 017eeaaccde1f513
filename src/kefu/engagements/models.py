"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.contracts.models import (
    Contract,
    ContractReminder,
    SignedContract,
    SlaTerm,
)
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq

__all__ = [
    "Contract",
    "ContractReminder",
    "CostModelRecord",
    "Intake",
    "Quote",
    "Rfq",
    "SignedContract",
    "SlaTerm",
]
