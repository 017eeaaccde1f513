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
    reason: str | None = Field(
        "", description="For a break: meal, training, coaching, wellbeing or other; empty or null otherwise"
    )


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


class SkillIn(Schema):
    kind: str = Field(description="product, language, channel or tier (queue skills come with their queue)")
    name: str


class SkillPatchIn(Schema):
    kind: str | None = None
    name: str | None = None


class SkillOut(Schema):
    id: int
    kind: str
    name: str


class AgentSkillLevelIn(Schema):
    skill_id: int
    proficiency: int | None = Field(description="1–5; null takes the skill away")


class AgentSkillsIn(Schema):
    skills: list[AgentSkillLevelIn] = Field(description="The listed skills are set; others stay.")


class AgentSkillLevelOut(Schema):
    skill_id: int
    kind: str
    name: str
    proficiency: int


class AgentSkillsOut(Schema):
    user_id: int
    skills: list[AgentSkillLevelOut]
    capacity: dict[str, int] = Field(
        description="The agent's own limits per channel (others: the queues' default)."
    )


class CapacityLimitIn(Schema):
    channel: str = Field(description="chat, email, phone or api")
    max_concurrent: int | None = Field(description="1–20; null: back to the queues' default")


class AgentCapacityIn(Schema):
    capacity: list[CapacityLimitIn]


class AgentCapacityOut(Schema):
    user_id: int
    capacity: dict[str, int]


class CertificationIn(Schema):
    user_id: int
    client_id: int
    valid_from: datetime | None = Field(None, description="Default: now")
    valid_until: datetime | None = Field(None, description="Empty: open-ended")
    note: str = ""


class CertificationOut(Schema):
    id: int
    user_id: int
    client_id: int | None
    valid_from: datetime
    valid_until: datetime | None
    granted_by_id: int | None
    note: str
    revoked_at: datetime | None
    status: str = Field(description="valid, expiring (within 30 days), upcoming, expired or revoked")


class SplitRowOut(Schema):
    provider_id: int
    provider_name: str
    planned_percent: int
    contacts: int
    realised_percent: float | None
    difference_points: float | None = Field(description="Realised minus planned, in percentage points")
    by_how: dict[str, int] = Field(
        description="Contacts by how they were assigned: auto, manual, supervisor; unknown for older events"
    )


class SplitOut(Schema):
    queue_id: int
    name: str
    start: datetime
    end: datetime
    total: int
    rows: list[SplitRowOut]
