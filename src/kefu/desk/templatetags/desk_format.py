"""Durations as people read them in the workspace: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def short_duration(seconds: object) -> str:
    """Seconds in the largest two units that matter, never broken over two lines; "" for no value."""
    return _duration(seconds).replace(" ", "\u00a0")


def _duration(seconds: object) -> str:
    if seconds is None or seconds == "":
        return ""
    try:
        total = max(int(seconds), 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    if total < 60:
        return _("%(s)d s") % {"s": total}
    minutes = total // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
