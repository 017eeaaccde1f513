"""Forms of the complaints pages: raise, triage, move, call back, add a category."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.quality.models import CallbackOutcome, ComplaintSeverity, ComplaintStatus

STATUS_CHOICES = ComplaintStatus.choices
SEVERITY_CHOICES = ComplaintSeverity.choices
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _choices(pairs: list[tuple[int, str]], empty: Any) -> list[tuple[Any, Any]]:
    return [("", empty), *pairs]


class ComplaintForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]] | None = None,
        categories: list[tuple[int, str]] | None = None,
        owners: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if clients:
            self.fields["client"] = forms.TypedChoiceField(
                label=_("Client"), choices=_choices(clients, _("From the conversation or case")),
                coerce=int, required=False, empty_value=None,
            )  # fmt: skip
        self.fields["category"].choices = _choices(categories or [], _("Not chosen yet"))
        if owners:
            self.fields["owner"] = forms.TypedChoiceField(
                label=_("Owner"), choices=_choices(owners, _("Nobody yet")), coerce=int, required=False,
                empty_value=None,
            )  # fmt: skip
        else:
            del self.fields["owner"]
        self.order_fields(["subject", "severity", "client", "category", "owner"])

    subject = forms.CharField(label=_("Subject"), max_length=200)
    severity = forms.ChoiceField(label=_("Severity"), choices=ComplaintSeverity.choices, initial="medium")
    category = forms.TypedChoiceField(label=_("Root cause"), coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    customer_name = forms.CharField(label=_("Customer"), max_length=120, required=False)
    description = forms.CharField(
        label=_("What the customer complains about"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    conversation = forms.IntegerField(label=_("Conversation number"), required=False, min_value=1)
    case = forms.IntegerField(label=_("Case number"), required=False, min_value=1)


class TriageForm(forms.Form):
    def __init__(
        self, *args: Any, categories: list[tuple[int, str]], owners: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, _("Not chosen yet"))
        self.fields["owner"].choices = _choices(owners, _("Nobody yet"))

    severity = forms.ChoiceField(label=_("Severity"), choices=ComplaintSeverity.choices)
    category = forms.TypedChoiceField(label=_("Root cause"), coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME)


class StatusForm(forms.Form):
    def __init__(self, *args: Any, allowed: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, ComplaintStatus(s).label) for s in allowed]

    status = forms.ChoiceField(label=_("Move to"))
    resolution = forms.CharField(
        label=_("How it was resolved"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class CallbackForm(forms.Form):
    planned_at = forms.DateTimeField(label=_("Callback planned"), required=False, widget=DATETIME)
    outcome = forms.ChoiceField(
        label=_("Callback outcome"),
        choices=[("", _("Not called yet")), *CallbackOutcome.choices],
        required=False,
    )
    note = forms.CharField(label=_("Callback note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CategoryForm(forms.Form):
    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients:
            self.fields["client"] = forms.TypedChoiceField(label=_("Client"), choices=clients, coerce=int)
            self.order_fields(["client", "name"])

    name = forms.CharField(label=_("Root cause"), max_length=60)
