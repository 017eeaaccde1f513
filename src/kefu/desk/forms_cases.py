"""Forms of the after-sales case pages (shape only; the workflow rules live in
`desk.services.cases`, whose errors come back on the form through `core.forms.form_error`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Choice values mirror desk.models.CaseType/CaseStatus (interfaces do not import models).
CASE_TYPES = [
    ("return", _("Return")),
    ("exchange", _("Exchange")),
    ("refund", _("Refund")),
    ("repair", _("Repair")),
    ("warranty", _("Warranty")),
    ("complaint", _("Complaint")),
    ("dispute", _("Dispute")),
]
CASE_STATUSES = [
    ("new", _("New")),
    ("in_progress", _("In progress")),
    ("waiting_customer", _("Waiting for the customer")),
    ("waiting_client", _("Waiting for the client")),
    ("resolved", _("Resolved")),
    ("closed", _("Closed")),
]
CASE_STATUS_LABELS = dict(CASE_STATUSES)
DUE_FILTERS = [
    ("", _("Any")),
    ("overdue", _("Overdue")),
    ("today", _("Due today")),
    ("week", _("Due within 7 days")),
    ("none", _("No due date")),
]
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *CASE_STATUSES])
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any")), *CASE_TYPES])
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE_FILTERS)
    client = forms.TypedChoiceField(label=_("Client"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, clients: list[tuple[int, str]], owners: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Any")), *clients]
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *[(str(pk), name) for pk, name in owners],
        ]
        if len(clients) < 2:
            del self.fields["client"]


def _owner_choices(owners: list[tuple[int, str]]) -> list[tuple[str, str]]:
    return [("", _("Nobody")), *[(str(pk), name) for pk, name in owners]]


class CaseCreateForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=CASE_TYPES)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        help_text=_("Empty: the conversation's subject."),
    )
    order_number = forms.CharField(label=_("Order number"), max_length=120, required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _owner_choices(owners)


class CaseEditForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _owner_choices(owners)


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=CASE_STATUSES)


class CaseResolveForm(forms.Form):
    code = forms.CharField(
        label=_("Resolution"),
        max_length=60,
        help_text=_("Choose one or type the client's own code."),
        widget=forms.TextInput(attrs={"list": "case-resolution-codes", "autocomplete": "off"}),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Refunded or compensated, if any."),
    )


class CaseLinkForm(forms.Form):
    conversation_id = forms.IntegerField(label=_("Conversation number"), min_value=1)
