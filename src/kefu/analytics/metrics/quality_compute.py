"""The quality figures' items (`qa_score`, `autoqa_score`): pure functions over event rows, no
Django, so the hand-computed tests need no database.

Human and automatic scores are never mixed: each metric reads its own event type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kefu.analytics.metrics.compute import Item


@dataclass(frozen=True)
class ScoreEvent:
    """One `review_finalised`, `review_rescored` or `autoqa_scored` event, as the query reads it."""

    id: int
    at: datetime
    conversation_id: int
    agent_id: int | None
    data: dict[str, Any]

    @property
    def score(self) -> float | None:
        value = self.data.get("score")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def review_id(self) -> int | None:
        value = self.data.get("review_id")
        return value if isinstance(value, int) else None


def qa_items(finalised: Iterable[ScoreEvent], rescored: Iterable[ScoreEvent]) -> list[Item]:
    """One item per review finalised in the period: its final score (the latest re-score on
    appeal, whenever it came, else the score it was submitted with), the reviewed agent's."""
    latest: dict[int, ScoreEvent] = {}
    for event in sorted(rescored, key=lambda e: (e.at, e.id)):
        if event.review_id is not None and event.score is not None:
            latest[event.review_id] = event
    items = []
    for event in finalised:
        if event.review_id is None:
            continue
        final = latest.get(event.review_id, event)
        if final.score is None:
            continue
        items.append(
            Item(
                f"review-{event.review_id}", event.at, final.score, 1.0, event.conversation_id, event.agent_id
            )
        )
    return items


def autoqa_items(scored: Iterable[ScoreEvent]) -> list[Item]:
    """One item per conversation auto-scored in the period: its last score of the period (a
    re-run replaces the stored result, so an earlier score of the same period no longer stands)."""
    last: dict[int, ScoreEvent] = {}
    for event in sorted(scored, key=lambda e: (e.at, e.id)):
        if event.score is not None:
            last[event.conversation_id] = event
    return [
        Item(str(e.conversation_id), e.at, e.score or 0.0, 1.0, e.conversation_id, e.agent_id)
        for e in last.values()
    ]
