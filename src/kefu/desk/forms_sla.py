"""Forms of the service hours and SLA page. Durations are typed the way people say them
("30s", "15m", "4h", "2d", "1h30m"; a bare number is minutes) and stored as business seconds;
hours are typed as ranges ("09:00-12:00, 13:00-18:00"). The services check the rest."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.desk.forms import CHANNELS

WEEKDAY_LABELS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
HOLIDAY_MODES = [
    ("closed", _("Closed on statutory holidays")),
    ("special", _("Special hours on statutory holidays")),
    ("weekly", _("Normal weekly hours on statutory holidays")),
]
HOURS_HELP = _("Ranges such as 09:00-12:00, 13:00-18:00; empty: closed.")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")


def parse_duration(text: str) -> int | None:
    """ "1h30m" → 5400; "45" → 2700 (minutes); "" → None; ValueError when unreadable."""
    raw = (text or "").strip().lower().replace(" ", "")
    if not raw:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return round(float(raw) * 60)
    if not re.fullmatch(r"(?:\d+(?:\.\d+)?[smhd])+", raw):
        raise ValueError(raw)
    return round(sum(float(n) * _UNITS[u] for n, u in _PART.findall(raw)))


def format_duration(seconds: int | None) -> str:
    """The inverse, shortest first: 5400 → "1h30m", 30 → "30s"; None → ""."""
    if seconds is None:
        return ""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


class DurationField(forms.CharField):
    default_error_messages = {"invalid": _("Write a duration such as 30s, 15m, 4h or 1h30m.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)  # the text's own checks (required, length) first
        try:
            return parse_duration(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class HoursField(forms.CharField):
    """Ranges as a list of strings; the services check each range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        raw = (super().clean(value) or "").replace("，", ",").replace(";", ",")
        return [part.strip() for part in raw.split(",") if part.strip()]


def hours_text(hours: list[str] | None) -> str:
    return ", ".join(hours or [])


class CalendarForm(forms.Form):
    tz = forms.CharField(label=_("Time zone"), max_length=60, initial="Asia/Shanghai")
    mon = HoursField(label=_("Monday"), help_text=HOURS_HELP)
    tue = HoursField(label=_("Tuesday"))
    wed = HoursField(label=_("Wednesday"))
    thu = HoursField(label=_("Thursday"))
    fri = HoursField(label=_("Friday"))
    sat = HoursField(label=_("Saturday"))
    sun = HoursField(label=_("Sunday"))
    chinese_holidays = forms.BooleanField(
        label=_("Follow the Chinese statutory holidays and adjusted workdays (调休)"), required=False
    )
    holiday_mode = forms.ChoiceField(label=_("On statutory holidays"), choices=HOLIDAY_MODES)
    holiday_hours = HoursField(label=_("Holiday hours"), help_text=_("Used with “special hours”."))
    overrides = forms.CharField(
        label=_("Date exceptions"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One date a line: 2026-10-08 closed, or 2026-10-11 09:00-18:00 (an extra workday, a shop event)."
        ),
    )
    meal_breaks = HoursField(label=_("Meal breaks"), help_text=_("e.g. 12:00-13:00"))
    covers_meals = forms.BooleanField(label=_("Staffed through meal breaks"), required=False)

    def clean_overrides(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for line in self.cleaned_data["overrides"].splitlines():
            line = line.strip()
            if not line:
                continue
            day, _sep, rest = line.partition(" ")
            try:
                key = date.fromisoformat(day.strip()).isoformat()
            except ValueError:
                raise forms.ValidationError(
                    _("Start each line with a date written YYYY-MM-DD, not %(line)s.") % {"line": line}
                ) from None
            rest = rest.strip()
            closed = rest.lower() in ("", "closed", "休息", "关闭", "不营业")
            parts = rest.replace("，", ",").split(",")
            result[key] = [] if closed else [p.strip() for p in parts if p.strip()]
        return result

    def calendar(self) -> dict[str, Any]:
        """The cleaned values as `services.service_calendar_set` takes them."""
        data = self.cleaned_data
        return {
            "tz": data["tz"].strip(),
            "weekly": {day: data[day] for day, _label in WEEKDAY_LABELS if data[day]},
            "chinese_holidays": data["chinese_holidays"],
            "holiday_mode": data["holiday_mode"],
            "holiday_hours": data["holiday_hours"],
            "overrides": data["overrides"],
            "meal_breaks": data["meal_breaks"],
            "covers_meals": data["covers_meals"],
        }

    @staticmethod
    def initial_from(view: dict[str, Any]) -> dict[str, Any]:
        """Form values of `selectors.service_calendar_view`."""
        weekly = view.get("weekly") or {}
        overrides = view.get("overrides") or {}
        return {
            "tz": view.get("tz"),
            **{day: hours_text(weekly.get(day)) for day, _label in WEEKDAY_LABELS},
            "chinese_holidays": view.get("chinese_holidays"),
            "holiday_mode": view.get("holiday_mode"),
            "holiday_hours": hours_text(view.get("holiday_hours")),
            "overrides": "\n".join(
                f"{day} {hours_text(hours) or 'closed'}" for day, hours in sorted(overrides.items())
            ),
            "meal_breaks": hours_text(view.get("meal_breaks")),
            "covers_meals": view.get("covers_meals"),
        }


DURATION_HELP = _("e.g. 30s, 15m, 4h, 1h30m (business time); a bare number is minutes.")


class SlaPolicyForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Every other channel")), *CHANNELS]
    )
    first_response_s = DurationField(label=_("First response"), help_text=DURATION_HELP)
    next_response_s = DurationField(label=_("Next response"), required=False)
    resolution_s = DurationField(label=_("Resolution"), required=False)
    l2_resolution_s = DurationField(label=_("Resolution by the client's L2 staff"), required=False)
    warn_percent = forms.IntegerField(
        label=_("Warn when this share of the target is left (%)"), min_value=0, max_value=99, initial=20
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # a policy's channel does not change: delete it and add another
            del self.fields["channel"]

    def policy(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["warn_ratio"] = data.pop("warn_percent") / 100
        return data

    @staticmethod
    def initial_from(policy: Any) -> dict[str, Any]:
        return {
            "first_response_s": format_duration(policy.first_response_s),
            "next_response_s": format_duration(policy.next_response_s),
            "resolution_s": format_duration(policy.resolution_s),
            "l2_resolution_s": format_duration(policy.l2_resolution_s),
            "warn_percent": round(policy.warn_ratio * 100),
        }
