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
    agent = forms.TypedChoiceField(label=_("Agent"), coerce=int, required=False, empty_value=None)
    queue = forms.ChoiceField(label=_("Queue"), required=False)

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        agents: list[tuple[int, str]] | None = None,
        queues: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`agents` and `queues`: the leads' extra filters (left out for everyone else)."""
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Any")), *clients]
        if agents:
            self.fields["agent"].choices = [("", _("Any")), *agents]
        else:
            del self.fields["agent"]
        if queues:
            self.fields["queue"].choices = [("", _("Any")), *[(q, q) for q in queues]]
        else:
            del self.fields["queue"]


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
    # a standard status, or "custom:<id>" for one of the client's own statuses
    status = forms.CharField(max_length=40)
    category = forms.CharField(required=False, max_length=120)
    category_id = forms.IntegerField(required=False, min_value=1)
    resolution_code = forms.CharField(required=False, max_length=60)

    def clean_status(self) -> str:
        value = self.cleaned_data["status"]
        if value.startswith("custom:") and value[7:].isdigit():
            return value
        if value not in STATUS_LABELS:
            raise forms.ValidationError(_("Choose a status."))
        return value

    def target(self) -> tuple[str, int | None]:
        """(standard status or "", custom status id or None)."""
        value = self.cleaned_data["status"]
        if value.startswith("custom:"):
            return "", int(value[7:])
        return value, None


class TagsForm(forms.Form):
    add = forms.CharField(label=_("Add tags"), required=False, max_length=300)
    remove = forms.CharField(required=False, max_length=60)

    def added(self) -> list[str]:
        raw = (self.cleaned_data.get("add") or "").replace("，", ",")
        return [t.strip() for t in raw.split(",") if t.strip()]


class ResolutionCodeForm(forms.Form):
    code = forms.CharField(label=_("Resolution code"), required=False, max_length=60)


class ReadForm(forms.Form):
    seq = forms.IntegerField(required=False, min_value=0)


CUSTOM_STATUS_BASES = [s for s in STATUSES if s[0] in ("open", "pending_customer", "pending_client")]


class CustomStatusForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    maps_to = forms.ChoiceField(label=_("Stands for"), choices=CUSTOM_STATUS_BASES)
    pauses_sla = forms.BooleanField(label=_("Pauses SLA clocks"), required=False)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    parent_id = forms.TypedChoiceField(
        label=_("Under"), coerce=int, required=False, empty_value=None, choices=()
    )
    code = forms.CharField(label=_("Code"), required=False, max_length=40)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, parents: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent_id"].choices = [("", _("(top level)")), *(parents or [])]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
