"""Contract pages: the list, a draft's editing and SLA terms, approval, the signed text (each read
access-logged), amendments and a month's SLA standing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.analytics import dashboard_links
from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.billing import presentation as billing_presentation
from kefu.engagements.contracts import forms, selectors, services, standing
from kefu.engagements.permissions import EngagementPerm

STATUSES = ("", "draft", "signed", "superseded")


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _contract_error(form: forms.ContractForm, exc: KefuError) -> None:
    if exc.field and exc.field.startswith("pricing_rates.") and f"rate_{exc.field[14:]}" in form.fields:
        form.add_error(f"rate_{exc.field[14:]}", str(exc.message))
    else:
        form_error(form, exc)


def _form_fields(form: forms.ContractForm) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in form.cleaned_data.items()
        if k not in ("engagement", "quote") and not k.startswith("rate_")
    }
    fields["pricing_rates"] = {
        k[5:]: str(v) for k, v in form.cleaned_data.items() if k.startswith("rate_") and v is not None
    }
    if fields.get("notice_days") is None:
        fields["notice_days"] = 30
    return fields


@access_required(EngagementPerm.CONTRACT_VIEW)
def contract_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    status = request.GET.get("status", "")
    if status not in STATUSES:
        raise NotFound()
    contracts = list(selectors.contract_list(scope, status=status))
    return render(
        request,
        "engagements/contracts/list.html",
        {
            "contracts": contracts,
            "status": status,
            "statuses": [("draft", _("Draft")), ("signed", _("Signed")), ("superseded", _("Superseded"))],
            "can_edit": scope.has(EngagementPerm.CONTRACT_EDIT),
        },
    )


@access_required(EngagementPerm.CONTRACT_EDIT)
def contract_new(request: HttpRequest) -> HttpResponse:
    scope = request.access
    form = forms.ContractForm(
        request.POST or None,
        engagements=selectors.engagement_choices(scope),
        quotes=selectors.accepted_quote_choices(scope),
    )
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(
                scope,
                engagement_id=form.cleaned_data["engagement"],
                quote_id=form.cleaned_data.get("quote"),
                **_form_fields(form),
            )
        except KefuError as exc:
            _contract_error(form, exc)
        else:
            return redirect("contracts_detail", contract_id=contract.pk)
    return render(
        request,
        "engagements/contracts/form.html",
        {"form": form, "contract": None},
        status=422 if form.errors else 200,
    )


@access_required(EngagementPerm.CONTRACT_EDIT)
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    scope = request.access
    contract = selectors.contract_get(scope, contract_id=contract_id)
    if contract.status != "draft":
        return redirect("contracts_detail", contract_id=contract.pk)
    form = forms.ContractForm(request.POST or None, initial=forms.ContractForm.initial_of(contract))
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(scope, contract_id=contract.pk, **_form_fields(form))
        except KefuError as exc:
            _contract_error(form, exc)
        else:
            return redirect("contracts_detail", contract_id=contract.pk)
    return render(
        request,
        "engagements/contracts/form.html",
        {"form": form, "contract": contract},
        status=422 if form.errors else 200,
    )


def _terms(contract: Any) -> list[dict[str, Any]]:
    rows = []
    for term in selectors.term_list(contract):
        metric = selectors.metric_get(term.metric_id)
        rows.append({"term": term, "metric": metric})
    return rows


@access_required(EngagementPerm.CONTRACT_VIEW)
def contract_detail(
    request: HttpRequest, contract_id: int, term_form: forms.TermForm | None = None
) -> HttpResponse:
    scope = request.access
    contract = services.contract_open(scope, contract_id=contract_id, purpose="text", ip_address=_ip(request))
    draft = contract.status == "draft"
    can_edit = draft and scope.has(EngagementPerm.CONTRACT_EDIT)
    own_side_approved = (
        contract.provider_approved_at if scope.is_provider else contract.client_approved_at
    ) is not None
    return render(
        request,
        "engagements/contracts/detail.html",
        {
            "contract": contract,
            "terms": _terms(contract),
            "signed": selectors.signed_get(contract),
            "versions": selectors.versions(scope, contract=contract),
            "reminders": list(selectors.reminder_list(scope, contract=contract)),
            "can_edit": can_edit,
            "can_approve": draft and scope.has(EngagementPerm.CONTRACT_APPROVE) and not own_side_approved,
            "can_amend": contract.status == "signed"
            and scope.has(EngagementPerm.CONTRACT_EDIT)
            and selectors.open_draft(scope, engagement_id=contract.engagement_id) is None,
            "term_form": term_form or (forms.TermForm() if can_edit else None),
            "channels": [str(dict(forms.CHANNEL_CHOICES).get(c, c)) for c in contract.channels],
            "pricing_model": billing_presentation.model_label(contract.pricing_model),
            "pricing_rates": billing_presentation.rates_view(contract.pricing_model, contract.pricing_rates),
            "can_invoice": contract.status != "draft" and scope.has(EngagementPerm.INVOICE_EDIT),
        },
        status=422 if term_form is not None and term_form.errors else 200,
    )


@require_POST
@access_required(EngagementPerm.CONTRACT_EDIT)
def term_add(request: HttpRequest, contract_id: int) -> HttpResponse:
    form = forms.TermForm(request.POST)
    if form.is_valid():
        try:
            services.term_add(request.access, contract_id=contract_id, **form.cleaned_data)
        except KefuError as exc:
            form_error(form, exc)
        else:
            return redirect("contracts_detail", contract_id=contract_id)
    return contract_detail(request, contract_id, term_form=form)


@require_POST
@access_required(EngagementPerm.CONTRACT_EDIT)
def term_remove(request: HttpRequest, contract_id: int, term_id: int) -> HttpResponse:
    services.term_remove(request.access, contract_id=contract_id, term_id=term_id)
    return redirect("contracts_detail", contract_id=contract_id)


@require_POST
@access_required(EngagementPerm.CONTRACT_APPROVE)
def approve(request: HttpRequest, contract_id: int) -> HttpResponse:
    services.contract_approve(request.access, contract_id=contract_id)
    return redirect("contracts_detail", contract_id=contract_id)


@require_POST
@access_required(EngagementPerm.CONTRACT_EDIT)
def amend(request: HttpRequest, contract_id: int) -> HttpResponse:
    draft = services.contract_amend(request.access, contract_id=contract_id)
    return redirect("contracts_detail", contract_id=draft.pk)


@access_required(EngagementPerm.CONTRACT_VIEW)
def contract_standing(request: HttpRequest, contract_id: int) -> HttpResponse:
    scope = request.access
    contract = services.contract_open(
        scope, contract_id=contract_id, purpose="standing", ip_address=_ip(request)
    )
    today = clock.now().astimezone(timezones.client_time_zone(contract.client_id)).date()
    month = standing.month_of(request.GET.get("month", ""), today)
    if month is None:
        raise NotFound()
    found = standing.contract_standing(contract, month=month)
    rows = []
    for row in found.rows:
        params = {"from": row.first.isoformat(), "to": row.last.isoformat()}
        rows.append(
            {
                "row": row,
                "drill": dashboard_links.drill_base(contract.client_id, row.metric.id)
                + "?"
                + urlencode(params),
                "definition": dashboard_links.definition_url(row.metric.id),
            }
        )
    earlier = (month - timedelta(days=1)).replace(day=1)
    later = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(
        request,
        "engagements/contracts/standing.html",
        {
            "contract": contract,
            "s": found,
            "rows": rows,
            "earlier": earlier.strftime("%Y-%m") if earlier >= contract.starts_on.replace(day=1) else "",
            "later": later.strftime("%Y-%m") if later <= today else "",
        },
    )
