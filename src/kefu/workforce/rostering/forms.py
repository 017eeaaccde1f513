"""Forms of the schedule pages (shape only; the rules live in `rostering`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")
_BREAK = re.compile(r"^\s*(\d+)\s*@\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[,;，；\n]+", text or "") if part.strip()]


class ShiftTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    segments = forms.CharField(
        label=_("Work time"),
        help_text=_(
            "e.g. 09:00-18:00, or 09:00-13:00, 18:00-22:00 for a split shift; 20:00-26:00 runs past midnight."
        ),
    )
    breaks = forms.CharField(
        label=_("Meal breaks"),
        required=False,
        help_text=_(
            "length@window, e.g. 60@11:00-13:30; 60@17:00-19:30 (unpaid; start placed in the window)."
        ),
    )
    days = forms.TypedMultipleChoiceField(
        label=_("Days allowed"),
        coerce=int,
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(range(7)),
    )
    client = forms.TypedChoiceField(label=_("Client"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Every client")), *clients]

    def clean_segments(self) -> list[list[str]]:
        spans = []
        for part in _split(self.cleaned_data["segments"]):
            match = _SPAN.match(part)
            if match is None:
                raise forms.ValidationError(_("Write times as HH:MM-HH:MM."))
            spans.append([match.group(1), match.group(2)])
        return spans

    def clean_breaks(self) -> list[dict[str, Any]]:
        rules = []
        for part in _split(self.cleaned_data["breaks"]):
            match = _BREAK.match(part)
            if match is None:
                raise forms.ValidationError(_("Write breaks as minutes@HH:MM-HH:MM."))
            rules.append(
                {"length": int(match.group(1)), "earliest": match.group(2), "latest": match.group(3)}
            )
        return rules


class AgentProfileForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Agent"), coerce=int)
    client = forms.TypedChoiceField(
        label=_("Dedicated to client"), coerce=int, required=False, empty_value=None
    )
    skills = forms.CharField(label=_("Queue skills"), help_text=_("Planning queue names, comma-separated."))
    min_hours_per_week = forms.FloatField(label=_("Contract hours per week, minimum"), initial=0, min_value=0)
    max_hours_per_week = forms.FloatField(
        label=_("Contract hours per week, maximum"), initial=40, min_value=0
    )
    hourly_cost = forms.FloatField(label=_("Cost per hour"), initial=30, min_value=0)
    max_consecutive_days = forms.IntegerField(label=_("Max consecutive days"), required=False)
    min_rest_hours = forms.FloatField(label=_("Min rest between shifts (hours)"), required=False)
    days_off_per_week = forms.IntegerField(label=_("Days off per week"), required=False)
    templates = forms.CharField(
        label=_("Shifts allowed"), required=False, help_text=_("Template names; empty: every shift.")
    )
    unavailable = forms.CharField(
        label=_("Unavailable"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line: a weekday 0–6 (0 = Monday) or a date, then HH:MM-HH:MM, e.g. 0 09:00-12:00."
        ),
    )
    leave = forms.CharField(
        label=_("Leave dates"), required=False, help_text=_("YYYY-MM-DD, comma-separated.")
    )

    def __init__(
        self, *args: Any, agents: list[tuple[int, str]], clients: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = agents
        self.fields["client"].choices = [("", _("Shared pool")), *clients]

    @staticmethod
    def initial_of(profile: Any) -> dict[str, Any]:
        """The form's values for a saved profile (its `skills` already read from routing)."""
        return {
            "user": profile.user_id,
            "client": profile.client_id or "",
            "skills": ", ".join(profile.skills),
            "min_hours_per_week": profile.min_hours_per_week,
            "max_hours_per_week": profile.max_hours_per_week,
            "hourly_cost": profile.hourly_cost,
            "max_consecutive_days": profile.max_consecutive_days,
            "min_rest_hours": profile.min_rest_hours,
            "days_off_per_week": profile.days_off_per_week,
            "templates": ", ".join(profile.templates),
            "unavailable": "\n".join(
                f"{w['weekday'] if w.get('weekday') is not None else w.get('date')} {w['start']}-{w['end']}"
                for w in profile.unavailable
            ),
            "leave": ", ".join(profile.leave),
        }

    def clean_skills(self) -> list[str]:
        return [s.strip() for s in _split(self.cleaned_data["skills"])]

    def clean_templates(self) -> list[str]:
        return [s.strip() for s in _split(self.cleaned_data["templates"])]

    def clean_leave(self) -> list[str]:
        return [s.strip() for s in _split(self.cleaned_data["leave"])]

    def clean_unavailable(self) -> list[dict[str, Any]]:
        windows = []
        for line in (self.cleaned_data["unavailable"] or "").splitlines():
            if not line.strip():
                continue
            head, _space, span = line.strip().partition(" ")
            match = _SPAN.match(span) if span else None
            if match is None:
                raise forms.ValidationError(_("Write each line as: weekday-or-date HH:MM-HH:MM."))
            entry: dict[str, Any] = {
                "start": match.group(1),
                "end": match.group(2),
                "weekday": None,
                "date": None,
            }
            if head.isdigit() and len(head) == 1:
                entry["weekday"] = int(head)
            else:
                entry["date"] = head
            windows.append(entry)
        return windows


