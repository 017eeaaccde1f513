"""Quality's entries in the navigation (gathered by `kefu.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.navigation import NavEntry
from kefu.quality.autoqa_permissions import AutoQaPerm
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.quality.permissions import QualityPerm

ENTRIES = (
    NavEntry(_("Quality reviews"), "quality_reviews", QualityPerm.OWN_REVIEWS, order=250),
    NavEntry(_("Surveys"), "quality_surveys", QualityPerm.VIEW_SURVEYS, order=255),
    NavEntry(_("Auto-QA"), "quality_autoqa", AutoQaPerm.VIEW, order=430),
    NavEntry(_("Complaints"), "quality_complaints", ComplaintPerm.VIEW, order=256),
    NavEntry(_("Calibration"), "quality_calibrations", QualityPerm.CALIBRATE, order=432),
    NavEntry(_("Coaching"), "quality_coaching", QualityPerm.OWN_COACHING, order=257),
)
