"""The auto-QA core's data: a conversation in, findings and a score out. Pure: no Django.

Author kinds are those of a chat log, not of Kefu's rows, so a conversation exported from
elsewhere (`kefu qa check --file`) is inspected by the same code as a stored one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Direction(StrEnum):
    IN = "in"  # from the customer
    OUT = "out"  # to the customer
    NOTE = "note"  # internal; never inspected as something the customer read


class Severity(StrEnum):
    CRITICAL = "critical"  # a fatal item for a scorecard (rudeness, a forbidden promise, leaked data)
    MAJOR = "major"
    MINOR = "minor"


@dataclass(frozen=True, slots=True)
class Message:
    direction: Direction
    author: Author
    text: str
    at: dt.datetime
    redacted: tuple[str, ...] = ()  # redaction rules that fired when the text was stored

    @property
    def by_agent(self) -> bool:
        """Written by a person on the service side and read by the customer."""
        return self.author == Author.AGENT and self.direction == Direction.OUT

    @property
    def by_customer(self) -> bool:
        return self.author == Author.CUSTOMER and self.direction == Direction.IN

    @property
    def answers(self) -> bool:
        """Counts as an answer to the customer (an agent's or a bot's reply)."""
        return self.direction == Direction.OUT and self.author in (Author.AGENT, Author.BOT)


DEFAULT_GREETING = "您好，欢迎光临{shop}，我是客服{agent}，很高兴为您服务"


@dataclass(frozen=True, slots=True)
class Rules:
    """One client's rules. Empty tuples mean "only the shipped lexicons"."""

    forbidden_words: tuple[str, ...] = ()
    forbidden_promises: tuple[str, ...] = ()
    # "{shop}" and "{agent}" mark where the names go; the text around them is not required word
    # for word (agents vary it), only a greeting word, and each name the template asks for.
    greeting_template: str = DEFAULT_GREETING
    shop_aliases: tuple[str, ...] = ()  # short names agents use for the shop (悦家 for 悦家家居旗舰店)
    closing_phrases: tuple[str, ...] = ()  # besides the shipped ones
    revision: int = 0  # the client's rules edition; part of the result's version


@dataclass(frozen=True, slots=True)
class Sla:
    first_response_s: int | None = None
    next_response_s: int | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    messages: tuple[Message, ...]
    shop_name: str = ""
    agent_name: str = ""
    rules: Rules = field(default_factory=Rules)
    sla: Sla = field(default_factory=Sla)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the inspector should look at: which check, how bad, which message, which words.

    `start`/`end` are offsets in the message's text (both 0 when the finding is about a whole
    message or about something missing); `params` feed the translated explanation.
    """

    check: str
    severity: Severity
    message_index: int
    start: int = 0
    end: int = 0
    evidence: str = ""
    params: tuple[tuple[str, str | int], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "severity": str(self.severity),
            "message_index": self.message_index,
            "evidence": {"start": self.start, "end": self.end, "text": self.evidence},
            "params": dict(self.params),
        }


@dataclass(frozen=True, slots=True)
class SentimentPoint:
    message_index: int
    label: str  # "negative", "neutral", "positive"
    score: float


@dataclass(frozen=True, slots=True)
class Result:
    score: int
    version: str
    findings: tuple[Finding, ...]
    sentiment: tuple[SentimentPoint, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "version": self.version,
            "findings": [f.as_dict() for f in self.findings],
            "sentiment": [
                {"message_index": p.message_index, "label": p.label, "score": p.score} for p in self.sentiment
            ],
        }
