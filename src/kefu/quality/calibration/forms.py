"""Forms of the calibration pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    conversation_ids = forms.TypedMultipleChoiceField(
        label=_("Conversations"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    reviewer_ids = forms.TypedMultipleChoiceField(
        label=_("Reviewers"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    expert_id = forms.TypedChoiceField(
        label=_("Expert (reference answers)"), coerce=int, required=False, empty_value=None
    )
    due_at = forms.DateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    def __init__(
        self,
        *args: object,
        conversations: list[tuple[int, str]],
        reviewers: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["conversation_ids"].choices = conversations
        self.fields["reviewer_ids"].choices = reviewers
        self.fields["expert_id"].choices = [("", _("None")), *reviewers]
