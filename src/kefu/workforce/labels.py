"""Forecast method codes (stored on a run, printed by `kefu forecast`) in words people read,
translated (zh-Hans, en). The codes stay stable in the database, the API and the CLI."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.workforce import forecast

METHOD_LABELS = {
    forecast.AUTO: _("Best by backtest"),
    "seasonal_naive": _("Same time last week (seasonal naive)"),
    "profile_level": _("Weekly profile × recent level"),
    "holt_winters": _("Exponential smoothing (Holt-Winters)"),
    "median_profile": _("Median of recent weeks"),
    "combined": _("Average of profile and smoothing"),
}


def method_label(code: str) -> str:
    """A forecast method in words; an unknown code (a method since retired) as stored."""
    return str(METHOD_LABELS.get(code, code))
