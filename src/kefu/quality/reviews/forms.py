"""Forms of the quality pages: a scorecard in the editor's text form, a client's rules, a day
to sample, an appeal, a decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

CHANNEL_CHOICES = [
    ("", _("Every channel")),
    ("chat", _("Chat")),
    ("email", _("Email")),
    ("phone", _("Phone")),
    ("api", _("API")),
]

SCORECARD_HELP = _(
    "One “# section” line, then one criterion a line: title | weight | scale | na | fatal. "
    "Scales: yn (yes/no), ynp (yes/partial/no), 1-5. “na” lets the criterion be not applicable "
    "(its weight goes to the others); “fatal” makes it a fatal item (no weight; a “no” makes the "
    "score 0)."
)


class ScorecardForm(forms.Form):
    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"] = forms.TypedChoiceField(label=_("Client"), choices=clients, coerce=int)
            self.order_fields(["client"])

    name = forms.CharField(label=_("Name"), max_length=120)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES, required=False)
    text = forms.CharField(
        label=_("Sections and criteria"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=SCORECARD_HELP,
    )


class PolicyForm(forms.Form):
    percent_chat = forms.IntegerField(label=_("Chat (%)"), min_value=0, max_value=100)
    percent_email = forms.IntegerField(label=_("Email (%)"), min_value=0, max_value=100)
    percent_phone = forms.IntegerField(label=_("Phone (%)"), min_value=0, max_value=100)
    percent_api = forms.IntegerField(label=_("API (%)"), min_value=0, max_value=100)
    new_agent_days = forms.IntegerField(label=_("Break-in period (days)"), min_value=0, max_value=365)
    new_agent_percent = forms.IntegerField(
        label=_("Share reviewed in the break-in period (%)"), min_value=0, max_value=100
    )
    include_complaints = forms.BooleanField(label=_("Review every complaint"), required=False)
    include_low_ratings = forms.BooleanField(label=_("Review every rating of 2 or less"), required=False)
    due_days = forms.IntegerField(label=_("Days to finish a review"), min_value=0, max_value=30)
    appeal_window_days = forms.IntegerField(label=_("Days to appeal"), min_value=0, max_value=60)


class SampleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the review is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("upheld", _("Uphold the review")), ("amended", _("Amend the answers"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Explanation"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
