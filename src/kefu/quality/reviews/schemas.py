"""API shapes of scorecards, rules, reviews and appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CriterionIn(Schema):
    id: str | None = Field(None, max_length=40)
    title: str = Field(max_length=200)
    weight: int = 1
    scale: str = Field("yes_no", description="`yes_no`, `yes_no_partial` or `one_to_five`")
    allow_na: bool = False
    fatal: bool = Field(False, description="致命项: a failed fatal item makes the score 0 (no weight)")
    description: str = Field("", max_length=500)


class SectionIn(Schema):
    id: str | None = Field(None, max_length=40)
    title: str = Field(max_length=120)
    criteria: list[CriterionIn]


class ScorecardIn(Schema):
    client_id: int | None = None
    name: str = Field(max_length=120)
    channel: str = Field("", description="`chat`, `email`, `phone`, `api`; empty: every channel")
    sections: list[SectionIn]


class ScorecardUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    channel: str | None = None
    sections: list[SectionIn] | None = None


class ScorecardOut(Schema):
    id: int
    family: int
    version: int
    is_current: bool
    name: str
    channel: str
    client_id: int | None
    definition: dict[str, Any]
    created_at: datetime


class PolicyIn(Schema):
    percent_by_channel: dict[str, int] = Field(description="share reviewed per channel, 0–100")
    new_agent_days: int = 30
    new_agent_percent: int = 100
    include_complaints: bool = True
    include_low_ratings: bool = True
    due_days: int = 1
    appeal_window_days: int = 3


class PolicyOut(PolicyIn):
    client_id: int


class SampleIn(Schema):
    client_id: int
    day: date


class SampleOut(Schema):
    day: date
    client_id: int
    finished: int
    sampled: int
    created: int
    unassigned: int
    without_scorecard: int


class ReviewCreateIn(Schema):
    conversation_id: int
    inspector_id: int | None = None
    scorecard_id: int | None = None


class NoteIn(Schema):
    seq: int
    text: str = Field(max_length=1000)


class ReviewSaveIn(Schema):
    answers: dict[str, str | int] = Field(description="criterion id → y, p, n, na or 1–5")
    comments: dict[str, str] = {}
    anchors: dict[str, int] = Field({}, description="criterion id → message seq it points at")
    notes: list[NoteIn] | None = None
    submit: bool = False


class FindingIn(Schema):
    criterion_id: str
    answer: str | int | None = None
    message_index: int | None = None
    comment: str = ""


class PrefillIn(Schema):
    findings: list[FindingIn]


class ReviewAssignIn(Schema):
    inspector_id: int


class ReviewOut(Schema):
    id: int
    conversation_id: int
    client_id: int | None
    scorecard_id: int
    scorecard_version: int = Field(alias="scorecard.version")
    agent_id: int | None
    inspector_id: int | None
    status: str
    reason: str
    sample_day: date | None
    due_at: datetime | None
    answers: dict[str, Any]
    comments: dict[str, str]
    anchors: dict[str, int]
    notes: list[dict[str, Any]]
    score: float | None
    fatal: bool
    submitted_at: datetime | None


class AppealIn(Schema):
    reason: str = Field(max_length=2000)


class DecideIn(Schema):
    outcome: str = Field(description="`upheld` or `amended`")
    note: str = Field(max_length=2000)
    answers: dict[str, str | int] = {}
    comments: dict[str, str] = {}


class AppealOut(Schema):
    id: int
    review_id: int
    raised_by_id: int | None
    reason: str
    status: str
    decided_by_id: int | None
    decision_note: str
    score_before: float | None
    score_after: float | None
    created_at: datetime
    decided_at: datetime | None


class WorkloadOut(Schema):
    inspector_id: int
    name: str
    open: int
    due_today: int
    overdue: int
    done_today: int
    done_week: int
    average_score: float | None
