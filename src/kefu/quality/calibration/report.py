"""The calibration report from the reviewers' blind answers: agreement per criterion, the spread of
scores per conversation, each reviewer against the group and against the expert. Pure (no
Django): the service hands plain answers in, the page, the API and the CSV read the result.

Which statistic fits a criterion's scale: yes/no is nominal; yes/partly/no and 1–5 are ordinal
(partly lies between yes and no). % agreement counts N/A as an answer like any other (reviewers
who disagree on whether a criterion applies disagree); Krippendorff's alpha leaves N/A out on an
ordinal scale (it has no rank) and keeps it as a category on a nominal one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import mean, pstdev
from typing import Any

from kefu.quality import agreement, scoring

LEVEL_BY_SCALE = {"yes_no": "nominal", "yes_no_partial": "ordinal", "one_to_five": "ordinal"}
RANK = {"n": 0, "p": 1, "y": 2}  # yes/partly/no in order; 1–5 are their own ranks


@dataclass(frozen=True)
class Sheet:
    """One reviewer's submitted answers and score for one conversation."""

    conversation_id: int
    reviewer_id: int
    answers: Mapping[str, Any]
    score: float | None


@dataclass(frozen=True)
class CriterionAgreement:
    id: str
    title: str
    level: str
    units: int  # conversations with at least two answers
    percent: float | None  # % of agreeing pairs
    alpha: float | None  # None: undefined (nothing to pair, or everyone gave the same answer)
    expert_match: float | None  # % of the other reviewers' answers equal to the expert's


@dataclass(frozen=True)
class Spread:
    conversation_id: int
    scores: dict[int, float | None]  # reviewer → score
    low: float | None
    high: float | None
    mean: float | None
    deviation: float | None  # population standard deviation of the scores
    expert: float | None
    split: tuple[str, ...]  # criteria the reviewers answered differently

    @property
    def range(self) -> float | None:
        return None if self.low is None or self.high is None else round(self.high - self.low, 2)


@dataclass(frozen=True)
class ReviewerLine:
    reviewer_id: int
    sheets: int
    mean: float | None
    off_mean: float | None  # mean of (own score − the conversation's mean score)
    off_expert: float | None  # mean of (own score − the expert's score)
    expert_match: float | None  # % of answers equal to the expert's


@dataclass(frozen=True)
class Report:
    criteria: tuple[CriterionAgreement, ...]
    spreads: tuple[Spread, ...]
    reviewers: tuple[ReviewerLine, ...]
    percent: float | None  # over every criterion's pairs
    mean_alpha: float | None  # the criteria's alphas averaged (defined ones only)
    expert_id: int | None


def _rank(value: Any) -> Any:
    return RANK.get(value, value)


def _units(criterion: scoring.Criterion, sheets: Sequence[Sheet], level: str) -> tuple[list, list]:
    """Per conversation: every answer (for % agreement) and the answers alpha uses."""
    by_conversation: dict[int, list[Any]] = {}
    for sheet in sheets:
        answer = sheet.answers.get(criterion.id)
        if answer is not None and answer != "":
            by_conversation.setdefault(sheet.conversation_id, []).append(answer)
    everything = list(by_conversation.values())
    if level == "ordinal":
        ranked = [[_rank(a) for a in unit if a != scoring.NA] for unit in everything]
    else:
        ranked = everything
    return everything, ranked


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def build(definition: scoring.Definition, sheets: Sequence[Sheet], *, expert_id: int | None = None) -> Report:
    """The report of a session's submitted sheets (unsubmitted ones are left out by the caller)."""
    expert_answers = {s.conversation_id: s for s in sheets if s.reviewer_id == expert_id}
    criteria = []
    pairs_total = pairs_agreeing = 0.0
    for criterion in definition.criteria:
        level = LEVEL_BY_SCALE[criterion.scale]
        everything, ranked = _units(criterion, sheets, level)
        n_pairs = sum(len(u) * (len(u) - 1) / 2 for u in everything)
        percent = agreement.percent_agreement(everything)
        if percent is not None:
            pairs_total += n_pairs
            pairs_agreeing += n_pairs * percent / 100
        matches = [
            s.answers.get(criterion.id) == expert_answers[s.conversation_id].answers.get(criterion.id)
            for s in sheets
            if s.reviewer_id != expert_id
            and s.conversation_id in expert_answers
            and s.answers.get(criterion.id) is not None
        ]
        criteria.append(
            CriterionAgreement(
                id=criterion.id,
                title=criterion.title,
                level=level,
                units=sum(1 for u in everything if len(u) >= 2),
                percent=percent,
                alpha=_r(agreement.krippendorff_alpha(ranked, level=level), 3),
                expert_match=_r(100 * sum(matches) / len(matches)) if matches else None,
            )
        )
    spreads = []
    by_conversation: dict[int, list[Sheet]] = {}
    for sheet in sheets:
        by_conversation.setdefault(sheet.conversation_id, []).append(sheet)
    offsets: dict[int, list[float]] = {}
    expert_offsets: dict[int, list[float]] = {}
    for conversation_id, group in sorted(by_conversation.items()):
        scored = [s.score for s in group if s.score is not None]
        average = mean(scored) if scored else None
        expert = expert_answers.get(conversation_id)
        split = tuple(
            c.id
            for c in definition.criteria
            if len({str(s.answers.get(c.id)) for s in group if s.answers.get(c.id) is not None}) > 1
        )
        for s in group:
            if s.score is None or average is None:
                continue
            offsets.setdefault(s.reviewer_id, []).append(s.score - average)
            if expert is not None and expert.score is not None and s.reviewer_id != expert_id:
                expert_offsets.setdefault(s.reviewer_id, []).append(s.score - expert.score)
        spreads.append(
            Spread(
                conversation_id=conversation_id,
                scores={s.reviewer_id: s.score for s in group},
                low=min(scored) if scored else None,
                high=max(scored) if scored else None,
                mean=_r(average),
                deviation=_r(pstdev(scored)) if len(scored) >= 2 else None,
                expert=expert.score if expert else None,
                split=split,
            )
        )
    reviewers = []
    for reviewer_id in sorted({s.reviewer_id for s in sheets}):
        own = [s for s in sheets if s.reviewer_id == reviewer_id]
        scores = [s.score for s in own if s.score is not None]
        matched = total = 0
        if reviewer_id != expert_id:
            for s in own:
                reference = expert_answers.get(s.conversation_id)
                if reference is None:
                    continue
                for c in definition.criteria:
                    if s.answers.get(c.id) is not None and reference.answers.get(c.id) is not None:
                        total += 1
                        matched += s.answers[c.id] == reference.answers[c.id]
        reviewers.append(
            ReviewerLine(
                reviewer_id=reviewer_id,
                sheets=len(own),
                mean=_r(mean(scores)) if scores else None,
                off_mean=_r(mean(offsets[reviewer_id])) if offsets.get(reviewer_id) else None,
                off_expert=_r(mean(expert_offsets[reviewer_id])) if expert_offsets.get(reviewer_id) else None,
                expert_match=_r(100 * matched / total) if total else None,
            )
        )
    alphas = [c.alpha for c in criteria if c.alpha is not None]
    return Report(
        criteria=tuple(criteria),
        spreads=tuple(spreads),
        reviewers=tuple(reviewers),
        percent=_r(100 * pairs_agreeing / pairs_total) if pairs_total else None,
        mean_alpha=_r(mean(alphas), 3) if alphas else None,
        expert_id=expert_id,
    )
