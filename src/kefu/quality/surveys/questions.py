"""The pure core of surveys: a question set in the editor's text form, the checking of one
customer's answers against it, and the NPS arithmetic. No Django, so it is cheap to test.

A question set is a list of further questions (CSAT and NPS are fixed, see `CSAT_SCALE` and
`NPS_SCALE`). The editor's text form has one question a line: `text | kind | options`, kind
`scale` (options `1-5` or `0-10`, any min-max within 0..10), `choice` (options separated by
`/`) or `text` (no options). Further questions are optional for the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CSAT_SCALE = (1, 5)
NPS_SCALE = (0, 10)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # 9–10 promoters, 0–6 detractors, 7–8 passives
KINDS = ("scale", "choice", "text")
MAX_QUESTIONS = 10
MAX_TEXT = 200
MAX_OPTIONS = 12
MAX_ANSWER_TEXT = 1000


def gettext_noop(message: str) -> str:
    """Marks a message for extraction; the service translates it (this core imports no Django)."""
    return message


class DefinitionError(ValueError):
    """A question set that cannot be used; `message` is an English msgid with `params`."""

    def __init__(self, message: str, *, line: int | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message, self.line, self.params = message, line, params


class AnswerError(ValueError):
    """One answer that does not fit its question; `field` names the input."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.field, self.message, self.params = field, message, params


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    low: int = 0
    high: int = 0
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text, "kind": self.kind}
        if self.kind == "scale":
            data.update(low=self.low, high=self.high)
        if self.kind == "choice":
            data["options"] = list(self.options)
        return data


def _scale(options: str, line: int | None) -> tuple[int, int]:
    parts = options.replace("–", "-").split("-")
    try:
        low, high = (int(p.strip()) for p in parts)
    except ValueError:
        raise DefinitionError(gettext_noop("A scale needs a range such as 1-5 or 0-10."), line=line) from None
    if not 0 <= low < high <= 10:
        raise DefinitionError(gettext_noop("A scale needs a range such as 1-5 or 0-10."), line=line)
    return low, high


def question_from(raw: Mapping[str, Any], *, index: int, line: int | None = None) -> Question:
    """One question from its JSON form (or the parsed line); ids are `q1`, `q2`, … by position."""
    text = str(raw.get("text") or "").strip()
    kind = str(raw.get("kind") or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise DefinitionError(gettext_noop("A question of 1 to %(n)d characters."), line=line, n=MAX_TEXT)
    if kind not in KINDS:
        raise DefinitionError(gettext_noop("The kind is scale, choice or text."), line=line)
    qid = f"q{index + 1}"
    if kind == "scale":
        low, high = raw.get("low"), raw.get("high")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            raise DefinitionError(gettext_noop("A scale needs a range such as 1-5 or 0-10."), line=line)
        low, high = _scale(f"{low}-{high}", line)
        return Question(qid, text, kind, low=low, high=high)
    if kind == "choice":
        options = raw.get("options")
        if not isinstance(options, list | tuple):
            options = []
        cleaned = tuple(dict.fromkeys(str(o).strip() for o in options if str(o).strip()))
        if not 2 <= len(cleaned) <= MAX_OPTIONS or any(len(o) > MAX_TEXT for o in cleaned):
            raise DefinitionError(
                gettext_noop("A choice needs 2 to %(n)d options."), line=line, n=MAX_OPTIONS
            )
        return Question(qid, text, kind, options=cleaned)
    return Question(qid, text, kind)


def parse_questions(raw: Any) -> list[Question]:
    """The further questions from their JSON form (a list of objects)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DefinitionError(gettext_noop("The questions are a list."))
    if len(raw) > MAX_QUESTIONS:
        raise DefinitionError(gettext_noop("At most %(n)d further questions."), n=MAX_QUESTIONS)
    return [question_from(item if isinstance(item, Mapping) else {}, index=i) for i, item in enumerate(raw)]


def parse_lines(text: str) -> list[Question]:
    """The further questions from the editor's text form (`text | kind | options` a line)."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_QUESTIONS:
        raise DefinitionError(gettext_noop("At most %(n)d further questions."), n=MAX_QUESTIONS)
    questions = []
    for index, (number, line) in enumerate(lines):
        parts = [p.strip() for p in line.split("|")]
        text_part, kind = parts[0], (parts[1] if len(parts) > 1 else "text").lower()
        options = parts[2] if len(parts) > 2 else ""
        raw: dict[str, Any] = {"text": text_part, "kind": kind}
        if kind == "scale":
            raw["low"], raw["high"] = _scale(options or "1-5", number)
        elif kind == "choice":
            raw["options"] = [o for o in options.replace("／", "/").split("/")]
        questions.append(question_from(raw, index=index, line=number))
    return questions


def to_lines(questions: Iterable[Question]) -> str:
    """The editor's text form of a question set (what `parse_lines` reads back)."""
    out = []
    for q in questions:
        if q.kind == "scale":
            out.append(f"{q.text} | scale | {q.low}-{q.high}")
        elif q.kind == "choice":
            out.append(f"{q.text} | choice | {' / '.join(q.options)}")
        else:
            out.append(f"{q.text} | text")
    return "\n".join(out)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def score_in(value: Any, scale: tuple[int, int], *, field: str, required: bool = True) -> int | None:
    """An integer answer on `scale` (strings of digits from a form count); None when left empty
    and not required."""
    if value in (None, "") and not required:
        return None
    number = _integer(value)
    if number is None or not scale[0] <= number <= scale[1]:
        raise AnswerError(
            field, gettext_noop("Choose a score from %(low)d to %(high)d."), low=scale[0], high=scale[1]
        )
    return number


def check_answers(questions: Iterable[Question], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The further answers, checked: {question id: int | option | text}; empty ones are left out,
    unknown ids ignored."""
    answers: dict[str, Any] = {}
    for q in questions:
        value = raw.get(q.id)
        if value in (None, ""):
            continue
        if q.kind == "scale":
            answers[q.id] = score_in(value, (q.low, q.high), field=q.id)
        elif q.kind == "choice":
            if not isinstance(value, str) or value not in q.options:
                raise AnswerError(q.id, gettext_noop("Choose one of the options."))
            answers[q.id] = value
        else:
            if not isinstance(value, str):
                raise AnswerError(q.id, gettext_noop("The input is not valid."))
            value = value.strip()
            if len(value) > MAX_ANSWER_TEXT:
                raise AnswerError(
                    q.id, gettext_noop("At most %(length)d characters."), length=MAX_ANSWER_TEXT
                )
            if value:
                answers[q.id] = value
    return answers


def nps_class(score: int) -> int:
    """+1 promoter (9–10), 0 passive (7–8), −1 detractor (0–6)."""
    if score >= PROMOTER_MIN:
        return 1
    if score <= DETRACTOR_MAX:
        return -1
    return 0


@dataclass(frozen=True)
class NpsSummary:
    value: float | None  # % promoters − % detractors; None without answers
    count: int
    promoters: int
    passives: int
    detractors: int


def nps_summary(scores: Iterable[int]) -> NpsSummary:
    classes = [nps_class(s) for s in scores]
    promoters, detractors = classes.count(1), classes.count(-1)
    count = len(classes)
    value = 100.0 * (promoters - detractors) / count if count else None
    return NpsSummary(value, count, promoters, count - promoters - detractors, detractors)
