"""Forms of the onboarding pages; the rules live in the services, the forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.engagements.onboarding.models import DiligenceStatus, ItemStatus, RiskCategory, RiskStatus, Side

_DATE = forms.DateInput(attrs={"type": "date"})


class ItemForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=_DATE)
    link = forms.CharField(label=_("Link to the files"), required=False, max_length=200)
    note = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PhaseForm(forms.Form):
    share_percent = forms.IntegerField(label=_("Share of the traffic (%)"), min_value=1, max_value=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=_DATE)


class BreakInForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=_DATE)
    ends_on = forms.DateField(label=_("Until"), widget=_DATE)
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: object, agents: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["agent"].choices = [("", _("Everyone on this client")), *agents]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file (.csv, .xlsx)"))


class RiskForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    title = forms.CharField(label=_("Risk"), max_length=160)
    likelihood = forms.TypedChoiceField(
        label=_("Likelihood"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], initial=3
    )
    impact = forms.TypedChoiceField(
        label=_("Impact"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], initial=3
    )
    owner_side = forms.ChoiceField(label=_("Owner's side"), choices=Side.choices)
    owner_name = forms.CharField(label=_("Owner"), max_length=60)
    mitigations = forms.CharField(
        label=_("Mitigations"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    review_every_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=1, max_value=365, initial=30
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=_DATE)


class RiskUpdateForm(RiskForm):
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)


class DiligenceForm(forms.Form):
    status = forms.ChoiceField(label=_("Finding"), choices=DiligenceStatus.choices)
    note = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
