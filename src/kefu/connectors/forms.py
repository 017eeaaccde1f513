"""Forms of the channel settings pages (shape only; the rules live in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Values mirror connectors.models (interfaces do not import models); the services check them.
SECURITY = [
    ("ssl", _("SSL/TLS from the start")),
    ("starttls", _("STARTTLS")),
    ("none", _("None (local test servers only)")),
]
KEEP = _("Leave empty to keep the stored password.")


class MailboxForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    address = forms.EmailField(label=_("Support address"), max_length=254)
    from_name = forms.CharField(label=_("Sender name"), max_length=120, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    imap_host = forms.CharField(
        label=_("IMAP server"),
        max_length=255,
        required=False,
        help_text=_("Leave empty if mail arrives by the inbound webhook only."),
    )
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(label=_("IMAP encryption"), choices=SECURITY, initial="ssl")
    imap_username = forms.CharField(label=_("IMAP user name"), max_length=255, required=False)
    imap_password = forms.CharField(
        label=_("IMAP password"), max_length=500, required=False, widget=forms.PasswordInput, strip=False
    )
    imap_folder = forms.CharField(label=_("IMAP folder"), max_length=255, initial="INBOX")
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=255, required=False)
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(label=_("SMTP encryption"), choices=SECURITY, initial="ssl")
    smtp_username = forms.CharField(label=_("SMTP user name"), max_length=255, required=False)
    smtp_password = forms.CharField(
        label=_("SMTP password"), max_length=500, required=False, widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is None:  # editing: the client does not change
            del self.fields["client"]
            self.fields["imap_password"].help_text = KEEP
            self.fields["smtp_password"].help_text = KEEP
        else:
            self.fields["client"].choices = clients

    def settings(self, *, keep_passwords: bool) -> dict[str, Any]:
        """The cleaned settings for the services; empty passwords are kept when editing."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "client"}
        if keep_passwords:
            for name in ("imap_password", "smtp_password"):
                if not data.get(name):
                    data[name] = None
        return data


def agent_map_text(agent_map: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in agent_map.items())


class CtiForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    agents = forms.CharField(
        label=_("Agents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: the telephony system's agent id=Kefu user name, e.g. 8001=zhang"),
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is None:
            del self.fields["client"]
        else:
            self.fields["client"].choices = clients
            del self.fields["enabled"]

    def clean_agents(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for line in self.cleaned_data["agents"].splitlines():
            if not line.strip():
                continue
            external, sep, username = line.partition("=")
            if not sep or not external.strip() or not username.strip():
                raise forms.ValidationError(
                    _("Write each line as PBX id=user name, not %(line)s.") % {"line": line}
                )
            mapping[external.strip()] = username.strip()
        return mapping


class WebhookForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=500)
    event_types = forms.CharField(
        label=_("Event types"),
        required=False,
        max_length=1000,
        help_text=_("Separated by spaces or commas, e.g. message_in message_out; empty: all events."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["enabled"]

    def clean_event_types(self) -> list[str]:
        raw = self.cleaned_data["event_types"].replace(",", " ")
        return [t for t in raw.split() if t]
