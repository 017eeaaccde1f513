"""Auto-QA: every closed conversation inspected by rules and shipped lexicons, Chinese first.

A pure core (no Django): `inspect_conversation(Conversation) -> Result`. The Django layer
(`kefu.quality.autoqa_services`) builds the input from stored rows, stores the result apart
from human reviews and translates the findings; `kefu qa check` runs it on a JSON file.
"""

from __future__ import annotations

from kefu.quality.autoqa.checks import CHECKS
from kefu.quality.autoqa.engine import inspect_conversation
from kefu.quality.autoqa.lexicon import version
from kefu.quality.autoqa.model import (
    Author,
    Conversation,
    Direction,
    Finding,
    Message,
    Result,
    Rules,
    SentimentPoint,
    Severity,
    Sla,
)
from kefu.quality.autoqa.parse import InputError, conversation_from, rules_from

__all__ = [
    "CHECKS",
    "Author",
    "Conversation",
    "Direction",
    "Finding",
    "InputError",
    "Message",
    "Result",
    "Rules",
    "SentimentPoint",
    "Severity",
    "Sla",
    "conversation_from",
    "inspect_conversation",
    "rules_from",
    "version",
]
