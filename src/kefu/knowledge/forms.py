"""Forms of the quick phrase pages (shape only; rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.phrases import VARIABLES


def _variables_help() -> str:
    names = " ".join("{" + v + "}" for v in VARIABLES)
    return str(
        _(
            "Variables: %(names)s. Give a fallback after a bar for when the value is unknown, "
            "e.g. {customer_name|亲}; {customer_name|} drops it."
        )
    ) % {"names": names}


class QuickPhraseForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    shortcut = forms.CharField(label=_("Shortcut"), max_length=21, required=False, help_text=_("e.g. /tk"))
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.CharField(label=_("Category"), max_length=60, required=False)

    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _variables_help()
        if clients is None:  # editing: the client does not change
            del self.fields["client"]
        else:
            self.fields["client"].choices = clients


class QuickPhraseImportForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    file = forms.FileField(label=_("CSV file"), help_text=_("Columns: shortcut, title, body, category"))

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients
