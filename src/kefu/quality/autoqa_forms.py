"""Forms of the auto-QA pages: the inspector's filters and a client's rules (one entry a line)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.quality.autoqa_labels import CHECK_LABELS


class ResultFilterForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("Closed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Closed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    score_max = forms.IntegerField(label=_("Score at most"), required=False, min_value=0, max_value=100)
    check = forms.ChoiceField(label=_("Finding"), required=False)

    def __init__(
        self, *args: object, clients: list[tuple[int, str]], agents: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everyone = [("", _("All"))]
        self.fields["client"].choices = everyone + clients  # type: ignore[attr-defined]
        self.fields["agent"].choices = everyone + agents  # type: ignore[attr-defined]
        self.fields["check"].choices = everyone + [(k, v) for k, v in CHECK_LABELS.items()]  # type: ignore[attr-defined]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RulesForm(forms.Form):
    greeting_template = forms.CharField(
        label=_("Greeting standard"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"style": "width:100%;max-width:44em"}),
        help_text=_("{shop} and {agent} mark where the shop's and the agent's names must appear."),
    )
    shop_aliases = forms.CharField(
        label=_("Short names of the shop"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line; any of them counts as naming the shop."),
    )  # fmt: skip
    forbidden_words = forms.CharField(
        label=_("Forbidden words"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line; besides the rude words no client allows."),
    )  # fmt: skip
    forbidden_promises = forms.CharField(
        label=_("Forbidden promises"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line; an agent writing one of these is a critical finding."),
    )  # fmt: skip
    closing_phrases = forms.CharField(
        label=_("Extra closing phrases"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line; besides the usual ones (还有其他可以帮您的吗, 祝您生活愉快…)."),
    )  # fmt: skip

    def values(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "greeting_template": data["greeting_template"],
            "shop_aliases": _lines(data["shop_aliases"]),
            "forbidden_words": _lines(data["forbidden_words"]),
            "forbidden_promises": _lines(data["forbidden_promises"]),
            "closing_phrases": _lines(data["closing_phrases"]),
        }
