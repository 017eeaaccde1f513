"""Forms of the coaching pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TaskForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label=_("Focus criteria"), required=False, widget=forms.CheckboxSelectMultiple
    )
    coach_id = forms.TypedChoiceField(label=_("Coach"), coerce=int)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: object, criteria: list[tuple[str, str]], coaches: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["criteria"].choices = criteria
        self.fields["coach_id"].choices = coaches
        if not criteria:
            del self.fields["criteria"]


class TrendForm(forms.Form):
    threshold = forms.FloatField(label=_("Below"), min_value=1, max_value=100, initial=80)
    last = forms.IntegerField(label=_("Over the last reviews"), min_value=1, max_value=50, initial=5)


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Session time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class DoneForm(forms.Form):
    notes = forms.CharField(
        label=_("What was agreed"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
