"""API shapes of surveys: definitions (versions), links sent for a conversation, its answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class QuestionIn(Schema):
    text: str = Field(max_length=200)
    kind: str = Field(description="`scale`, `choice` or `text`")
    low: int | None = Field(None, description="scale: lowest value (0–9)")
    high: int | None = Field(None, description="scale: highest value (1–10)")
    options: list[str] | None = Field(None, description="choice: 2 to 12 options")


class SurveyIn(Schema):
    client_id: int | None = None
    name: str = Field(max_length=120)
    channel: str = Field("", description="`chat`, `email`, `phone`, `api`; empty: every channel")
    csat_text: str = Field(max_length=200, description="the 1–5 satisfaction question (always asked)")
    ask_nps: bool = True
    nps_text: str = Field("", max_length=200, description="the 0–10 recommendation question (NPS)")
    questions: list[QuestionIn] = Field(
        default_factory=list, description="further questions, ids q1, q2, … by position"
    )
    link_hours: int = Field(72, description="how long an e-mail or SMS link works")
    reminder_hours: int = Field(24, description="one reminder after this many hours if unanswered; 0: none")
    auto_send: bool = Field(
        False,
        description="send the link by itself after e-mail (e-mail link) and phone (SMS link) conversations",
    )
    send_delay_minutes: int = Field(30, description="minutes after the conversation is resolved (0–1440)")


class SurveyUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    channel: str | None = None
    csat_text: str | None = Field(None, max_length=200)
    ask_nps: bool | None = None
    nps_text: str | None = Field(None, max_length=200)
    questions: list[QuestionIn] | None = None
    link_hours: int | None = None
    reminder_hours: int | None = None
    auto_send: bool | None = None
    send_delay_minutes: int | None = None


class SurveyOut(Schema):
    id: int
    family: int
    version: int
    is_current: bool
    name: str
    channel: str
    client_id: int | None
    csat_text: str
    ask_nps: bool
    nps_text: str
    questions: list[dict[str, Any]]
    link_hours: int
    reminder_hours: int
    auto_send: bool
    send_delay_minutes: int
    created_at: datetime


class SurveyLinkIn(Schema):
    medium: str = Field(description="`email` or `sms`")


class SurveyLinkOut(Schema):
    id: int
    conversation_id: int
    survey_id: int = Field(alias="definition_id")
    medium: str
    status: str = Field(description="`pending`, `sent`, `logged` (no SMS gateway: not delivered) or `failed`")
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime
    reminded_at: datetime | None
    answered_at: datetime | None


class SurveyAnswerOut(Schema):
    conversation_id: int
    score: int = Field(description="satisfaction, 1–5")
    nps: int | None = Field(description="recommendation, 0–10, when asked")
    answers: dict[str, Any] = Field(description="further answers by question id of the version asked")
    comment: str
    medium: str = Field(description="`chat`, `email` or `sms`")
    survey_id: int | None = Field(alias="definition_id")
    at: datetime


class SurveyAnswerRowOut(Schema):
    """One answer in the list across conversations."""

    id: int
    conversation_id: int
    client_id: int | None
    client_name: str
    channel: str = Field(description="the conversation's channel: `chat`, `email`, `phone`, `api`")
    agent_id: int | None = Field(description="the conversation's assignee")
    agent_name: str
    score: int = Field(description="satisfaction, 1–5")
    nps: int | None = Field(description="recommendation, 0–10, when asked")
    answers: dict[str, Any] = Field(description="further answers by question id of the version asked")
    comment: str
    medium: str = Field(description="`chat`, `email` or `sms`")
    survey_id: int | None = Field(alias="definition_id")
    survey_version: int | None
    at: datetime

    @staticmethod
    def resolve_client_name(obj: Any) -> str:
        return obj.client.name if obj.client else ""

    @staticmethod
    def resolve_agent_id(obj: Any) -> int | None:
        return obj.conversation.assignee_id

    @staticmethod
    def resolve_agent_name(obj: Any) -> str:
        agent = obj.conversation.assignee
        return (agent.display_name or agent.username) if agent else ""

    @staticmethod
    def resolve_survey_version(obj: Any) -> int | None:
        return obj.definition.version if obj.definition else None
