"""API shapes of the outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class WebhookIn(Schema):
    url: str = Field(description="http:// or https:// address that receives the POSTs.")
    event_types: list[str] = Field(
        default_factory=list, description="Event types to send (docs/event-log.md, and `ping`); empty: all."
    )
    description: str = ""


class WebhookUpdateIn(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="Signs every delivery (X-Kefu-Signature); shown only now.")


class DeliveryOut(Schema):
    id: int
    webhook_id: int = Field(alias="endpoint_id")
    uid: str = Field(description="The X-Kefu-Delivery header: receivers dedupe on it.")
    event_type: str
    event_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_code: int | None
    last_error: str
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any]
