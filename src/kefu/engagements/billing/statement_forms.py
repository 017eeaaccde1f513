"""Forms of the sales statement pages; the services check everything again (the API has no forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class StatementUploadForm(forms.Form):
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int)
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )
    file = forms.FileField(
        label=_("The shop's sales export (.csv or .xlsx)"),
        required=False,
        help_text=_(
            "One row per order: order number, order time, paid amount, refunded amount (optional), "
            "agent (optional). Chinese or English headers."
        ),
    )
    # the previewed file, carried to the import step (parsed and checked again there)
    content_b64 = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, contracts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = contracts


class StatementDisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you dispute this statement?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
