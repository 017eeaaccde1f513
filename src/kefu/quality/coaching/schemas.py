"""API shapes of coaching tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CoachingIn(Schema):
    due_on: date
    review_id: int | None = Field(None, description="from a review (give exactly one source)")
    appeal_id: int | None = Field(None, description="from a decided appeal")
    agent_id: int | None = Field(None, description="from the agent's score trend")
    client_id: int | None = Field(None, description="trend: only this client's scores")
    trend_kind: str = Field("qa", description="trend: `qa` (review scores) or `autoqa` (auto-QA scores)")
    threshold: float | None = Field(None, description="trend: the average must be below this (0–100)")
    last: int | None = Field(None, description="trend: over the agent's last N scores (1–50)")
    criteria: list[str] | None = Field(
        None, description="focus criterion ids; default: the review's failed (trend: most failed) criteria"
    )
    notes: str = Field("", max_length=2000)
    coach_id: int | None = Field(None, description="default: the caller")


class CoachingScheduleIn(Schema):
    at: datetime | None = Field(None, description="the coaching session's time (required)")
    notes: str | None = Field(None, max_length=2000)


class CoachingDoneIn(Schema):
    notes: str | None = Field(None, max_length=2000)


class CoachingFollowUpIn(Schema):
    review_id: int | None = Field(None, description="default: the newest later review on the focus criteria")


class CoachingOut(Schema):
    id: int
    client_id: int | None
    agent_id: int
    coach_id: int | None
    source: str = Field(description="`review`, `appeal` or `trend`")
    review_id: int | None
    trend: dict[str, Any]
    criteria: list[dict[str, str]]
    baseline: float | None = Field(description="the score on the focus criteria before")
    notes: str
    status: str = Field(description="`open`, `scheduled`, `done`, `followed_up`")
    due_on: date
    scheduled_at: datetime | None
    done_at: datetime | None
    acknowledged_at: datetime | None
    follow_up_id: int | None
    follow_up_score: float | None
    created_at: datetime


class CoachingTrendOut(Schema):
    agent_id: int
    kind: str
    scores: list[float | None]
    average: float | None
