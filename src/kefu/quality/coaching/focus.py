"""The score of a review on a coaching task's focus criteria: what the follow-up compares with the
score before. Pure (no Django).

Each answered, applicable focus criterion earns its value (yes 1, partly ½, no 0, k on 1–5
(k − 1) / 4), equally weighted, since coaching is about these criteria and not their weight on
the scorecard; a fatal item counts like any yes/no. N/A and criteria the review's scorecard does
not have are left out; with none left there is no score. Without focus criteria (a trend task
about the whole score) the review's own score is the focus score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kefu.quality import scoring


def focus_score(
    definition: scoring.Definition, answers: Mapping[str, Any], criteria: Sequence[str], overall: float | None
) -> float | None:
    if not criteria:
        return overall
    values = []
    for criterion_id in criteria:
        criterion = definition.criterion(criterion_id)
        answer = answers.get(criterion_id)
        if criterion is None or answer in (None, "", scoring.NA):
            continue
        if scoring.normalize_answer(criterion, answer) is None:
            continue
        values.append(scoring.value(criterion, answer))
    if not values:
        return None
    return round(100 * sum(values) / len(values), 2)


def covers(definition: scoring.Definition, answers: Mapping[str, Any], criteria: Sequence[str]) -> bool:
    """Whether a review answered at least one focus criterion (so it can be the follow-up)."""
    if not criteria:
        return True
    return any(
        definition.criterion(c) is not None and answers.get(c) not in (None, "", scoring.NA) for c in criteria
    )


def most_failed(
    reviews: Iterable[tuple[scoring.Definition, Mapping[str, Any]]], *, limit: int = 3
) -> list[str]:
    """The criteria failed most often across reviews (ties: scorecard order of the first seen):
    a trend task's default focus."""
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for definition, answers in reviews:
        for criterion in definition.criteria:
            order.setdefault(criterion.id, len(order))
            answer = answers.get(criterion.id)
            if answer is not None and scoring.is_failed(criterion, answer):
                counts[criterion.id] += 1
    return sorted(counts, key=lambda c: (-counts[c], order[c]))[:limit]


def trend_average(scores: Sequence[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return round(sum(present) / len(present), 2) if present else None
