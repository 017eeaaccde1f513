"""Inspect one conversation: every check, the sentiment trajectory, the score. Pure: no Django."""

from __future__ import annotations

import kefu.quality.autoqa.checks as checks
import kefu.quality.autoqa.lexicon as lexicon
import kefu.quality.autoqa.scoring as scoring
from kefu.quality.autoqa.model import Conversation, Result


def inspect_conversation(conversation: Conversation) -> Result:
    reads = checks.read(conversation)
    points = checks.trajectory(reads)
    findings = [
        *checks.greeting(conversation, reads),
        *checks.closing(conversation, reads),
        *checks.response_times(conversation, reads),
        *checks.forbidden(conversation, reads),
        *checks.pii(conversation, reads),
        *checks.sentiment(points, reads),
        *checks.empathy(points, reads),
        *checks.politeness(conversation, reads),
        *checks.unanswered(conversation, reads),
    ]
    findings.sort(key=lambda f: (f.message_index, f.start, f.check))
    return Result(
        score=scoring.score(findings),
        version=lexicon.version(conversation.rules.revision),
        findings=tuple(findings),
        sentiment=tuple(points),
    )
