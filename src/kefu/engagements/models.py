"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.contracts.models import (  # noqa: F401
    Contract,
    ContractReminder,
    SignedContract,
    SlaTerm,
)
