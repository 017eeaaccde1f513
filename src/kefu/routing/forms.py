"""Forms of the queue pages and the presence switch (plain forms: views import no models)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.routing.models import BreakReason, BusinessType, QueueChannel, SkillKind

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
    overflow_provider = forms.TypedChoiceField(
        label=_("Overflow to provider"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Another provider serving the same client takes the contacts that waited that long."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        queues: list[tuple[int, str]],
        providers: list[tuple[int, str]] = (),  # type: ignore[assignment]
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients
        self.fields["overflow_queue"].choices = [("", _("None")), *queues]
        self.fields["overflow_provider"].choices = [("", _("None")), *providers]
        if editing:  # a queue keeps its client and name (docs/decisions.md)
            for name in ("client", "name"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["overflow_queue_id"] = data.pop("overflow_queue")
        data["overflow_provider_id"] = data.pop("overflow_provider", None)
        data.pop("client", None)
        data.pop("name", None)
        return data


class PresenceForm(forms.Form):
    state = forms.ChoiceField(choices=PRESENCE_CHOICES)
    reason = forms.ChoiceField(choices=BreakReason.choices, required=False)


SKILL_KINDS = [(value, label) for value, label in SkillKind.choices if value != SkillKind.QUEUE]


class SkillForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SKILL_KINDS)
    name = forms.CharField(label=_("Name"), max_length=60)


class SharesForm(forms.Form):
    """One planned share (%) per provider serving the queue's client; they add up to 100."""

    def __init__(
        self, *args: Any, providers: list[tuple[int, str]], initial_shares: dict[int, int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for provider_id, name in providers:
            self.fields[f"share_{provider_id}"] = forms.IntegerField(
                label=name, min_value=0, max_value=100, initial=initial_shares.get(provider_id, 0)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and sum(v for k, v in data.items() if k.startswith("share_")) != 100:
            raise forms.ValidationError(_("The shares must add up to 100 %."))
        return data

    def shares(self) -> dict[int, int]:
        return {
            int(k.removeprefix("share_")): v for k, v in self.cleaned_data.items() if k.startswith("share_")
        }


class CertificationForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Agent"), coerce=int)
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_until = forms.DateField(
        label=_("Valid until (last day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: no end."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(
        self, *args: Any, agents: list[tuple[int, str]], clients: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = agents
        self.fields["client"].choices = clients


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
