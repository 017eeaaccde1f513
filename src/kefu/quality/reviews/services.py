"""Writes of human quality review, re-exported from their modules by subject (callers use
`from kefu.quality.reviews import services`)."""

from __future__ import annotations

from kefu.quality.reviews.appeals import appeal_create, appeal_decide
from kefu.quality.reviews.break_in import break_in_create, break_in_delete
from kefu.quality.reviews.reviewing import review_prefill, review_save
from kefu.quality.reviews.sampling import SampleResult, review_assign, review_create, sample_day, sample_due
from kefu.quality.reviews.scorecards import qa_policy_set, scorecard_create, scorecard_update

__all__ = [
    "SampleResult",
    "appeal_create",
    "appeal_decide",
    "break_in_create",
    "break_in_delete",
    "qa_policy_set",
    "review_assign",
    "review_create",
    "review_prefill",
    "review_save",
    "sample_day",
    "sample_due",
    "scorecard_create",
    "scorecard_update",
]
