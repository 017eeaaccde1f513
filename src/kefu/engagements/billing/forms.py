"""Forms of the invoice pages; the services check everything again (the API has no forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

_TEXT = forms.Textarea(attrs={"rows": 3})


class InvoiceForm(forms.Form):
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int)
    period = forms.CharField(
        label=_("First month of the period"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )
    months = forms.IntegerField(
        label=_("Months"),
        min_value=1,
        max_value=12,
        required=False,
        help_text=_("Empty: the contract's payment terms (a quarter is three months)."),
    )

    def __init__(self, *args: Any, contracts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = contracts


class RecomputeForm(forms.Form):
    adjustment = forms.DecimalField(
        label=_("Correction (yuan, negative to reduce)"), max_digits=14, decimal_places=2, required=False
    )
    adjustment_note = forms.CharField(
        label=_("Reason for the correction"), required=False, max_length=2000, widget=_TEXT
    )


class SalesCorrectionForm(forms.Form):
    """Base + commission only: the confirmed statements' sales are billed; this corrects them."""

    sales_correction = forms.DecimalField(
        label=_("Sales correction (yuan of sales, negative to reduce)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Added to the confirmed statements' net sales; the commission is charged on it."),
    )
    sales_correction_note = forms.CharField(
        label=_("Reason for the sales correction"), required=False, max_length=2000, widget=_TEXT
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute this invoice?"), max_length=2000, widget=_TEXT)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("confirm", _("Confirm the invoice (issue it again unchanged)")),
            ("correct", _("Correct it (a new version to issue in its place)")),
        ],
    )
    note = forms.CharField(label=_("Answer to the client"), max_length=2000, widget=_TEXT)
