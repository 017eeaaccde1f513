"""API shapes of the complaints register."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from kefu.core import clock
from kefu.quality.complaints import workflow


class ComplaintIn(Schema):
    subject: str = Field(max_length=200)
    severity: str = Field(description="`low`, `medium`, `high` or `critical`")
    description: str = Field("", max_length=4000)
    client_id: int | None = None
    conversation_id: int | None = Field(None, description="raise it from this conversation")
    case_id: int | None = Field(None, description="raise it from this case (its conversations are linked)")
    root_cause_id: int | None = Field(None, description="a root-cause category of the client's list")
    customer_name: str = Field("", max_length=120)
    owner_id: int | None = None
    due_at: datetime | None = Field(None, description="default: by severity (critical 12 h … low 7 days)")


class ComplaintUpdateIn(Schema):
    severity: str | None = None
    root_cause_id: int | None = None
    clear_root_cause: bool = False
    owner_id: int | None = None
    due_at: datetime | None = None


class ComplaintTransitionIn(Schema):
    status: str = Field(description="`investigating`, `resolved`, `closed` or `withdrawn`")
    resolution: str = Field("", max_length=4000)


class ComplaintCallbackIn(Schema):
    planned_at: datetime | None = None
    outcome: str = Field("", description="`satisfied`, `unsatisfied`, `unreachable` or `waived`")
    note: str = Field("", max_length=4000)


class ComplaintLinkIn(Schema):
    conversation_id: int | None = None
    case_id: int | None = None


class ComplaintOut(Schema):
    id: int
    client_id: int
    provider_id: int | None
    subject: str
    description: str
    source: str
    channel: str
    customer_name: str
    severity: str
    root_cause_id: int | None
    root_cause: str | None
    status: str
    owner_id: int | None
    due_at: datetime | None
    overdue: bool
    resolution: str
    callback_planned_at: datetime | None
    callback_done_at: datetime | None
    callback_outcome: str
    callback_note: str
    conversation_ids: list[int]
    case_ids: list[int]
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_root_cause_id(obj: Any) -> int | None:
        return obj.category_id

    @staticmethod
    def resolve_root_cause(obj: Any) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return workflow.is_overdue(obj.status, obj.due_at, clock.now())

    @staticmethod
    def resolve_conversation_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.conversations.all())

    @staticmethod
    def resolve_case_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.cases.all())


class ComplaintCategoryIn(Schema):
    name: str = Field(max_length=60)
    client_id: int | None = None


class ComplaintCategoryOut(Schema):
    id: int
    client_id: int
    name: str
    is_active: bool


class ComplaintTrendOut(Schema):
    client_id: int | None
    period: dict[str, date]
    weeks: list[str]
    by_week: list[int]
    by_category: list[tuple[str, int]]
    by_severity: list[tuple[str, int]]
    severity_by_week: dict[str, list[int]]
