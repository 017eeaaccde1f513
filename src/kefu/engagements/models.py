"""The engagement models, gathered from the sub-packages so Django and migrations find them."""

from kefu.engagements.onboarding.models import (  # noqa: F401
    ChecklistItem,
    DiligenceItem,
    HandoverPhase,
    Risk,
)
