"""API shapes of quick phrases."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class QuickPhraseIn(Schema):
    client_id: int | None = Field(
        None, description="Required for providers: the client the phrase speaks for."
    )
    title: str
    body: str = Field(description="Text with variables like {customer_name}, {agent_name}, {order_number}.")
    shortcut: str = Field("", description="Typed as /shortcut in the reply box, e.g. tk for 退款.")
    category: str = ""


class QuickPhraseUpdateIn(Schema):
    title: str
    body: str
    shortcut: str = ""
    category: str = ""


class QuickPhraseOut(Schema):
    id: int
    client_id: int | None
    provider_id: int | None
    title: str
    body: str
    shortcut: str
    category: str
    usage_count: int
    created_at: datetime
    updated_at: datetime
