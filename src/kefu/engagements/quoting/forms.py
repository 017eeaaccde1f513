"""The intake and cost-model forms: fields in, the core's JSON shape out (`to_data`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.engagements.quoting import intake as intake_core

BUSINESS_TYPE_LABELS = {
    "pre_sales": _("Pre-sales"),
    "after_sales": _("After-sales"),
    "complaints": _("Complaints"),
    "order_follow_up": _("Order follow-up"),
    "membership": _("Membership care"),
    "other": _("Other"),
}
TERM_UNIT_LABELS = {"days": _("days"), "months": _("months"), "quarters": _("quarters"), "years": _("years")}
SCOPE_LABELS = {"full": _("Full outsourcing"), "partial": _("Partial (overflow, night or peak hours)")}
COST_LINE_LABELS = {
    "salary": _("Salary"),
    "social_insurance": _("Welfare and social insurance"),
    "lodging_meals": _("Lodging and meals"),
    "training": _("Training"),
    "management": _("Management overhead"),
    "recruiting": _("Recruiting"),
    "office": _("Office space"),
    "equipment": _("Equipment depreciation"),
    "software": _("Software"),
    "margin": _("Margin"),
}
HOURS = [(f"{h:02d}:00", f"{h:02d}:00") for h in range(25)]


def _pct(value: float | None) -> Decimal | None:
    return None if value is None else (Decimal(str(value)) * 100).normalize()


class IntakeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, required=False)
    client = forms.TypedChoiceField(label=_("Client"), coerce=int, required=False, empty_value=None)
    client_name = forms.CharField(label=_("Shop or company"), max_length=120)
    shop_category = forms.CharField(label=_("Shop category"), max_length=60, required=False)
    business_types = forms.MultipleChoiceField(
        label=_("Business types"),
        widget=forms.CheckboxSelectMultiple,
        choices=list(BUSINESS_TYPE_LABELS.items()),
    )
    scope = forms.ChoiceField(label=_("Outsourcing"), choices=list(SCOPE_LABELS.items()))
    daily_inquiries = forms.IntegerField(label=_("Daily average inquiries"), min_value=0)
    chat_share = forms.DecimalField(label=_("Chat share (%)"), min_value=0, max_value=100, initial=80)
    chat_aht_s = forms.IntegerField(label=_("Chat handle time (s)"), min_value=1, initial=360)
    chat_concurrency = forms.IntegerField(
        label=_("Chats at once per agent"), min_value=1, max_value=8, initial=3
    )
    phone_share = forms.DecimalField(label=_("Phone share (%)"), min_value=0, max_value=100, initial=15)
    phone_aht_s = forms.IntegerField(label=_("Call handle time (s)"), min_value=1, initial=240)
    email_share = forms.DecimalField(label=_("E-mail share (%)"), min_value=0, max_value=100, initial=5)
    email_aht_s = forms.IntegerField(label=_("E-mail handle time (s)"), min_value=1, initial=420)
    service_start = forms.ChoiceField(label=_("Service from"), choices=HOURS[:-1], initial="09:00")
    service_end = forms.ChoiceField(label=_("Service until"), choices=HOURS[1:], initial="24:00")
    current_agents = forms.IntegerField(label=_("Current agents"), min_value=0, initial=0)
    campaign_days_per_month = forms.DecimalField(
        label=_("Campaign days per month"), min_value=0, max_value=30, initial=0
    )
    campaign_multiplier = forms.DecimalField(
        label=_("Inquiries on a campaign day (× normal)"), min_value=1, initial=1
    )
    expected_growth = forms.DecimalField(label=_("Expected growth over the term (%)"), initial=0)
    target_service_level = forms.DecimalField(
        label=_("Service level target (%)"), min_value=0, max_value=Decimal("99.9"), initial=80
    )
    target_answer_s = forms.IntegerField(label=_("…answered within (s)"), min_value=0, initial=30)
    quality_notes = forms.CharField(
        label=_("Other quality targets"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shrinkage = forms.DecimalField(label=_("Shrinkage (%)"), min_value=0, max_value=90, initial=30)
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    term_length = forms.IntegerField(label=_("Term"), min_value=1, initial=1)
    term_unit = forms.ChoiceField(
        label=_("Term unit"), choices=list(TERM_UNIT_LABELS.items()), initial="years"
    )
    expected_monthly_sales = forms.DecimalField(
        label=_("Monthly sales through the service (yuan, for commission)"), min_value=0, initial=0
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clients is None:
            del self.fields["client"]
        else:
            self.fields["client"].choices = [("", _("A prospect not in Kefu yet")), *clients]

    @classmethod
    def initial_from(cls, title: str, data: dict[str, Any]) -> dict[str, Any]:
        """The form's fields from a stored intake (the core's JSON shape)."""
        channels = {c["channel"]: c for c in data.get("channels", [])}
        targets = data.get("quality_targets", {})
        initial: dict[str, Any] = {
            "title": title,
            "client_name": data.get("client_name"),
            "shop_category": data.get("shop_category"),
            "business_types": data.get("business_types"),
            "scope": data.get("scope"),
            "daily_inquiries": data.get("daily_inquiries"),
            "service_start": data.get("service_hours", {}).get("start"),
            "service_end": data.get("service_hours", {}).get("end"),
            "current_agents": data.get("current_agents"),
            "campaign_days_per_month": data.get("campaigns", {}).get("days_per_month"),
            "campaign_multiplier": data.get("campaigns", {}).get("multiplier"),
            "expected_growth": _pct(data.get("expected_growth")),
            "target_service_level": _pct(targets.get("service_level")),
            "target_answer_s": targets.get("answer_time_s"),
            "quality_notes": targets.get("notes"),
            "shrinkage": _pct(data.get("shrinkage")),
            "start_date": data.get("start_date"),
            "term_length": data.get("term", {}).get("length"),
            "term_unit": data.get("term", {}).get("unit"),
            "expected_monthly_sales": data.get("expected_monthly_sales"),
        }
        for name in intake_core.CHANNELS:
            channel = channels.get(name)
            initial[f"{name}_share"] = _pct(channel["share"]) if channel else 0
            if channel:
                initial[f"{name}_aht_s"] = channel["aht_s"]
                if name == "chat":
                    initial["chat_concurrency"] = channel.get("concurrency", 1)
        return initial

    def to_data(self) -> dict[str, Any]:
        """The intake's JSON shape; the service checks it with the same core as `kefu quote`."""
        d = self.cleaned_data
        channels = []
        for name in intake_core.CHANNELS:
            share = d[f"{name}_share"] or Decimal(0)
            if share > 0:
                row = {"channel": name, "share": float(share / 100), "aht_s": d[f"{name}_aht_s"]}
                if name == "chat":
                    row["concurrency"] = d["chat_concurrency"]
                channels.append(row)
        return {
            "client_name": d["client_name"],
            "business_types": d["business_types"],
            "shop_category": d["shop_category"],
            "channels": channels or [{"channel": "chat", "share": 0, "aht_s": 1}],
            "service_hours": {"start": d["service_start"], "end": d["service_end"]},
            "current_agents": d["current_agents"],
            "daily_inquiries": d["daily_inquiries"],
            "campaigns": {
                "days_per_month": float(d["campaign_days_per_month"]),
                "multiplier": float(d["campaign_multiplier"]),
            },
            "expected_growth": float(d["expected_growth"] / 100),
            "quality_targets": {
                "service_level": float(d["target_service_level"] / 100),
                "answer_time_s": d["target_answer_s"],
                "notes": d["quality_notes"],
            },
            "shrinkage": float(d["shrinkage"] / 100),
            "start_date": d["start_date"].isoformat() if d["start_date"] else None,
            "term": {"length": d["term_length"], "unit": d["term_unit"]},
            "scope": d["scope"],
            "expected_monthly_sales": str(d["expected_monthly_sales"]),
        }


