"""API shapes of the service desk. Choice fields are plain strings here and checked by the
services, so a wrong value gets one clear message naming the allowed ones."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# An amount of money as the models store it (DecimalField(max_digits=12, decimal_places=2)):
# refused here when it would not fit, so nothing is stored that cannot be read back.
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]


class ConversationCreateIn(Schema):
    channel: str
    client_id: int | None = None
    provider_id: int | None = None
    customer_id: int | None = None
    subject: str = ""
    priority: str = "normal"
    queue: str = ""
    tags: list[str] = []
    order_numbers: list[str] = []
    order_value: Money | None = None
    message: str = Field("", description="The customer's first message, stored inbound and redacted.")
    external_id: str = Field("", description="The first message's id in the source system.")


class ConversationOut(Schema):
    id: int
    provider_id: int | None
    client_id: int | None
    channel: str
    status: str
    priority: str
    subject: str
    customer_id: int | None
    assignee_id: int | None
    queue: str
    tier: str
    category: str
    category_id: int | None = Field(None, alias="category_node_id")
    custom_status_id: int | None = Field(None, description="the client's own status, while it applies")
    custom_status: str = Field("", description="its name")
    resolution_code: str
    tags: list[str]
    order_numbers: list[str]
    first_response_at: datetime | None
    resolved_at: datetime | None
    last_message_seq: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_custom_status_id(obj: Any) -> int | None:
        custom = obj.current_custom_status
        return custom.pk if custom is not None else None

    @staticmethod
    def resolve_custom_status(obj: Any) -> str:
        custom = obj.current_custom_status
        return custom.name if custom is not None else ""


class MessageIn(Schema):
    body: str
    direction: str = Field("out", description="in (from the customer), out (to the customer) or note.")
    external_id: str = ""
    channel_data: dict = {}


class MessageOut(Schema):
    id: int
    conversation_id: int
    seq: int
    direction: str
    author_id: int | None
    body: str
    redactions: list[str]
    channel_data: dict
    external_id: str
    delivery: str
    created_at: datetime


class AssignIn(Schema):
    agent_id: int | None


class StatusIn(Schema):
    status: str = Field("", description="may be left empty when custom_status_id is given")
    category: str | None = Field(
        None, description="free text, or a path of the client's category tree (物流/催发货)"
    )
    category_id: int | None = Field(None, description="a leaf of the client's category tree")
    custom_status_id: int | None = Field(None, description="one of the client's own statuses")
    resolution_code: str | None = None


class TagsIn(Schema):
    add: list[str] = []
    remove: list[str] = []


class ResolutionCodeIn(Schema):
    code: str


class ReadIn(Schema):
    seq: int | None = Field(None, description="the last message read; empty: the latest")


class ReadOut(Schema):
    conversation_id: int
    last_read_seq: int


class AttachmentOut(Schema):
    id: int
    conversation_id: int
    message_id: int | None
    filename: str
    content_type: str = Field(description="from the file's content, not the uploader's claim")
    size: int
    sha256: str
    internal: bool = Field(description="attached to an internal note or to no message: staff only")
    uploaded_by_id: int | None
    created_at: datetime


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorBody


# --- the client's statuses and categories ------------------------------------------------------
class CustomStatusIn(Schema):
    name: str
    maps_to: str = Field(description="open, pending_customer or pending_client")
    pauses_sla: bool = False
    position: int | None = None
    active: bool = True


class CustomStatusCreateIn(CustomStatusIn):
    client_id: int | None = None


class CustomStatusOut(Schema):
    id: int
    client_id: int | None
    name: str
    maps_to: str
    pauses_sla: bool
    position: int
    active: bool


class CategoryIn(Schema):
    name: str
    code: str = ""
    position: int | None = None
    active: bool = True


class CategoryCreateIn(CategoryIn):
    client_id: int | None = None
    parent_id: int | None = None


class CategoryOut(Schema):
    id: int
    client_id: int | None
    parent_id: int | None
    name: str
    code: str
    path: str
    depth: int
    position: int
    active: bool


class CustomerOut(Schema):
    id: int
    client_id: int | None
    name: str
    phone: str
    email: str
    address: str
    buyer_id: str
    order_refs: list[str]
    masked: bool


class CustomerCreateIn(Schema):
    client_id: int | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    buyer_id: str = ""
    order_refs: list[str] = []


class UnmaskIn(Schema):
    reason: str = ""


# --- timers, SLA -----------------------------------------------------------------------------
class TimerOut(Schema):
    kind: str = Field(description="first_response, next_response, resolution or l2_resolution")
    party: str = Field(description="whose clock: provider, or client (its L2 team)")
    status: str = Field(description="not_started, running, warning, paused, met or breached")
    target_s: int
    elapsed_s: int
    remaining_s: int
    deadline: datetime | None
    breached_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None


class ConversationDetailOut(ConversationOut):
    order_value: Decimal | None = None
    escalated_at: datetime | None = None
    provider_access: str = ""
    timers: list[TimerOut] = []


class ServiceCalendarIn(Schema):
    tz: str = "Asia/Shanghai"
    weekly: dict[str, list[str]] = Field(
        default_factory=lambda: {day: ["09:00-24:00"] for day in WEEKDAYS},
        description='{"mon": ["09:00-12:00", "13:00-24:00"], …}; a missing day is closed.',
    )
    chinese_holidays: bool = True
    holiday_mode: str = Field("closed", description="closed, special (holiday_hours) or weekly")
    holiday_hours: list[str] = []
    overrides: dict[str, list[str]] = Field({}, description='{"2026-01-01": []}: [] closes that date.')
    meal_breaks: list[str] = []
    covers_meals: bool = True


class ServiceCalendarOut(ServiceCalendarIn):
    client_id: int
    is_default: bool


class DeskSettingsIn(Schema):
    provider_access_when_escalated: str = Field(description="view or edit")


class DeskSettingsOut(DeskSettingsIn):
    client_id: int | None


class SlaPolicyIn(Schema):
    first_response_s: int
    next_response_s: int | None = None
    resolution_s: int | None = None
    l2_resolution_s: int | None = None
    warn_ratio: float = 0.2


class SlaPolicyCreateIn(SlaPolicyIn):
    client_id: int | None = None
    channel: str = Field("", description="chat, email, phone, api; empty: every channel without its own")


class SlaPolicyOut(SlaPolicyCreateIn):
    id: int


class SlaBreachOut(Schema):
    id: int
    conversation_id: int
    client_id: int | None
    kind: str
    party: str
    target_s: int
    started_at: datetime
    breached_at: datetime
    detected_at: datetime


# --- escalation, after-sales rules ------------------------------------------------------------------
class EscalateIn(Schema):
    reason: str
    tier: str = "l2"
    provider_access: str = Field("", description="view or edit; empty: the client's setting")


class DeescalateIn(Schema):
    reason: str


class EvaluateIn(Schema):
    apply: bool = Field(False, description="escalate when the decision says so")
    order_value: Money | None = Field(None, description="the order's value, stored on the conversation")


class DecisionOut(Schema):
    action: str
    rule_id: int | None
    rule_name: str
    tier: str
    provider_access: str
    reasons: list[str]
    applied: bool


class RuleIn(Schema):
    name: str
    conditions: dict[str, Any] = Field(
        {},
        description="categories, min_order_value, keywords, min_previous_cases, "
        "min_previous_complaints, channels (all given must hold)",
    )
    action: str = Field(description="provider_handles or escalate_to_l2")
    tier: str = "l2"
    provider_access: str = ""
    position: int | None = None
    enabled: bool = True


class RuleCreateIn(RuleIn):
    client_id: int | None = None


class RuleOut(Schema):
    id: int
    client_id: int | None
    position: int
    name: str
    enabled: bool
    conditions: dict[str, Any]
    action: str
    tier: str
    provider_access: str


# --- cases -----------------------------------------------------------------------------------
class CaseCreateIn(Schema):
    conversation_id: int
    type: str = Field(description="return, exchange, refund, repair, warranty, complaint, dispute")
    subject: str = ""
    owner_id: int | None = None
    due_at: datetime | None = None
    order_number: str = ""


class CaseUpdateIn(Schema):
    owner_id: int | None = None
    clear_owner: bool = False
    due_at: datetime | None = None
    clear_due: bool = Field(default=False, description="true: remove the due date")
    subject: str | None = None


class CaseStatusIn(Schema):
    status: str


class CaseResolveIn(Schema):
    code: str
    amount: Money | None = None


class CaseLinkIn(Schema):
    conversation_id: int


class CaseOut(Schema):
    id: int
    provider_id: int | None
    client_id: int | None
    type: str
    status: str
    subject: str
    customer_id: int | None
    owner_id: int | None
    due_at: datetime | None
    order_number: str
    tier: str
    resolution_code: str
    amount: Decimal | None
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    conversation_ids: list[int]

    @staticmethod
    def resolve_conversation_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.conversations.all())


class OfferOut(Schema):
    """A conversation offered to the caller by automatic assignment (docs/routing.md, "Offers")."""

    id: int
    conversation_id: int
    queue: str = Field(description="the queue's name")
    state: str = Field(description="offered, accepted, declined, missed or cancelled")
    auto: bool = Field(description="accepted at once by the queue's auto-accept")
    offered_at: datetime
    expires_at: datetime

    @staticmethod
    def resolve_queue(obj: Any) -> str:
        return obj.queue.name
