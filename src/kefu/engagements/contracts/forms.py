"""Forms of the contract pages; the services check everything again (the API has no forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.engagements.billing import pricing_terms
from kefu.engagements.contracts import selectors
from kefu.engagements.contracts.models import Consequence, Contract, FloorWindow, PaymentTerms

CHANNEL_CHOICES = [("chat", _("Chat")), ("email", _("E-mail")), ("phone", _("Phone")), ("api", _("API"))]
_TEXT = forms.Textarea(attrs={"rows": 3})


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    renews_on = forms.DateField(
        label=_("Renewal date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Termination date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notice_days = forms.IntegerField(
        label=_("Remind this many days before"), min_value=0, max_value=366, initial=30
    )
    scope_of_work = forms.CharField(label=_("Scope of work"), required=False, max_length=4000, widget=_TEXT)
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=CHANNEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    service_hours = forms.CharField(label=_("Service hours"), required=False, max_length=120)
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=100000, initial=0)
    service_types = forms.CharField(label=_("Service types"), required=False, max_length=300)
    training_support = forms.CharField(
        label=_("Training support"), required=False, max_length=4000, widget=_TEXT
    )
    handover_method = forms.CharField(
        label=_("Handover method"), required=False, max_length=4000, widget=_TEXT
    )
    quality_method = forms.CharField(
        label=_("Quality assessment method"), required=False, max_length=4000, widget=_TEXT
    )
    reporting_duties = forms.CharField(
        label=_("Reporting duties"), required=False, max_length=4000, widget=_TEXT
    )
    payment_terms = forms.ChoiceField(
        label=_("Payment terms"), choices=PaymentTerms.choices, initial="quarterly"
    )
    monthly_fee = forms.DecimalField(
        label=_("Monthly fee (yuan)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    at_risk_pct = forms.DecimalField(
        label=_("Fee at risk per month (%)"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    bonus_cap_pct = forms.DecimalField(
        label=_("Bonus cap per month (%)"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    pricing_model = forms.ChoiceField(label=_("Pricing model"), initial="fixed_monthly", required=False)
    confidentiality = forms.CharField(
        label=_("Confidentiality terms"), required=False, max_length=4000, widget=_TEXT
    )
    data_processing = forms.CharField(
        label=_("Data-processing terms"), required=False, max_length=4000, widget=_TEXT
    )

    def __init__(
        self,
        *args: Any,
        engagements: list[tuple[int, str]] | None = None,
        quotes: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        from kefu.engagements.billing import presentation

        self.fields["pricing_model"].choices = presentation.model_choices()
        for key in pricing_terms.ALL_KEYS:
            self.fields[f"rate_{key}"] = forms.DecimalField(
                label=presentation.rate_label(key),
                min_value=0,
                max_digits=14,
                decimal_places=2,
                required=False,
                help_text=presentation.rate_help(key),
            )
        if engagements is not None:
            self.fields = {
                "engagement": forms.TypedChoiceField(label=_("Engagement"), coerce=int, choices=engagements),
                **self.fields,
            }
        if quotes:
            self.fields = {
                "quote": forms.TypedChoiceField(
                    label=_("Drawn up from the accepted quote"),
                    coerce=int,
                    required=False,
                    empty_value=None,
                    choices=[("", _("(none)")), *quotes],
                    help_text=_("Its accepted seats fill the seats unless you give them."),
                ),
                **self.fields,
            }

    @classmethod
    def initial_of(cls, contract: Contract) -> dict[str, Any]:
        initial = {name: getattr(contract, name) for name in cls.base_fields}
        initial.update({f"rate_{k}": v for k, v in (contract.pricing_rates or {}).items()})
        return initial

    def rate_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("rate_")]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("rate_")]


class TermForm(forms.Form):
    metric_id = forms.ChoiceField(label=_("Metric"))
    target = forms.FloatField(label=_("Target"), min_value=0)
    threshold_s = forms.FloatField(
        label=_("Answered within (seconds)"),
        min_value=1,
        max_value=86_400,
        required=False,
        help_text=_("Service level only: X % answered within these seconds (20 unless given)."),
    )
    floor_window = forms.ChoiceField(label=_("Floor window"), choices=FloorWindow.choices, required=False)
    floor_target = forms.FloatField(label=_("Floor"), min_value=0, required=False)
    consequence = forms.ChoiceField(label=_("Consequence"), choices=Consequence.choices)
    step = forms.FloatField(label=_("Per step of"), min_value=0.001, initial=1)
    rate_pct = forms.FloatField(
        label=_("Percent of the monthly fee per step"), min_value=0, max_value=100, initial=0
    )
    cap_pct = forms.FloatField(
        label=_("Cap (percent of the monthly fee)"), min_value=0, max_value=100, required=False
    )
    floor_rate_pct = forms.FloatField(
        label=_("Percent of the monthly fee per missed floor window"), min_value=0, max_value=100, initial=0
    )
    earn_back_periods = forms.IntegerField(
        label=_("Earned back after this many months met"), min_value=0, max_value=12, initial=0
    )
    exclusions = forms.CharField(label=_("Exclusions"), required=False, max_length=2000, widget=_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric_id"].choices = [
            (m.id, f"{m.name} ({m.unit_label}, {m.direction_label})") for m in selectors.metric_choices()
        ]