# The service's field paths → this form's fields, so a core error lands under its field.
INTAKE_FIELD_OF = {
    "channels": "chat_share",
    "channels[0].share": "chat_share",
    "service_hours.end": "service_end",
    "service_hours.start": "service_start",
    "quality_targets.service_level": "target_service_level",
    "quality_targets.answer_time_s": "target_answer_s",
    "campaigns.days_per_month": "campaign_days_per_month",
    "campaigns.multiplier": "campaign_multiplier",
    "term.length": "term_length",
}


class CostModelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    salary = forms.DecimalField(label=COST_LINE_LABELS["salary"], min_value=0, decimal_places=2)
    social_insurance = forms.DecimalField(
        label=COST_LINE_LABELS["social_insurance"], min_value=0, decimal_places=2
    )
    lodging_meals = forms.DecimalField(label=COST_LINE_LABELS["lodging_meals"], min_value=0, decimal_places=2)
    training = forms.DecimalField(label=COST_LINE_LABELS["training"], min_value=0, decimal_places=2)
    management = forms.DecimalField(label=COST_LINE_LABELS["management"], min_value=0, decimal_places=2)
    recruiting = forms.DecimalField(label=COST_LINE_LABELS["recruiting"], min_value=0, decimal_places=2)
    office = forms.DecimalField(label=COST_LINE_LABELS["office"], min_value=0, decimal_places=2)
    equipment = forms.DecimalField(label=COST_LINE_LABELS["equipment"], min_value=0, decimal_places=2)
    software = forms.DecimalField(label=COST_LINE_LABELS["software"], min_value=0, decimal_places=2)
    margin = forms.DecimalField(
        label=_("Margin (percent of the price)"), min_value=0, max_value=90, initial=18
    )

    @classmethod
    def initial_from(cls, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            **data.get("monthly_per_seat", {}),
            "margin": _pct(float(data.get("margin", 0))),
        }

    def to_data(self, base: dict[str, Any] | None = None) -> dict[str, Any]:
        """The cost model's JSON shape; pricing parameters not on the form are kept from `base`."""
        d = self.cleaned_data
        return (base or {}) | {
            "monthly_per_seat": {k: str(d[k]) for k in intake_core.COST_LINES},
            "margin": str(d["margin"] / 100),
        }


