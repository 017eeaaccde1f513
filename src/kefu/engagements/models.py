"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq

__all__ = ["CostModelRecord", "Intake", "Quote", "Rfq"]
