"""The chat widget settings form (shape only; `connectors.services` checks the values)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Mirrors connectors.services.PRE_CHAT_FIELDS (interfaces do not import models).
PRE_CHAT = [
    ("name", _("Name")),
    ("phone", _("Phone")),
    ("email", _("Email")),
    ("order_number", _("Order number")),
]
ASK = [("", _("Not asked")), ("optional", _("Optional")), ("required", _("Required"))]


class WidgetForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(
        label=_("Name"), max_length=120, required=False, help_text=_("e.g. the shop's site")
    )
    allowed_origins = forms.CharField(
        label=_("Allowed sites"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, e.g. https://shop.example.cn or https://*.example.cn; * allows any site."),
    )
    queue = forms.CharField(
        label=_("Queue"),
        max_length=60,
        required=False,
        help_text=_("Where its chats wait: agents skilled on this queue see them."),
    )
    color = forms.CharField(
        label=_("Colour"), max_length=7, initial="#1677ff", widget=forms.TextInput(attrs={"type": "color"})
    )
    greeting = forms.CharField(
        label=_("Greeting"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pre_name = forms.ChoiceField(label=_("Pre-chat form: name"), choices=ASK, required=False)
    pre_phone = forms.ChoiceField(label=_("Pre-chat form: phone"), choices=ASK, required=False)
    pre_email = forms.ChoiceField(label=_("Pre-chat form: email"), choices=ASK, required=False)
    pre_order_number = forms.ChoiceField(label=_("Pre-chat form: order number"), choices=ASK, required=False)
    offline_form = forms.BooleanField(
        label=_("Outside service hours, offer a form to leave a message"), required=False, initial=True
    )
    satisfaction_prompt = forms.BooleanField(
        label=_("Ask for a rating when the chat ends"), required=False, initial=True
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is None:  # editing: the client does not change
            del self.fields["client"]
        else:
            self.fields["client"].choices = clients
            del self.fields["enabled"]

    def settings(self) -> dict[str, Any]:
        """The cleaned values as `services.widget_create/update` take them."""
        data = dict(self.cleaned_data)
        data.pop("client", None)
        data["allowed_origins"] = [o.strip() for o in data["allowed_origins"].splitlines() if o.strip()]
        data["pre_chat_fields"] = {
            name: data.pop(f"pre_{name}") for name, _label in PRE_CHAT if data.get(f"pre_{name}")
        }
        for name, _label in PRE_CHAT:
            data.pop(f"pre_{name}", None)
        return data

    @staticmethod
    def initial_from(widget: Any) -> dict[str, Any]:
        return {
            "name": widget.name,
            "allowed_origins": "\n".join(widget.allowed_origins or []),
            "queue": widget.queue,
            "color": widget.color,
            "greeting": widget.greeting,
            **{f"pre_{name}": (widget.pre_chat_fields or {}).get(name, "") for name, _label in PRE_CHAT},
            "offline_form": widget.offline_form,
            "satisfaction_prompt": widget.satisfaction_prompt,
            "enabled": widget.enabled,
        }
