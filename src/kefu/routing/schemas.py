"""The API's shapes for queues, their live figures, and presence."""

from datetime import datetime

from ninja import Schema
from pydantic import Field


class RequiredSkillIn(Schema):
    skill_id: int
    min_proficiency: int = Field(1, description="1–5")


class QueueFieldsIn(Schema):
    business_type: str | None = Field(None, description="pre_sales, after_sales, complaints or general")
    channel: str | None = Field(None, description="chat, email, phone or api")
    priority: int | None = Field(None, description="1 (first) to 10")
    sl_target_percent: int | None = Field(None, description="Service-level target: this share (1–100) …")
    sl_target_seconds: int | None = Field(None, description="… answered within these seconds")
    overflow_after_s: int | None = None
    overflow_queue_id: int | None = None
    overflow_provider_id: int | None = None
    default_chat_concurrency: int | None = None
    auto_accept: bool | None = None
    offer_timeout_s: int | None = None
    active: bool | None = None
    required_skills: list[RequiredSkillIn] | None = None


class QueuePatchIn(QueueFieldsIn):
    name: str | None = Field(
        None, description="Only the queue's own name is accepted: queues are never renamed."
    )


class QueueCreateIn(QueueFieldsIn):
    client_id: int
    name: str = Field(
        description="The name conversations carry in `queue`; unique per client, never renamed."
    )


class QueueProviderOut(Schema):
    provider_id: int
    share_percent: int


class RequiredSkillOut(Schema):
    skill_id: int
    name: str
    kind: str
    min_proficiency: int


class QueueOut(Schema):
    id: int
    client_id: int | None
    provider_id: int | None
    name: str
    business_type: str
    channel: str
    priority: int
    sl_target_percent: int
    sl_target_seconds: int
    overflow_after_s: int | None
    overflow_queue_id: int | None
    overflow_provider_id: int | None
    default_chat_concurrency: int
    auto_accept: bool
    offer_timeout_s: int
    active: bool


class QueueDetailOut(QueueOut):
    providers: list[QueueProviderOut]
    required_skills: list[RequiredSkillOut] = Field(description="The caller's provider's requirements.")


class ShareIn(Schema):
    provider_id: int
    share_percent: int


class SharesIn(Schema):
    shares: list[ShareIn] = Field(description="The planned split; the percentages add up to 100.")


class QueueStatsOut(Schema):
    queue_id: int
    name: str
    waiting: int = Field(description="Open conversations in the queue nobody has taken.")
    longest_wait_s: float
    service_level_today: float | None = Field(
        description="Share (0–1) of today's conversations answered within the target; null before any."
    )
    offered_today: int
    answered_today: int
    agents_by_state: dict[str, int]


class PresenceIn(Schema):
    state: str = Field(description="online, busy, after_contact_work, break or offline")
    reason: str = Field("", description="For a break: meal, training, coaching, wellbeing or other")


class PresenceChangeOut(Schema):
    state: str
    reason: str
    at: datetime
    source: str = Field(description="agent, lead or auto")
    set_by_id: int | None


class PresenceOut(Schema):
    user_id: int
    state: str
    reason: str
    since: datetime | None


class PresenceDayOut(PresenceOut):
    history: list[PresenceChangeOut] = Field(description="Today's changes, oldest first.")
    seconds_in_state: dict[str, float] = Field(description="Today so far.")
