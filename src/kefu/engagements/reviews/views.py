"""Business review pages: the list (per contract and month) with the contracts approaching
renewal, one review (figures, trend, money, top issues, actions, comments), and the renewal
recommendation of a contract with its evidence and the client's decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kefu.core.errors import KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.reviews import figures, forms, presentation, selectors, services


def _contract_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [
        (c.pk, f"{c.provider.name} → {c.client.name} · {c.title} v{c.version}")
        for c in selectors.reviewable_contracts(request.access)
    ]


@access_required(EngagementPerm.REVIEW_VIEW)
def review_list(request: HttpRequest, form: forms.GenerateForm | None = None) -> HttpResponse:
    scope = request.access
    contract_id = request.GET.get("contract", "")
    reviews = selectors.review_list(scope, contract_id=int(contract_id) if contract_id.isdigit() else None)
    can_prepare = scope.has(EngagementPerm.REVIEW_PREPARE)
    return render(
        request,
        "engagements/reviews/list.html",
        {
            "reviews": [
                {
                    "review": r,
                    "met": sum(1 for t in r.snapshot.get("terms", []) if t.get("status") == "met"),
                    "measured": sum(1 for t in r.snapshot.get("terms", []) if t.get("status") != "no_data"),
                }
                for r in reviews
            ],
            "renewals": selectors.approaching_renewal(scope),
            "contracts": selectors.reviewable_contracts(scope),
            "form": form
            or (forms.GenerateForm(contracts=_contract_choices(request)) if can_prepare else None),
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@access_required(EngagementPerm.REVIEW_PREPARE)
def review_generate(request: HttpRequest) -> HttpResponse:
    form = forms.GenerateForm(request.POST, contracts=_contract_choices(request))
    if form.is_valid():
        try:
            review = services.review_generate(
                request.access, contract_id=form.cleaned_data["contract"], month=form.cleaned_data["month"]
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            return redirect("reviews_detail", business_review_id=review.pk)
    return review_list(request, form=form)


def _detail_context(request: HttpRequest, review: Any) -> dict[str, Any]:
    scope = request.access
    snapshot = review.snapshot
    draft = review.status == "draft"
    can_discuss = scope.has(EngagementPerm.REVIEW_DISCUSS)
    actions = selectors.action_list(scope, review=review)
    return {
        "review": review,
        "s": snapshot,
        "terms": presentation.term_rows(review.client_id, snapshot),
        "quality": presentation.figure_rows(snapshot.get("quality", [])),
        "kpi": presentation.figure_rows(snapshot.get("kpi", {}).get("metrics", []), key="id"),
        "kpi_summary": snapshot.get("kpi", {}),
        "issues": presentation.issues(snapshot),
        "actions": actions,
        "frozen_actions": snapshot.get("actions") if not draft else None,
        "comments": selectors.comment_list(review),
        "can_prepare": draft and scope.has(EngagementPerm.REVIEW_PREPARE),
        "can_discuss": can_discuss,
        "action_form": forms.ActionForm(owners=selectors.owner_choices(review))
        if can_discuss and draft
        else None,
        "comment_form": forms.CommentForm() if can_discuss else None,
    }


@access_required(EngagementPerm.REVIEW_VIEW)
def review_detail(request: HttpRequest, business_review_id: int) -> HttpResponse:
    review = selectors.review_get(request.access, business_review_id=business_review_id)
    return render(request, "engagements/reviews/detail.html", _detail_context(request, review))


def _back(request: HttpRequest, business_review_id: int) -> HttpResponse:
    return redirect("reviews_detail", business_review_id=business_review_id)


@require_POST
@access_required(EngagementPerm.REVIEW_PREPARE)
def review_regenerate(request: HttpRequest, business_review_id: int) -> HttpResponse:
    review = selectors.review_get(request.access, business_review_id=business_review_id)
    try:
        services.review_generate(request.access, contract_id=review.contract_id, month=review.month)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    return _back(request, review.pk)


@require_POST
@access_required(EngagementPerm.REVIEW_PREPARE)
def review_publish(request: HttpRequest, business_review_id: int) -> HttpResponse:
    try:
        services.review_publish(request.access, business_review_id=business_review_id)
    except NotFound:
        raise
    except KefuError as exc:
        messages.error(request, str(exc.message))
    return _back(request, business_review_id)


@require_POST
@access_required(EngagementPerm.REVIEW_DISCUSS)
def action_add(request: HttpRequest, business_review_id: int) -> HttpResponse:
    review = selectors.review_get(request.access, business_review_id=business_review_id)
    form = forms.ActionForm(request.POST, owners=selectors.owner_choices(review))
    if form.is_valid():
        try:
            services.action_create(
                request.access,
                business_review_id=review.pk,
                title=form.cleaned_data["title"],
                owner_id=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            return _back(request, review.pk)
    context = _detail_context(request, review)
    context["action_form"] = form
    return render(request, "engagements/reviews/detail.html", context, status=422)


@require_POST
@access_required(EngagementPerm.REVIEW_DISCUSS)
def action_done(request: HttpRequest, review_action_id: int) -> HttpResponse:
    action = selectors.action_get(request.access, review_action_id=review_action_id)
    back = request.POST.get("review", "")
    try:
        services.action_update(request.access, review_action_id=action.pk, status="done")
    except NotFound:
        raise
    except KefuError as exc:
        messages.error(request, str(exc.message))
    if back.isdigit():
        target = selectors.review_get(request.access, business_review_id=int(back))
        return _back(request, target.pk)
    return _back(request, action.review_id)


@require_POST
@access_required(EngagementPerm.REVIEW_DISCUSS)
def comment_add(request: HttpRequest, business_review_id: int) -> HttpResponse:
    review = selectors.review_get(request.access, business_review_id=business_review_id)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(request.access, business_review_id=review.pk, body=form.cleaned_data["body"])
        except KefuError as exc:
            form_error(form, exc)
        else:
            return redirect(f"{review_url(review.pk)}#comments")
    context = _detail_context(request, review)
    context["comment_form"] = form
    return render(request, "engagements/reviews/detail.html", context, status=422)


def review_url(business_review_id: int) -> str:
    return reverse("reviews_detail", kwargs={"business_review_id": business_review_id})


@access_required(EngagementPerm.REVIEW_VIEW)
def renewal(request: HttpRequest, contract_id: int) -> HttpResponse:
    scope = request.access
    live = selectors.renewal_live(scope, contract_id=contract_id)
    contract = live.contract
    evidence = {"record": live.evidence, "recommendation": services.recommendation_json(live.recommendation)}
    stored = [
        {"row": row, "view": presentation.renewal_view(contract, row.evidence)}
        for row in selectors.renewal_list(scope, contract_id=contract.pk)
    ]
    can_decide = scope.has(EngagementPerm.RENEWAL_DECIDE)
    return render(
        request,
        "engagements/reviews/renewal.html",
        {
            "contract": contract,
            "due": selectors.renewal_due(contract, figures.today_of(contract)),
            "live": presentation.renewal_view(contract, evidence),
            "stored": stored,
            "can_store": scope.has(EngagementPerm.REVIEW_DISCUSS),
            "decision_form": forms.DecisionForm() if can_decide else None,
        },
    )


@require_POST
@access_required(EngagementPerm.REVIEW_DISCUSS)
def renewal_store(request: HttpRequest, contract_id: int) -> HttpResponse:
    row = services.renewal_store(request.access, contract_id=contract_id)
    return redirect(f"{_renewal_url(row.contract_id)}#renewal-{row.pk}")


def _renewal_url(contract_id: int) -> str:
    return reverse("reviews_renewal", kwargs={"contract_id": contract_id})


@require_POST
@access_required(EngagementPerm.RENEWAL_DECIDE)
def renewal_decide(request: HttpRequest, renewal_id: int) -> HttpResponse:
    row = selectors.renewal_get(request.access, renewal_id=renewal_id)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.renewal_decide(
                request.access,
                renewal_id=row.pk,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise
        except KefuError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{_renewal_url(row.contract_id)}#renewal-{row.pk}")
