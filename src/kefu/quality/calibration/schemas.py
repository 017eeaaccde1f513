"""API shapes of calibration sessions, blind sheets and the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class CalibrationIn(Schema):
    client_id: int
    title: str = Field(max_length=120)
    conversation_ids: list[int] = Field(description="1–30 conversations of the client")
    reviewer_ids: list[int] = Field(
        description="2–20 reviewers: the provider's inspectors, leads, admins; the client's QA"
    )
    due_at: datetime
    scorecard_id: int | None = Field(None, description="default: the client's current scorecard")
    expert_id: int | None = Field(None, description="one of the reviewers: the reference answers")


class CalibrationOut(Schema):
    id: int
    client_id: int | None
    title: str
    scorecard_id: int
    status: str = Field(description="`open` (scoring, blind) or `closed`")
    due_at: datetime
    expert_id: int | None
    created_at: datetime
    closed_at: datetime | None
    conversations: int = 0
    sheets: int = 0
    submitted: int = 0


class CalibrationProgressOut(Schema):
    reviewer_id: int
    name: str
    submitted: int
    total: int


class CalibrationSheetIn(Schema):
    answers: dict[str, Any]
    comments: dict[str, str] = {}
    submit: bool = False


class CalibrationSheetOut(Schema):
    conversation_id: int
    reviewer_id: int
    answers: dict[str, Any]
    comments: dict[str, str]
    score: float | None
    fatal: bool
    submitted_at: datetime | None


class CalibrationDetailOut(CalibrationOut):
    conversation_ids: list[int]
    progress: list[CalibrationProgressOut]
    sheets_visible: list[CalibrationSheetOut] = Field(description="while open: only the caller's own (blind)")


class CalibrationCriterionAgreementOut(Schema):
    id: str
    title: str
    level: str = Field(description="`nominal` (yes/no) or `ordinal` (yes/partly/no, 1–5)")
    units: int
    percent: float | None
    alpha: float | None = Field(description="Krippendorff's alpha; null when undefined")
    expert_match: float | None


class CalibrationSpreadOut(Schema):
    conversation_id: int
    scores: dict[str, float | None] = Field(description="reviewer id → score")
    low: float | None
    high: float | None
    range: float | None
    mean: float | None
    deviation: float | None
    expert: float | None
    split: list[str]


class CalibrationReviewerOut(Schema):
    reviewer_id: int
    name: str
    sheets: int
    mean: float | None
    off_mean: float | None
    off_expert: float | None
    expert_match: float | None


class CalibrationReportOut(Schema):
    session_id: int
    percent: float | None
    mean_alpha: float | None
    expert_id: int | None
    criteria: list[CalibrationCriterionAgreementOut]
    spreads: list[CalibrationSpreadOut]
    reviewers: list[CalibrationReviewerOut]
