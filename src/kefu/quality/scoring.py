"""Scorecard arithmetic: a definition (sections of weighted criteria) and answers give a 0–100 score.

Pure: no Django, so the rules are stated once, tested with hypothesis and reused by the
service, the API, the review page and the demo. The rules (docs/quality-reviews.md):

- every criterion is answered on its scale: `yes_no` ("y", "n"), `yes_no_partial` ("y", "p",
  "n") or `one_to_five` (1–5); its value is y = 1, p = 0.5, n = 0, and (k − 1) / 4 for k on 1–5;
- a criterion that allows it may be answered "na"; its weight then leaves the sum and the other
  applicable criteria share the score in proportion to their own weights (score = 100 × Σ wᵢvᵢ /
  Σ wᵢ over the applicable, non-fatal criteria); when nothing applicable is left there is no score;
- a fatal item (致命项: leaking customer data, rudeness, a wrong refund promise) carries no weight:
  it is a yes/no check whose "n" makes the whole review 0, whatever the other answers;
- a failed answer (n, p, or 1–2 on 1–5) needs a comment naming what went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCALES = ("yes_no", "yes_no_partial", "one_to_five")
NA = "na"
ANSWERS_BY_SCALE: dict[str, tuple[Any, ...]] = {
    "yes_no": ("y", "n"),
    "yes_no_partial": ("y", "p", "n"),
    "one_to_five": (1, 2, 3, 4, 5),
}
MAX_WEIGHT = 1000
MAX_CRITERIA = 100


def gettext_noop(message: str) -> str:
    """Marks a message for translation without Django (makemessages knows this name); the
    service translates it when it reports the error."""
    return message


class DefinitionError(ValueError):
    """A scorecard definition that cannot be scored: a translatable message (with `%(name)s`
    parameters) and, from the editor's text, the line at fault."""

    def __init__(self, message: str, where: str = "", *, line: int | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.where = where
        self.line = line
        self.params = params


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    weight: int
    scale: str = "yes_no"
    allow_na: bool = False
    fatal: bool = False
    description: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Definition:
    sections: tuple[Section, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


@dataclass(frozen=True)
class Result:
    score: float | None  # None: every weighted criterion was N/A
    fatal: bool
    failed: tuple[str, ...] = ()  # criterion ids answered below standard
    unanswered: tuple[str, ...] = ()
    missing_comments: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()  # an answer not on the criterion's scale (or N/A where not allowed)
    section_scores: dict[str, float | None] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not (self.unanswered or self.missing_comments or self.invalid) and (self.score is not None)


def parse_definition(data: Mapping[str, Any]) -> Definition:
    """A definition from its stored JSON, checked: unique ids, known scales, positive weights on
    every non-fatal criterion, fatal items on the yes/no scale, at least one weighted criterion."""
    sections_data = data.get("sections") if isinstance(data, Mapping) else None
    if not isinstance(sections_data, list) or not sections_data:
        raise DefinitionError(gettext_noop("A scorecard needs at least one section."), "sections")
    seen: set[str] = set()
    sections = []
    for s_index, raw_section in enumerate(sections_data):
        where = f"sections[{s_index}]"
        if not isinstance(raw_section, Mapping):
            raise DefinitionError(gettext_noop("A section is an object."), where)
        title = str(raw_section.get("title") or "").strip()
        raw_criteria = raw_section.get("criteria")
        if not title:
            raise DefinitionError(gettext_noop("Each section needs a title."), where)
        if not isinstance(raw_criteria, list) or not raw_criteria:
            raise DefinitionError(gettext_noop("Each section needs at least one criterion."), where)
        criteria = []
        for c_index, raw in enumerate(raw_criteria):
            cwhere = f"{where}.criteria[{c_index}]"
            if not isinstance(raw, Mapping):
                raise DefinitionError(gettext_noop("A criterion is an object."), cwhere)
            criterion = _criterion(raw, cwhere, default_id=f"c{len(seen) + 1}")
            if criterion.id in seen:
                raise DefinitionError(gettext_noop("Criterion ids must be unique."), cwhere)
            seen.add(criterion.id)
            criteria.append(criterion)
        section_id = str(raw_section.get("id") or f"s{s_index + 1}")
        sections.append(Section(id=section_id, title=title, criteria=tuple(criteria)))
    definition = Definition(sections=tuple(sections))
    if len(definition.criteria) > MAX_CRITERIA:
        raise DefinitionError(gettext_noop("At most %(n)d criteria."), "sections", n=MAX_CRITERIA)
    if not any(not c.fatal for c in definition.criteria):
        raise DefinitionError(
            gettext_noop("A scorecard needs at least one weighted (non-fatal) criterion."), "sections"
        )
    return definition


def _criterion(raw: Mapping[str, Any], where: str, *, default_id: str) -> Criterion:
    title = str(raw.get("title") or "").strip()
    if not title:
        raise DefinitionError(gettext_noop("Each criterion needs a title."), where)
    scale = str(raw.get("scale") or "yes_no")
    if scale not in SCALES:
        raise DefinitionError(gettext_noop("Unknown scale."), where)
    fatal = bool(raw.get("fatal", False))
    weight = raw.get("weight", 0 if fatal else 1)
    if isinstance(weight, bool) or not isinstance(weight, int):
        raise DefinitionError(gettext_noop("A weight is a whole number."), where)
    if fatal:
        if scale != "yes_no":
            raise DefinitionError(gettext_noop("A fatal item is answered yes or no."), where)
        weight = 0
    elif not 1 <= weight <= MAX_WEIGHT:
        raise DefinitionError(gettext_noop("A weight is from 1 to %(n)d."), where, n=MAX_WEIGHT)
    return Criterion(
        id=str(raw.get("id") or default_id),
        title=title,
        weight=weight,
        scale=scale,
        allow_na=bool(raw.get("allow_na", False)) and not fatal,
        fatal=fatal,
        description=str(raw.get("description") or ""),
    )


def definition_to_json(definition: Definition) -> dict[str, Any]:
    return {
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "criteria": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "weight": c.weight,
                        "scale": c.scale,
                        "allow_na": c.allow_na,
                        "fatal": c.fatal,
                        "description": c.description,
                    }
                    for c in s.criteria
                ],
            }
            for s in definition.sections
        ]
    }


