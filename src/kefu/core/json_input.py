"""JSON from outside, as every interface should read it: what cannot be stored and read back is
refused before any service sees it.

Python's `json` accepts NaN and Infinity, integers of any size, `1e400` (infinity), unpaired
surrogates (`"\\ud800"`, which SQLite cannot encode and PostgreSQL refuses) and nesting until
the interpreter's recursion limit (RecursionError, not ValueError). The API's parser and the web
chat socket both read with `loads`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _

from kefu.core.errors import Invalid

BIGINT_MAX = 2**63 - 1  # the widest id column, and the widest integer SQLite and PostgreSQL store


class Unreadable(ValueError):
    """Not JSON at all, or nested deeper than can be read."""


def loads(text: str | bytes) -> Any:
    """Parse JSON; raise `Unreadable` (a ValueError) for what is not JSON and `Invalid`, naming
    the top-level field, for values no column can hold."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise Unreadable("nested too deeply") from None
    check_values(data)
    return data


def _no_constant(name: str) -> float:
    raise Invalid(_("Numbers must be finite: %(value)s is not accepted.") % {"value": name})


def check_values(data: Any) -> None:
    """Walk parsed JSON without recursion (it may be deep) and refuse text that is not valid
    Unicode, integers beyond 64 bits and floats that overflowed to infinity. (NUL in text is the
    owning service's to refuse, with its own message.)"""
    stack: list[tuple[Any, str | None]] = [(data, None)]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            check_text(item, field)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int | float):
            if (isinstance(item, int) and abs(item) > BIGINT_MAX) or not math.isfinite(item):
                raise Invalid(_("A number is out of range."), field=field)
        elif isinstance(item, dict):
            for key, value in item.items():
                stack.append((key, field or key))
                stack.append((value, field or key))
        elif isinstance(item, list):
            stack.extend((value, field) for value in item)


def check_text(text: str, field: str | None = None) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(_("Text must be valid Unicode: it has an unpaired surrogate."), field=field) from None
