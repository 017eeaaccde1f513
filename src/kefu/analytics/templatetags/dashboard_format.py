"""How a figure reads on a dashboard: its unit, a duration in words, a signed change."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def duration(seconds: float) -> str:
    """12 s, 4 min 05 s, 2 h 43 min: a time a person reads at a glance."""
    total = round(abs(seconds))
    sign = "−" if seconds < 0 and total else ""
    if total < 60:
        return sign + _("%(s)s s") % {"s": total}
    if total < 3600:
        return sign + _("%(m)s min %(s)02d s") % {"m": total // 60, "s": total % 60}
    return sign + _("%(h)s h %(m)02d min") % {"h": total // 3600, "m": total % 3600 // 60}


@register.filter
def figure(value: float | None, unit: str) -> str:
    """A value in its metric's unit; an em dash when there is nothing to compute it from."""
    if value is None:
        return "—"
    if unit == "s":
        return duration(value)
    if unit == "%":
        return f"{number_format(value, 1)} %"
    if unit == "conversations":
        return number_format(round(value), 0, force_grouping=True)
    return number_format(value, 1)


@register.filter
def change(value: float | None, unit: str) -> str:
    """A signed difference (+2.5 %, −12 s); percentages change by percentage points."""
    if value is None:
        return "—"
    if unit == "%":
        return ("+" if value >= 0 else "−") + _("%(n)s pp") % {"n": number_format(abs(value), 1)}
    text = figure(abs(value), unit)
    return ("+" if value >= 0 else "−") + text
