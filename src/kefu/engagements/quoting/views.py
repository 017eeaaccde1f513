"""Pages of quoting: intakes, a quote with its staffing chart and prices, cost models, the PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import KefuError
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.directory import selectors as directory_selectors
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.quoting import forms, presentation, selectors, services
from kefu.tenancy import selectors as tenancy_selectors


def _intake_form_error(form: forms.IntakeForm, exc: KefuError) -> None:
    field = forms.INTAKE_FIELD_OF.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))


@access_required(EngagementPerm.QUOTE_VIEW)
def intake_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    intakes = list(selectors.intake_list(scope))
    quotes = list(selectors.quote_list(scope))
    latest: dict[int, Any] = {}
    for q in quotes:
        latest.setdefault(q.intake_id, q)
    rows = [{"intake": i, "quote": latest.get(i.pk)} for i in intakes]
    return render(
        request,
        "engagements/quoting/intake_list.html",
        {
            "rows": rows,
            "can_edit": scope.has(EngagementPerm.INTAKE_EDIT),
            "can_price": scope.has(EngagementPerm.QUOTE_PREPARE),
            "can_directory": (scope.is_provider and scope.has(EngagementPerm.DIRECTORY_LIST))
            or (scope.is_client and scope.has(EngagementPerm.QUOTE_COMPARE)),
        },
    )


@access_required(EngagementPerm.INTAKE_EDIT)
def intake_edit(request: HttpRequest, intake_id: int | None = None) -> HttpResponse:
    scope = request.access
    intake = selectors.intake_get(scope, intake_id=intake_id, to_edit=True) if intake_id is not None else None
    clients = tenancy_selectors.client_choices(scope) if scope.is_provider and intake is None else None
    initial = forms.IntakeForm.initial_from(intake.title, intake.data) if intake else {}
    form = forms.IntakeForm(request.POST or None, initial=initial, clients=clients)
    if request.method == "POST" and form.is_valid():
        try:
            if intake is None:
                intake = services.intake_create(
                    scope,
                    title=form.cleaned_data["title"],
                    data=form.to_data(),
                    client_id=form.cleaned_data.get("client"),
                )
            else:
                services.intake_update(
                    scope, intake_id=intake.pk, title=form.cleaned_data["title"], data=form.to_data()
                )
        except KefuError as exc:
            _intake_form_error(form, exc)
        else:
            return redirect("engagements_intake", intake_id=intake.pk)
    return render(request, "engagements/quoting/intake_form.html", {"form": form, "intake": intake})


@access_required(EngagementPerm.QUOTE_VIEW)
def intake_detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    scope = request.access
    intake = selectors.intake_get(scope, intake_id=intake_id)
    form = None
    if scope.has(EngagementPerm.QUOTE_PREPARE) and scope.is_provider:
        cost_models = [(c.pk, c.name) for c in selectors.cost_model_list(scope)]
        form = forms.QuoteForm(request.POST or None, cost_models=cost_models)
        if request.method == "POST" and form.is_valid():
            try:
                quote = services.quote_create(
                    scope,
                    intake_id=intake.pk,
                    cost_model_id=form.cleaned_data["cost_model"],
                    options=form.cleaned_data["options"],
                    note=form.cleaned_data["note"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                return redirect("engagements_quote", quote_id=quote.pk)
    return render(
        request,
        "engagements/quoting/intake_detail.html",
        {
            "intake": intake,
            "facts": presentation.intake_facts(intake.data),
            "quotes": selectors.quote_list(scope, intake_id=intake.pk),
            "form": form,
            "can_edit": scope.has(EngagementPerm.INTAKE_EDIT)
            and intake.status == intake.Status.DRAFT
            and selectors.intake_list(scope, to_edit=True).filter(pk=intake.pk).exists(),
            "invitation": intake.pk in selectors.invited_intake_ids(scope),
            "rfqs": selectors.rfq_list(scope).filter(intake_id=intake.pk),
            "rfq_form": forms.RfqForm(providers=_invite_choices(scope))
            if scope.has(EngagementPerm.QUOTE_COMPARE) and scope.is_client and intake.provider_id is None
            else None,
        },
    )


@access_required(EngagementPerm.QUOTE_VIEW)
def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    scope = request.access
    quote = selectors.quote_get(scope, quote_id=quote_id)
    can_decide = (
        scope.has(EngagementPerm.QUOTE_DECIDE)
        and quote.status == quote.Status.SENT
        and (scope.is_client or quote.client_id is None)
    )
    seats = [o["seats"] for o in quote.result.get("options", [])]
    recommended = quote.result.get("staffing", {}).get("seats_recommended")
    decision = forms.DecisionForm(initial={"seats": recommended}, seats=seats) if can_decide else None
    return render(
        request,
        "engagements/quoting/quote_detail.html",
        {
            "quote": quote,
            "view": presentation.quote_view(quote.result),
            "chart": presentation.staffing_chart(quote.result),
            "can_send": scope.has(EngagementPerm.QUOTE_PREPARE) and quote.status == quote.Status.DRAFT,
            "decision": decision,
        },
    )


@require_POST
@access_required(EngagementPerm.QUOTE_PREPARE)
def quote_send(request: HttpRequest, quote_id: int) -> HttpResponse:
    services.quote_send(request.access, quote_id=quote_id)
    return redirect("engagements_quote", quote_id=quote_id)


@require_POST
@access_required(EngagementPerm.QUOTE_DECIDE)
def quote_decide(request: HttpRequest, quote_id: int) -> HttpResponse:
    scope = request.access
    quote = selectors.quote_get(scope, quote_id=quote_id)
    seats = [o["seats"] for o in quote.result.get("options", [])]
    form = forms.DecisionForm(request.POST, seats=seats)
    accept = request.POST.get("decision") == "accept"
    if form.is_valid():
        services.quote_decide(
            scope,
            quote_id=quote.pk,
            accept=accept,
            seats=form.cleaned_data["seats"] if accept else None,
            reason=form.cleaned_data["reason"],
        )
    return redirect("engagements_quote", quote_id=quote.pk)


@access_required(EngagementPerm.QUOTE_VIEW)
def quote_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = selectors.quote_get(request.access, quote_id=quote_id)
    from kefu.engagements.quoting import pdf

    body = pdf.quote_pdf(quote)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-{quote.pk}-v{quote.version}.pdf"'
    return response


@access_required(EngagementPerm.QUOTE_PREPARE)
def cost_model_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.cost_model_list(request.access)
    return render(
        request,
        "engagements/quoting/cost_model_list.html",
        {"rows": [{"row": r, "view": presentation.cost_model_view(r.data)} for r in rows]},
    )


@access_required(EngagementPerm.QUOTE_PREPARE)
def cost_model_edit(request: HttpRequest, cost_model_id: int | None = None) -> HttpResponse:
    scope = request.access
    row = selectors.cost_model_get(scope, cost_model_id=cost_model_id) if cost_model_id is not None else None
    initial = forms.CostModelForm.initial_from(row.name, row.data) if row else {}
    form = forms.CostModelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cost_model_save(
                scope,
                name=form.cleaned_data["name"],
                data=form.to_data(row.data if row else None),
                cost_model_id=row.pk if row else None,
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            return redirect("engagements_cost_models")
    return render(
        request,
        "engagements/quoting/cost_model_form.html",
        {"form": form, "row": row, "title": _("Cost model")},
    )


def _invite_choices(scope: Any) -> list[tuple[int, str]]:
    """Serving providers first, then listed ones the client does not work with yet (marked)."""
    found = selectors.invitable_providers(scope)
    ordered = sorted(found.items(), key=lambda item: (not item[1][1], item[1][0]))
    return [
        (pk, name if serving else _("%(name)s (directory, not working with you yet)") % {"name": name})
        for pk, (name, serving) in ordered
    ]


@require_POST
@access_required(EngagementPerm.QUOTE_COMPARE)
def rfq_new(request: HttpRequest, intake_id: int) -> HttpResponse:
    scope = request.access
    intake_id = selectors.intake_get(scope, intake_id=intake_id).pk  # another tenant's: 404 first
    form = forms.RfqForm(request.POST, providers=_invite_choices(scope))
    if not form.is_valid():
        messages.error(request, _("Choose the providers to invite."))
        return redirect("engagements_intake", intake_id=intake_id)
    try:
        rfq = services.rfq_create(scope, intake_id=intake_id, provider_ids=form.cleaned_data["providers"])
    except KefuError as exc:
        if exc.field != "intake_id":
            raise
        messages.error(request, str(exc.message))
        return redirect("engagements_intake", intake_id=intake_id)
    return redirect("engagements_rfq", rfq_id=rfq.pk)


@access_required(EngagementPerm.QUOTE_COMPARE)
def rfq_detail(request: HttpRequest, rfq_id: int) -> HttpResponse:
    scope = request.access
    rfq = selectors.rfq_get(scope, rfq_id=rfq_id)
    names = tenancy_selectors.engagement_partner_names(scope)
    invited = [(p, names.get(p, "—")) for p in rfq.provider_ids]
    weigh = forms.WeighForm(
        request.POST if request.POST.get("form") == "weigh" else None,
        weights=rfq.weights,
        providers=invited,
        ratings=rfq.assessments,
    )
    rows = selectors.rfq_comparison(scope, rfq)
    serving = scope.provider_ids
    listed = directory_selectors.listed_provider_ids(scope)
    for row in rows:
        row["score_cells"] = [row["scored"].scores.get(key) for key in forms.CRITERION_LABELS]
        row["outside"] = row["provider_id"] not in serving
        row["profile"] = row["provider_id"] in listed
    choices = [
        (
            f"{r['quote'].pk}:{o['seats']}",
            f"{r['provider']} · v{r['quote'].version} · " + _("%(seats)s seats") % {"seats": o["seats"]},
        )
        for r in rows
        if r["quote"] is not None and r["quote"].status == r["quote"].Status.SENT
        for o in r["quote"].result.get("options", [])
    ]
    decide = forms.RfqDecisionForm(
        request.POST if request.POST.get("form") == "decide" else None, choices=choices
    )
    if request.method == "POST":
        try:
            if weigh.is_bound and weigh.is_valid():
                services.rfq_weigh(scope, rfq_id=rfq.pk, weights=weigh.weights(), ratings=weigh.ratings())
                return redirect("engagements_rfq", rfq_id=rfq.pk)
            if decide.is_bound and decide.is_valid():
                quote_id, seats = (int(x) for x in decide.cleaned_data["choice"].split(":"))
                services.rfq_decide(
                    scope, rfq_id=rfq.pk, quote_id=quote_id, seats=seats, reason=decide.cleaned_data["reason"]
                )
                return redirect("engagements_rfq", rfq_id=rfq.pk)
        except KefuError as exc:
            form_error(decide if decide.is_bound else weigh, exc)
    return render(
        request,
        "engagements/quoting/rfq_detail.html",
        {
            "rfq": rfq,
            "rows": rows,
            "criteria": [(k, forms.CRITERION_LABELS[k]) for k in forms.CRITERION_LABELS],
            "weigh": weigh if rfq.status == rfq.Status.OPEN else None,
            "decide": decide if rfq.status == rfq.Status.OPEN and choices else None,
        },
    )