class QuoteForm(forms.Form):
    cost_model = forms.TypedChoiceField(label=_("Cost model"), coerce=int)
    options = forms.CharField(
        label=_("Options (seats)"),
        max_length=60,
        required=False,
        help_text=_(
            "Seat counts separated by commas, e.g. 8,10. Empty: the recommendation and two either side."
        ),
    )
    note = forms.CharField(
        label=_("Note to the client"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, cost_models: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cost_model"].choices = cost_models

    def clean_options(self) -> list[int] | None:
        raw = self.cleaned_data["options"].replace("，", ",").strip()
        if not raw:
            return None
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give whole numbers of seats separated by commas.")) from None


class DecisionForm(forms.Form):
    seats = forms.TypedChoiceField(label=_("Option"), coerce=int, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, seats: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].choices = [(s, _("%(seats)s seats") % {"seats": s}) for s in seats]


class RfqForm(forms.Form):
    providers = forms.TypedMultipleChoiceField(
        label=_("Providers to invite"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, providers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["providers"].choices = providers


CRITERION_LABELS = {
    "price": _("Price"),
    "service_level": _("Expected service level"),
    "qualifications": _("Qualifications"),
    "references": _("References"),
    "security": _("Data-security posture"),
    "measured": _("Measured service level (incumbents)"),
}
RATED = ("qualifications", "references", "security")


class WeighForm(forms.Form):
    """Weights per criterion, and a 0–5 rating of each invited provider on the rated criteria."""

    def __init__(
        self,
        *args: Any,
        weights: dict[str, int],
        providers: list[tuple[int, str]],
        ratings: dict,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CRITERION_LABELS.items():
            self.fields[f"weight_{key}"] = forms.IntegerField(
                label=_("Weight: %(criterion)s") % {"criterion": label},
                min_value=0,
                max_value=100,
                initial=weights.get(key, 0),
            )
        self.providers = providers
        for provider_id, name in providers:
            for key in RATED:
                self.fields[f"{key}_{provider_id}"] = forms.IntegerField(
                    label=f"{name} · {CRITERION_LABELS[key]} (0–5)",
                    min_value=0,
                    max_value=5,
                    required=False,
                    initial=ratings.get(str(provider_id), {}).get(key),
                )

    def weights(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"weight_{key}"] for key in CRITERION_LABELS}

    def ratings(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for provider_id, _name in self.providers:
            marks = {
                k: self.cleaned_data[f"{k}_{provider_id}"]
                for k in RATED
                if self.cleaned_data.get(f"{k}_{provider_id}") is not None
            }
            if marks:
                out[provider_id] = marks
        return out


class RfqDecisionForm(forms.Form):
    choice = forms.ChoiceField(label=_("Provider and option"))
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = choices
