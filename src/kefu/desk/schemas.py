"""API shapes of the service desk. Choice fields are plain strings here and checked by the
services, so a wrong value gets one clear message naming the allowed ones."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


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
    tags: list[str]
    order_numbers: list[str]
    first_response_at: datetime | None
    resolved_at: datetime | None
    last_message_seq: int
    created_at: datetime
    updated_at: datetime


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
    status: str
    category: str | None = None


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
