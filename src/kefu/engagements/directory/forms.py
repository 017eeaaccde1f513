"""The provider's directory profile form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.engagements.quoting.forms import BUSINESS_TYPE_LABELS

CHANNEL_LABELS = {"chat": _("Online chat"), "phone": _("Phone"), "email": _("E-mail")}


class ListingForm(forms.Form):
    summary = forms.CharField(
        label=_("About us"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    services = forms.MultipleChoiceField(
        label=_("Services"),
        choices=list(BUSINESS_TYPE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=list(CHANNEL_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    qualifications = forms.CharField(
        label=_("Qualifications and certifications"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    references = forms.CharField(
        label=_("References"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    security = forms.CharField(
        label=_("Data-security posture"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    listed = forms.BooleanField(label=_("List us in the directory"), required=False)

    @classmethod
    def initial_from(cls, row: Any) -> dict[str, Any]:
        if row is None:
            return {}
        return {name: getattr(row, name) for name in cls.base_fields}