class ScheduleCreateForm(forms.Form):
    QUEUE_ROWS = 3

    client = forms.TypedChoiceField(label=_("Client"), coerce=int, required=False, empty_value=None)
    week_start = forms.DateField(
        label=_("Week starting (Monday)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"), coerce=int, choices=[(15, "15"), (30, "30"), (60, "60")], initial=30
    )
    time_limit_s = forms.FloatField(
        label=_("Solver time limit (seconds)"), initial=30, min_value=1, max_value=120
    )
    templates = forms.TypedMultipleChoiceField(
        label=_("Shifts"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        plans: list[tuple[int, str]],
        templates: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Several clients")), *clients]
        self.fields["templates"].choices = templates
        for i in range(1, self.QUEUE_ROWS + 1):
            self.fields[f"queue_{i}"] = forms.CharField(label=_("Queue"), max_length=60, required=i == 1)
            self.fields[f"plan_{i}"] = forms.TypedChoiceField(
                label=_("Staffing plan"),
                coerce=int,
                required=i == 1,
                empty_value=None,
                choices=[("", "—"), *plans],
            )

    def queue_plans(self) -> dict[str, int]:
        found = {}
        for i in range(1, self.QUEUE_ROWS + 1):
            queue, plan = self.cleaned_data.get(f"queue_{i}"), self.cleaned_data.get(f"plan_{i}")
            if queue and plan:
                found[queue.strip()] = plan
        return found


class ShiftEditForm(forms.Form):
    template = forms.ChoiceField(label=_("Shift"), required=False)
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    break_starts = forms.CharField(
        label=_("Break starts"),
        required=False,
        help_text=_("HH:MM, comma-separated; empty: the earliest allowed."),
    )

    def __init__(self, *args: Any, templates: list[str], queues: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Day off"))] + [(t, t) for t in templates]
        self.fields["queue"].choices = [("", _("First skill"))] + [(q, q) for q in queues]

    def clean_break_starts(self) -> list[int] | None:
        parts = _split(self.cleaned_data["break_starts"])
        if not parts:
            return None
        starts = []
        for part in parts:
            hours, _colon, minutes = part.strip().partition(":")
            if not hours.isdigit() or not minutes.isdigit():
                raise forms.ValidationError(_("Write times as HH:MM."))
            starts.append(int(hours) * 60 + int(minutes))
        return starts


class ScheduleRequestForm(forms.Form):
    schedule = forms.TypedChoiceField(label=_("Week"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Request"),
        choices=[
            ("swap", _("Swap with a colleague")),
            ("leave", _("Leave")),
            ("change", _("Change my shift")),
        ],
    )
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    target_user = forms.TypedChoiceField(label=_("Colleague"), coerce=int, required=False, empty_value=None)
    target_template = forms.CharField(label=_("Shift wanted"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(
        self, *args: Any, schedules: list[tuple[int, str]], colleagues: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedule"].choices = schedules
        self.fields["target_user"].choices = [("", "—"), *colleagues]


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", "1"), ("0", "0")])
    note = forms.CharField(max_length=300, required=False)


def iso_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
