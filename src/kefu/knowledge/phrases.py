"""Filling a quick phrase's variables: pure, no Django.

`{customer_name}` style placeholders are replaced by plain substitution, never by
`str.format`, so a phrase cannot reach attributes (`{x.__class__}`) or indexes
(`{x[0]}`). A variable may carry its own fallback text after a bar: `{customer_name|亲}`
becomes 亲 when the name is unknown, and `{customer_name|}` drops the variable. A variable
with neither a value nor a fallback stays exactly as written: the reply box warns about it
and the desk refuses to send a body that still holds one (`unfilled`), so a customer never
receives a raw `{order_number}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "FALLBACK_MAX",
    "SHORTCUT",
    "VARIABLES",
    "normalize_shortcut",
    "render",
    "unfilled",
    "variables_in",
]

#: The variables the workspace fills, in the order the editor lists them.
VARIABLES: tuple[str, ...] = ("customer_name", "agent_name", "order_number", "client_name")

#: Longest fallback text a variable may carry (`{customer_name|亲爱的顾客}`); the pattern below spells it.
FALLBACK_MAX = 40

# `{name}` or `{name|fallback}`; the fallback holds no braces, bars or line breaks.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,39})(?:\|([^{}|\r\n]{0,40}))?\}")

#: What a shortcut may contain once the leading slash is dropped: `tk`, `wl-1`, `退款`.
SHORTCUT = re.compile(r"[\w\-]{1,20}")


def render(body: str, values: Mapping[str, object]) -> str:
    """The body with every variable that has a non-empty value filled, every other one
    with a fallback (`{name|text}`) replaced by its fallback; everything else verbatim.

    Values are inserted as they are (no further expansion), so a customer called
    `{agent_name}` does not turn into the agent's name.
    """

    def fill(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        value = values.get(name)
        text = "" if value is None else str(value)
        if text:
            return text
        if fallback is not None and name in VARIABLES:
            return fallback
        return match.group(0)

    return _PLACEHOLDER.sub(fill, body)


def variables_in(body: str) -> list[str]:
    """The placeholder names a body uses, first occurrence order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(body)))


def unfilled(body: str) -> list[str]:
    """The phrase variables (`VARIABLES`) still written as placeholders in a message body,
    with or without a fallback, first occurrence order: a body holding any of them must not
    reach a customer. Braces around other words (`{退款}`, `{json}`) are the agent's text."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(body) if m.group(1) in VARIABLES))


def normalize_shortcut(value: str) -> str:
    """`/TK ` → `tk`; returns "" for an empty value and raises ValueError for a bad one."""
    text = value.strip().lstrip("/").strip().casefold()
    if not text:
        return ""
    if not SHORTCUT.fullmatch(text):
        raise ValueError(text)
    return text
