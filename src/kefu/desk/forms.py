"""Forms of the agent workspace (shape only; rules live in the desk services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Choice values mirror desk.models (interfaces do not import models); services check them.
CHANNELS = [("chat", _("Chat")), ("email", _("Email")), ("phone", _("Phone")), ("api", _("API"))]
STATUSES = [
    ("new", _("New")),
    ("open", _("Open")),
    ("pending_customer", _("Pending customer")),
    ("pending_client", _("Pending client (L2)")),
    ("resolved", _("Resolved")),
    ("closed", _("Closed")),
]
PRIORITIES = [("low", _("Low")), ("normal", _("Normal")), ("high", _("High")), ("urgent", _("Urgent"))]
STATUS_LABELS = dict(STATUSES)


class InboxFilterForm(forms.Form):
    view = forms.CharField(required=False)
    client = forms.TypedChoiceField(label=_("Client"), coerce=int, required=False, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any")), *CHANNELS])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *STATUSES])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("Any")), *PRIORITIES])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Any")), *clients]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), strip=False)
    kind = forms.ChoiceField(choices=[("out", _("Reply")), ("note", _("Internal note"))], initial="out")
    phrase_ids = forms.CharField(required=False, max_length=200)

    def used_phrases(self) -> list[int]:
        raw = self.cleaned_data.get("phrase_ids") or ""
        return [int(p) for p in raw.split(",") if p.strip().isdigit()][:20]


class AssignForm(forms.Form):
    agent_id = forms.CharField(required=False)  # "" or "me": the actor; "none": back to the queue

    def agent(self, user_id: int | None) -> int | None:
        value = (self.cleaned_data.get("agent_id") or "me").strip()
        if value == "me":
            return user_id
        if value == "none":
            return None
        return int(value) if value.isdigit() else -1


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=STATUSES)
    category = forms.CharField(required=False, max_length=120)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
