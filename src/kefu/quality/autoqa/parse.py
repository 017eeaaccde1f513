"""A conversation given as JSON (the `kefu qa check --file` shape) → the core's `Conversation`.

Pure: no Django. Every refusal names the field (`messages[3].at`) so the command can say what to
fix; docs/quality-autoqa.md documents the shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kefu.quality.autoqa.model import DEFAULT_GREETING, Author, Conversation, Direction, Message, Rules, Sla

MAX_MESSAGES = 5000
MAX_TEXT = 20000
MAX_LIST = 500


class InputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _text(value: Any, field: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise InputError(field, "must be a string")
    if len(value) > limit:
        raise InputError(field, f"at most {limit} characters")
    return value


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InputError(field, f"must be a list of at most {MAX_LIST} strings")
    return tuple(_text(v, f"{field}[{i}]", limit=200).strip() for i, v in enumerate(value) if str(v).strip())


def _seconds(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 30 * 86400:
        raise InputError(field, "must be a whole number of seconds, 1 to 2592000")
    return value


def _at(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise InputError(field, "must be an ISO 8601 date and time")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(field, "must be an ISO 8601 date and time") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _choice(value: Any, field: str, choices: type[Direction] | type[Author]) -> Any:
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(c.value for c in choices)
        raise InputError(field, f"must be one of {allowed}") from None


def rules_from(data: Any, field: str = "rules", *, revision: int = 0) -> Rules:
    if data is None:
        return Rules(revision=revision)
    if not isinstance(data, dict):
        raise InputError(field, "must be an object")
    template = data.get("greeting_template")
    return Rules(
        forbidden_words=_strings(data.get("forbidden_words"), f"{field}.forbidden_words"),
        forbidden_promises=_strings(data.get("forbidden_promises"), f"{field}.forbidden_promises"),
        greeting_template=DEFAULT_GREETING
        if template is None
        else _text(template, f"{field}.greeting_template", limit=300),
        shop_aliases=_strings(data.get("shop_aliases"), f"{field}.shop_aliases"),
        closing_phrases=_strings(data.get("closing_phrases"), f"{field}.closing_phrases"),
        revision=revision,
    )


def conversation_from(data: Any, *, rules: Rules | None = None) -> Conversation:
    """`rules` given (a stored client's): they replace the file's own `rules`."""
    if not isinstance(data, dict):
        raise InputError("(root)", "must be a JSON object")
    raw = data.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InputError("messages", "must be a non-empty list")
    if len(raw) > MAX_MESSAGES:
        raise InputError("messages", f"at most {MAX_MESSAGES} messages")
    messages = []
    for i, item in enumerate(raw):
        field = f"messages[{i}]"
        if not isinstance(item, dict):
            raise InputError(field, "must be an object")
        for key in ("direction", "author", "text", "at"):
            if key not in item:
                raise InputError(f"{field}.{key}", "is required")
        messages.append(
            Message(
                direction=_choice(item["direction"], f"{field}.direction", Direction),
                author=_choice(item["author"], f"{field}.author", Author),
                text=_text(item["text"], f"{field}.text"),
                at=_at(item["at"], f"{field}.at"),
                redacted=_strings(item.get("redacted"), f"{field}.redacted"),
            )
        )
    sla = data.get("sla") or {}
    if not isinstance(sla, dict):
        raise InputError("sla", "must be an object")
    return Conversation(
        messages=tuple(messages),
        shop_name=_text(data.get("shop_name", ""), "shop_name", limit=200),
        agent_name=_text(data.get("agent_name", ""), "agent_name", limit=200),
        rules=rules if rules is not None else rules_from(data.get("rules")),
        sla=Sla(
            first_response_s=_seconds(sla.get("first_response_s"), "sla.first_response_s"),
            next_response_s=_seconds(sla.get("next_response_s"), "sla.next_response_s"),
        ),
    )
