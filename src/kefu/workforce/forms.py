"""Forms of the workforce pages (shape only; rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.workforce import forecast as forecasting
from kefu.workforce.labels import METHOD_LABELS
from kefu.workforce.staffing import PLAN_DEFAULTS, PlanTargets


class HistoryUploadForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    file = forms.FileField(label=_("File (.csv or .xlsx)"))
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Detect from the file")), (5, "5"), (10, "10"), (15, "15"), (30, "30"), (60, "60")],
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients


class ForecastForm(forms.Form):
    horizon_days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=92, initial=14)
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m, METHOD_LABELS[m]) for m in (forecasting.AUTO, *forecasting.METHODS)],
        initial=forecasting.AUTO,
    )
    chinese_holidays = forms.BooleanField(
        label=_("Chinese holidays and adjusted workdays"), required=False, initial=True
    )


class StaffingForm(forms.Form):
    """Inputs of the staffing calculator; names match `kefu staffing` options."""

    calls = forms.FloatField(label=_("Contacts in the interval"), min_value=0, initial=100)
    interval = forms.FloatField(label=_("Interval (seconds)"), min_value=1, initial=1800)
    aht = forms.FloatField(label=_("Average handle time (seconds)"), min_value=1, initial=180)
    target_answer = forms.FloatField(label=_("Answer within (seconds)"), min_value=0, initial=20)
    target_sl = forms.FloatField(
        label=_("Service level target (0–1)"), min_value=0, max_value=1, required=False, initial=0.8
    )
    agents = forms.IntegerField(label=_("Or: evaluate this many agents"), min_value=0, required=False)
    max_occupancy = forms.FloatField(label=_("Max occupancy (0–1)"), required=False)
    shrinkage = forms.FloatField(
        label=_("Shrinkage (0–1)"), min_value=0, max_value=0.99, required=False, initial=0.3
    )
    patience = forms.FloatField(label=_("Mean patience (seconds, Erlang A)"), required=False)
    max_abandon = forms.FloatField(label=_("Max abandonment (0–1)"), required=False)


class EventForecastForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"), coerce=int, choices=[(15, "15"), (30, "30"), (60, "60")], initial=30
    )
    horizon_days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=92, initial=14)

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients


class CampaignForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=80)
    start_date = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    multiplier = forms.FloatField(
        label=_("Expected multiplier"),
        required=False,
        help_text=_("Leave empty to learn it from past campaigns in the history."),
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients


class StaffingPlanForm(forms.Form):
    """Targets of a staffing plan, pre-filled with those of the plan on show (else `PLAN_DEFAULTS`),
    so the figures above the form are the figures it submits."""

    aht_s = forms.FloatField(label=_("Average handle time (seconds)"))
    target_answer_s = forms.FloatField(label=_("Answer within (seconds)"))
    target_sl = forms.FloatField(label=_("Service level target (0–1)"))
    shrinkage = forms.FloatField(label=_("Shrinkage (0–1)"))
    concurrency = forms.IntegerField(label=_("Chats per agent at once"))

    def __init__(self, *args: Any, targets: PlanTargets = PLAN_DEFAULTS, **kwargs: Any) -> None:
        # 240, not 240.0: whole numbers read as typed
        initial = {k: int(v) if float(v).is_integer() else v for k, v in targets.as_dict().items()}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class SeatEstimateForm(forms.Form):
    daily_inquiries = forms.FloatField(label=_("Average inquiries per day"), min_value=0)
    service_hours = forms.FloatField(
        label=_("Service hours per day"), min_value=0.5, max_value=24, initial=15
    )
    campaign_multiplier = forms.FloatField(label=_("Campaign-day volume multiple"), min_value=0.1, initial=1)
    campaign_days_per_month = forms.FloatField(
        label=_("Campaign days per month"), min_value=0, max_value=30, initial=0
    )
    per_seat_daily_capacity = forms.FloatField(
        label=_("Inquiries one seat handles per day"),
        required=False,
        # xgettext:no-python-format
        help_text=_("Leave empty for the default: 20 chats an hour × 8 hours × 80% occupancy = 128."),
    )
