"""Forms of the survey pages: a survey definition (further questions in the editor's text form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.quality.reviews.forms import CHANNEL_CHOICES

QUESTIONS_HELP = _(
    "Optional further questions, one a line: question | kind | options. Kinds: scale (options "
    "such as 1-5 or 0-10), choice (options separated by /), text (no options)."
)


class SurveyDefinitionForm(forms.Form):
    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"] = forms.TypedChoiceField(label=_("Client"), choices=clients, coerce=int)
            self.order_fields(["client"])

    name = forms.CharField(label=_("Name"), max_length=120)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES, required=False)
    csat_text = forms.CharField(label=_("Satisfaction question (1–5)"), max_length=200)
    ask_nps = forms.BooleanField(label=_("Ask the 0–10 recommendation question (NPS)"), required=False)
    nps_text = forms.CharField(label=_("Recommendation question (0–10)"), max_length=200, required=False)
    questions_text = forms.CharField(
        label=_("Further questions"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=QUESTIONS_HELP,
        required=False,
    )
    link_hours = forms.IntegerField(label=_("Link valid for (hours)"), min_value=1, max_value=720, initial=72)
    reminder_hours = forms.IntegerField(
        label=_("Reminder after (hours, 0: none)"), min_value=0, max_value=719, initial=24
    )
    auto_send = forms.BooleanField(
        label=_("Send the link automatically after e-mail conversations (by e-mail) and calls (by SMS)"),
        required=False,
    )
    send_delay_minutes = forms.IntegerField(
        label=_("Send after (minutes from resolving)"),
        min_value=0,
        max_value=1440,
        initial=30,
        required=False,
    )
