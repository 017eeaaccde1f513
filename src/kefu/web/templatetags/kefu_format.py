"""Number formatting shared by the pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: object, digits: int = 1) -> str:
    """0.0755 → "7.6%"; empty for missing values (a dash is the template's choice)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if number != number:  # NaN
        return "—"
    return f"{number * 100:.{int(digits)}f}%"