def normalize_answer(criterion: Criterion, answer: Any) -> Any:
    """The answer in its stored form ("y"/"p"/"n"/"na" or an int 1–5), or None when it does not
    fit the criterion's scale. Accepts "1".."5" as text (forms and keyboard)."""
    if answer is None or answer == "":
        return None
    if isinstance(answer, str):
        answer = answer.strip().lower()
        if answer == NA:
            return NA if criterion.allow_na else None
        if criterion.scale == "one_to_five" and answer.isdigit():
            answer = int(answer)
    if isinstance(answer, bool):
        return None
    return answer if answer in ANSWERS_BY_SCALE[criterion.scale] else None


def value(criterion: Criterion, answer: Any) -> float:
    """The share of the criterion's weight an answer earns, 0–1."""
    if criterion.scale == "one_to_five":
        return (int(answer) - 1) / 4
    return {"y": 1.0, "p": 0.5, "n": 0.0}[answer]


def is_failed(criterion: Criterion, answer: Any) -> bool:
    """Below standard: needs a comment (and is what a defect count counts)."""
    if answer in (None, NA):
        return False
    if criterion.scale == "one_to_five":
        return int(answer) <= 2
    return answer in ("n", "p")


def score(
    definition: Definition,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
) -> Result:
    """Score answers (criterion id → answer) against a definition; see the module docstring."""
    comments = comments or {}
    earned = possible = 0.0
    fatal = False
    failed: list[str] = []
    unanswered: list[str] = []
    missing: list[str] = []
    invalid: list[str] = []
    section_scores: dict[str, float | None] = {}
    for section in definition.sections:
        s_earned = s_possible = 0.0
        for criterion in section.criteria:
            raw = answers.get(criterion.id)
            if raw is None or raw == "":
                unanswered.append(criterion.id)
                continue
            answer = normalize_answer(criterion, raw)
            if answer is None:
                invalid.append(criterion.id)
                continue
            if answer == NA:
                continue
            if is_failed(criterion, answer):
                failed.append(criterion.id)
                if not str(comments.get(criterion.id) or "").strip():
                    missing.append(criterion.id)
            if criterion.fatal:
                fatal = fatal or answer == "n"
                continue
            s_earned += criterion.weight * value(criterion, answer)
            s_possible += criterion.weight
        section_scores[section.id] = _percent(s_earned, s_possible)
        earned += s_earned
        possible += s_possible
    total = _percent(earned, possible)
    if fatal:
        total = 0.0
    return Result(
        score=total,
        fatal=fatal,
        failed=tuple(failed),
        unanswered=tuple(unanswered),
        missing_comments=tuple(missing),
        invalid=tuple(invalid),
        section_scores=section_scores,
    )


