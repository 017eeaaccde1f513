"""Filling a quick phrase's variables: pure, no Django.

`{customer_name}` style placeholders are replaced by plain substitution, never by
`str.format`, so a phrase cannot reach attributes (`{x.__class__}`) or indexes
(`{x[0]}`), and braces that are not a known, filled variable stay exactly as written:
an agent sees `{order_number}` in the reply box and fills it by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["SHORTCUT", "VARIABLES", "normalize_shortcut", "render", "variables_in"]

#: The variables the workspace fills, in the order the editor lists them.
VARIABLES: tuple[str, ...] = ("customer_name", "agent_name", "order_number", "client_name")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,39})\}")

#: What a shortcut may contain once the leading slash is dropped: `tk`, `wl-1`, `退款`.
SHORTCUT = re.compile(r"[\w\-]{1,20}")


def render(body: str, values: Mapping[str, object]) -> str:
    """The body with every known, non-empty variable filled; everything else verbatim.

    Values are inserted as they are (no further expansion), so a customer called
    `{agent_name}` does not turn into the agent's name.
    """

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        text = str(value)
        return text if text else match.group(0)

    return _PLACEHOLDER.sub(fill, body)


def variables_in(body: str) -> list[str]:
    """The placeholder names a body uses, first occurrence order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(body)))


def normalize_shortcut(value: str) -> str:
    """`/TK ` → `tk`; returns "" for an empty value and raises ValueError for a bad one."""
    text = value.strip().lstrip("/").strip().casefold()
    if not text:
        return ""
    if not SHORTCUT.fullmatch(text):
        raise ValueError(text)
    return text
