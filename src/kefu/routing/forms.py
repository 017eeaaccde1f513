"""Forms of the queue pages and the presence switch (plain forms: views import no models)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.routing.models import BreakReason, BusinessType, QueueChannel

PRESENCE_CHOICES = [
    ("online", _("Online")),
    ("busy", _("Busy")),
    ("after_contact_work", _("After-contact work")),
    ("break", _("Break")),
    ("offline", _("Offline")),
]


class QueueForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=60, help_text=_("e.g. 悦家-售前-在线; never renamed."))
    business_type = forms.ChoiceField(label=_("Business type"), choices=BusinessType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=QueueChannel.choices)
    priority = forms.IntegerField(label=_("Priority (1 first)"), min_value=1, max_value=10, initial=5)
    sl_target_percent = forms.IntegerField(
        label=_("Service level target (%)"), min_value=1, max_value=100, initial=80
    )
    sl_target_seconds = forms.IntegerField(label=_("Answered within (s)"), min_value=1, initial=30)
    default_chat_concurrency = forms.IntegerField(
        label=_("Chats at once"), min_value=1, max_value=20, initial=3
    )
    offer_timeout_s = forms.IntegerField(label=_("Offer timeout (s)"), min_value=5, max_value=600, initial=30)
    auto_accept = forms.BooleanField(label=_("Auto-accept offers"), required=False)
    overflow_after_s = forms.IntegerField(label=_("Overflow after (s)"), min_value=1, required=False)
    overflow_queue = forms.TypedChoiceField(
        label=_("Overflow into queue"), coerce=int, required=False, empty_value=None
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        queues: list[tuple[int, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients
        self.fields["overflow_queue"].choices = [("", _("None")), *queues]
        if editing:  # a queue keeps its client and name (docs/decisions.md)
            for name in ("client", "name"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["overflow_queue_id"] = data.pop("overflow_queue")
        data.pop("client", None)
        data.pop("name", None)
        return data


class PresenceForm(forms.Form):
    state = forms.ChoiceField(choices=PRESENCE_CHOICES)
    reason = forms.ChoiceField(choices=BreakReason.choices, required=False)