def _percent(earned: float, possible: float) -> float | None:
    if possible <= 0:
        return None
    return round(min(100.0, max(0.0, 100.0 * earned / possible)), 2)


# --- the editor's text form ------------------------------------------------------------------
SCALE_TOKENS = {"yn": "yes_no", "ynp": "yes_no_partial", "1-5": "one_to_five", "15": "one_to_five"}
TOKEN_BY_SCALE = {"yes_no": "yn", "yes_no_partial": "ynp", "one_to_five": "1-5"}


def parse_lines(text: str, *, previous: Definition | None = None) -> dict[str, Any]:
    """The scorecard editor's text: `# section` lines, then one criterion a line,
    `title | weight | scale | na | fatal` (after the title, in any order: a number is the weight,
    `yn`/`ynp`/`1-5` the scale, `na` allows N/A, `fatal` makes it a fatal item). A criterion whose
    title was in `previous` keeps its id, so answers stay comparable across versions."""
    known = {c.title: c.id for c in previous.criteria} if previous else {}
    used = set(known.values())
    counter = 0

    def new_id() -> str:
        nonlocal counter
        while True:
            counter += 1
            if f"c{counter}" not in used:
                used.add(f"c{counter}")
                return f"c{counter}"

    sections: list[dict[str, Any]] = []
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("#"):
            sections.append(
                {"id": f"s{len(sections) + 1}", "title": line.lstrip("#").strip(), "criteria": []}
            )
            continue
        if not sections:
            raise DefinitionError(gettext_noop("Start with a section line: # title"), line=number)
        parts = [p.strip() for p in line.split("|")]
        criterion: dict[str, Any] = {"title": parts[0], "scale": "yes_no", "allow_na": False, "fatal": False}
        for token in (p.lower() for p in parts[1:] if p):
            if token.isdigit():
                criterion["weight"] = int(token)
            elif token in SCALE_TOKENS:
                criterion["scale"] = SCALE_TOKENS[token]
            elif token in ("na", "n/a"):
                criterion["allow_na"] = True
            elif token in ("fatal", "致命"):
                criterion["fatal"] = True
            else:
                raise DefinitionError(gettext_noop("Unknown word “%(word)s”."), line=number, word=token)
        criterion["id"] = known.get(parts[0]) or new_id()
        sections[-1]["criteria"].append(criterion)
    data = {"sections": sections}
    return definition_to_json(parse_definition(data))


def to_lines(definition: Definition) -> str:
    lines = []
    for section in definition.sections:
        lines.append(f"# {section.title}")
        for c in section.criteria:
            parts = [c.title]
            if c.fatal:
                parts.append("fatal")
            else:
                parts += [str(c.weight), TOKEN_BY_SCALE[c.scale]]
                if c.allow_na:
                    parts.append("na")
            lines.append(" | ".join(parts))
    return "\n".join(lines)
