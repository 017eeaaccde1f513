"""API shapes of onboarding."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field


class ChecklistItemOut(Schema):
    id: int
    kind: str
    title: str
    owner_side: str
    status: str
    due_on: date | None
    note: str
    link: str
    done_at: datetime | None


class ItemUpdateIn(Schema):
    status: str | None = Field(None, description="todo, in_progress, done or not_needed")
    note: str | None = None
    link: str | None = Field(None, description="Where the files are (https://…).")
    due_on: date | None = None


class PhaseIn(Schema):
    share_percent: int = Field(description="The provider's share of the traffic from that day, 1–100.")
    starts_on: date


class PhaseOut(Schema):
    id: int
    share_percent: int
    starts_on: date
    started_at: datetime | None
    queue_ids: list[str] = Field(description="The queues the share was applied to, by name.")


class BreakInIn(Schema):
    starts_on: date
    ends_on: date = Field(description="Inclusive; 7 to 31 days after starts_on counting both ends.")
    agent_id: int | None = Field(None, description="One agent; none: everyone answering for the client.")


class BreakInOut(Schema):
    id: int
    agent_id: int | None
    starts_on: date
    ends_on: date


class HandoverSplitOut(Schema):
    queue_name: str
    planned: int
    realised: float | None
    contacts: int


class OnboardingOut(Schema):
    engagement_id: int
    provider_id: int
    client_id: int
    done: int
    total: int
    percent: int
    items: list[ChecklistItemOut]
    phases: list[PhaseOut]
    current_share: int | None
    split: list[HandoverSplitOut]
    break_ins: list[BreakInOut]


class ImportRowOut(Schema):
    row: int
    shortcut: str
    title: str
    category: str
    updates: bool


class ImportErrorOut(Schema):
    row: int
    message: str = Field(description="The field and what is wrong with it.")


class ImportOut(Schema):
    stored: bool = Field(description="False for a preview, or when a wrong row stopped the import.")
    created: int
    updated: int
    rows: list[ImportRowOut]
    errors: list[ImportErrorOut]


class RiskIn(Schema):
    category: str = Field(
        description="quality_drop, data_leak, ip_exposure, contract_breach, key_person_loss, attrition, "
        "system_outage"
    )
    title: str
    likelihood: int = Field(description="1–5")
    impact: int = Field(description="1–5")
    owner_side: str = Field(description="provider or client")
    owner_name: str
    mitigations: str = ""
    next_review_on: date | None = None
    review_every_days: int = 30


class RiskUpdateIn(Schema):
    category: str | None = None
    title: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    owner_side: str | None = None
    owner_name: str | None = None
    mitigations: str | None = None
    status: str | None = Field(None, description="open or closed")
    next_review_on: date | None = None
    review_every_days: int | None = None
    reviewed: bool = Field(False, description="Record a review today; the next one follows the interval.")


class RiskOut(Schema):
    id: int
    category: str
    title: str
    likelihood: int
    impact: int
    score: int
    owner_side: str
    owner_name: str
    mitigations: str
    status: str
    next_review_on: date


class DiligenceOut(Schema):
    id: int
    area: str
    question: str
    status: str
    note: str


class DiligenceIn(Schema):
    status: str | None = Field(None, description="open, satisfactory or concern")
    note: str | None = None
