"""The API's shapes for the wallboard, alarms, emergency plans and floor actions."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class QueueRowOut(Schema):
    queue_id: int
    name: str
    waiting: int
    longest_wait_s: float
    service_level_today: float | None
    offered_today: int
    answered_today: int
    abandoned_today: int
    agents_by_state: dict[str, int]
    alarmed: bool


class AgentRowOut(Schema):
    user_id: int
    name: str
    state: str
    reason: str
    since: datetime | None
    seconds_in_state: float
    load: int


class AdherenceOut(Schema):
    user_id: int
    name: str
    scheduled_now: str = Field(description="work, break or off")
    actual_now: str
    out_since: datetime | None = Field(description="null: in adherence now")
    scheduled_s: float
    in_adherence_s: float
    adherence_today: float | None = Field(
        description="in_adherence_s / scheduled_s; null without a shift so far"
    )


class AlarmOut(Schema):
    id: int
    kind: str
    status: str
    queue_id: int | None
    metric: str
    threshold: float | None
    value: float | None
    last_value: float | None
    agent_id: int | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    cleared_at: datetime | None
    cleared_by_id: int | None
    notify_client: bool


class WallboardOut(Schema):
    at: datetime
    queues: list[QueueRowOut]
    agents_by_state: dict[str, int]
    agents: list[AgentRowOut]
    adherence: list[AdherenceOut]
    alarms: list[AlarmOut]


class AlarmRuleIn(Schema):
    queue_id: int
    metric: str = Field(description="waiting, longest_wait_s, service_level (%), online_seats")
    threshold: float
    notify_client: bool = False
    emergency_plan_id: int | None = None


class AlarmRuleOut(Schema):
    id: int
    queue_id: int
    metric: str
    threshold: float
    notify_client: bool
    plan_id: int | None
    active: bool


class StepIn(Schema):
    kind: str = Field(description="overflow_on, raise_concurrency, call_standby, widget_offline")
    params: dict[str, Any] = Field(default_factory=dict)


class StepOut(Schema):
    id: int
    position: int
    kind: str
    params: dict[str, Any]


class PlanIn(Schema):
    client_id: int
    name: str
    steps: list[StepIn] = Field(default_factory=list)


class PlanOut(Schema):
    id: int
    client_id: int
    name: str
    steps: list[StepOut]


class StepRunIn(Schema):
    alarm_id: int | None = None


class StepRunOut(Schema):
    id: int
    step_id: int | None
    alarm_id: int | None
    kind: str
    before: dict[str, Any]
    after: dict[str, Any]
    done_by_id: int | None
    done_at: datetime
    undone_by_id: int | None
    undone_at: datetime | None


class MoveIn(Schema):
    queue_id: int


class FloorAssignIn(Schema):
    agent_id: int | None = Field(None, description="null: the caller takes it over")


class WhisperIn(Schema):
    body: str


class ConversationRefOut(Schema):
    id: int
    queue: str
    assignee_id: int | None
