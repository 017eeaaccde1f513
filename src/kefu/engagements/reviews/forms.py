"""The forms of the review pages (the services check everything again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class GenerateForm(forms.Form):
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int)
    month = forms.CharField(label=_("Month (YYYY-MM)"), max_length=7)

    def __init__(self, *args: object, contracts: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contract"].choices = contracts  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Improvement action"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, owners: list[tuple[int, str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        provider, client = _("Provider"), _("Client")
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            (pk, f"{name} · {provider if side == 'provider' else client}") for pk, name, side in owners
        ]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("renew", _("Renew")), ("renegotiate", _("Renegotiate")), ("replace", _("Replace"))],
    )
    note = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
