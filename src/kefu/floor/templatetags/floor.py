"""Small readings for the floor pages: an alarm's bound in words, a break's reason, an agent's
adherence from the wallboard."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kefu.floor.models import BELOW, Metric
from kefu.routing.models import BreakReason

register = template.Library()


@register.filter
def alarm_bound(alarm: Any) -> str:
    """ "below 80" / "above 5" for a threshold alarm."""
    if alarm.threshold is None:
        return ""
    value = f"{alarm.threshold:g}"
    return (_("below %(n)s") if alarm.metric in {m.value for m in BELOW} else _("above %(n)s")) % {"n": value}


@register.filter
def clock(seconds: Any) -> str:
    """Seconds as a running clock, "03:25" or "1:02:03" (the page keeps it ticking)."""
    try:
        total = max(int(float(seconds)), 0)
    except (TypeError, ValueError):
        return "–"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@register.filter
def break_reason(code: str) -> str:
    try:
        return str(BreakReason(code).label)
    except ValueError:
        return ""


@register.filter
def metric_label(code: str) -> str:
    try:
        return str(Metric(code).label)
    except ValueError:
        return code


@register.filter
def adherence_of(board: Any, user_id: int) -> float | None:
    for row in board.adherence:
        if row.user_id == user_id:
            return row.share
    return None
