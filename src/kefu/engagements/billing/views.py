"""Invoice pages: the list, a draft from a contract and a period, the invoice with its lines and
the figures behind them, its actions (issue, dispute, resolve, pay), the seat-hour reconciliation
and the exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.billing import exports, forms, presentation, selectors, services
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.permissions import EngagementPerm

STATUSES = ("", "draft", "issued", "disputed", "paid", "superseded")


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _contracts(scope: Any) -> list[tuple[int, str]]:
    """Signed contracts the provider may invoice (the version in force and superseded ones)."""
    return [
        (c.pk, f"{c.client.name} · {c.title} · v{c.version}")
        for c in contract_selectors.contract_list(scope).exclude(status="draft")
    ]


@access_required(EngagementPerm.INVOICE_VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    status = request.GET.get("status", "")
    if status not in STATUSES:
        raise NotFound()
    statuses = [(s, presentation.STATUS_LABELS[s]) for s in STATUSES if s]
    if scope.is_client:
        statuses = [s for s in statuses if s[0] != "draft"]
    return render(
        request,
        "engagements/billing/list.html",
        {
            "invoices": list(selectors.invoice_list(scope, status=status)),
            "status": status,
            "statuses": statuses,
            "labels": presentation.STATUS_LABELS,
            "can_edit": scope.has(EngagementPerm.INVOICE_EDIT),
        },
    )


@access_required(EngagementPerm.INVOICE_EDIT)
def invoice_new(request: HttpRequest) -> HttpResponse:
    scope = request.access
    initial = {}
    if request.GET.get("contract", "").isdigit():
        initial["contract"] = int(request.GET["contract"])
    form = forms.InvoiceForm(request.POST or None, initial=initial, contracts=_contracts(scope))
    if request.method == "POST" and form.is_valid():
        try:
            invoice = services.invoice_create(
                scope,
                contract_id=form.cleaned_data["contract"],
                period=form.cleaned_data["period"],
                months=form.cleaned_data.get("months"),
                ip_address=_ip(request),
            )
        except KefuError as exc:
            form_error(form, exc if exc.field != "contract_id" else _renamed(exc, "contract"))
        else:
            return redirect("invoices_detail", invoice_id=invoice.pk)
    return render(
        request, "engagements/billing/form.html", {"form": form}, status=422 if form.errors else 200
    )


def _renamed(exc: KefuError, field: str) -> KefuError:
    exc.field = field
    return exc


@access_required(EngagementPerm.INVOICE_VIEW)
def invoice_detail(request: HttpRequest, invoice_id: int, **forms_: Any) -> HttpResponse:
    scope = request.access
    invoice = selectors.invoice_get(scope, invoice_id=invoice_id)
    can_edit = scope.has(EngagementPerm.INVOICE_EDIT)
    draft = invoice.status == "draft"
    context = presentation.invoice_context(invoice)
    context.update(
        versions=selectors.versions(scope, invoice=invoice),
        can_edit=can_edit and draft,
        can_issue=can_edit and draft,
        can_pay=can_edit and invoice.status == "issued",
        can_resolve=can_edit and invoice.status == "disputed",
        can_dispute=scope.has(EngagementPerm.INVOICE_DISPUTE) and invoice.status == "issued",
        recompute_form=forms_.get("recompute_form")
        or forms.RecomputeForm(
            initial={"adjustment": invoice.adjustment, "adjustment_note": invoice.adjustment_note}
        ),
        sales_form=forms_.get("sales_form")
        or forms.SalesCorrectionForm(
            initial={
                "sales_correction": invoice.sales_correction,
                "sales_correction_note": invoice.sales_correction_note,
            }
        ),
        dispute_form=forms_.get("dispute_form") or forms.DisputeForm(),
        resolve_form=forms_.get("resolve_form") or forms.ResolveForm(),
        error=forms_.get("error", ""),
    )
    failed = any(f.errors for f in forms_.values() if hasattr(f, "errors")) or forms_.get("error")
    return render(request, "engagements/billing/detail.html", context, status=422 if failed else 200)


def _act(request: HttpRequest, invoice_id: int, form: Any, name: str, call: Any) -> HttpResponse:
    if form is None or form.is_valid():
        try:
            result = call(**(form.cleaned_data if form is not None else {}))
        except KefuError as exc:
            if form is None:
                return invoice_detail(request, invoice_id, error=str(exc.message))
            form_error(form, exc)
        else:
            return redirect("invoices_detail", invoice_id=result.pk)
    return invoice_detail(request, invoice_id, **{name: form})


@require_POST
@access_required(EngagementPerm.INVOICE_EDIT)
def recompute(request: HttpRequest, invoice_id: int) -> HttpResponse:
    def call(**data: Any) -> Any:
        return services.invoice_recompute(
            request.access,
            invoice_id=invoice_id,
            adjustment=data.get("adjustment") if data.get("adjustment") is not None else "0",
            adjustment_note=data.get("adjustment_note", ""),
        )

    return _act(request, invoice_id, forms.RecomputeForm(request.POST), "recompute_form", call)


@require_POST
@access_required(EngagementPerm.INVOICE_EDIT)
def correct_sales(request: HttpRequest, invoice_id: int) -> HttpResponse:
    def call(**data: Any) -> Any:
        amount = data.get("sales_correction")
        return services.invoice_recompute(
            request.access,
            invoice_id=invoice_id,
            sales_correction=amount if amount is not None else "0",
            sales_correction_note=data.get("sales_correction_note", ""),
        )

    return _act(request, invoice_id, forms.SalesCorrectionForm(request.POST), "sales_form", call)


@require_POST
@access_required(EngagementPerm.INVOICE_EDIT)
def issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _act(
        request, invoice_id, None, "", lambda: services.invoice_issue(request.access, invoice_id=invoice_id)
    )


@require_POST
@access_required(EngagementPerm.INVOICE_EDIT)
def pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _act(
        request, invoice_id, None, "", lambda: services.invoice_pay(request.access, invoice_id=invoice_id)
    )


@require_POST
@access_required(EngagementPerm.INVOICE_DISPUTE)
def dispute(request: HttpRequest, invoice_id: int) -> HttpResponse:
    def call(reason: str) -> Any:
        return services.invoice_dispute(request.access, invoice_id=invoice_id, reason=reason)

    return _act(request, invoice_id, forms.DisputeForm(request.POST), "dispute_form", call)


@require_POST
@access_required(EngagementPerm.INVOICE_EDIT)
def resolve(request: HttpRequest, invoice_id: int) -> HttpResponse:
    def call(outcome: str, note: str) -> Any:
        return services.invoice_resolve(request.access, invoice_id=invoice_id, outcome=outcome, note=note)

    return _act(request, invoice_id, forms.ResolveForm(request.POST), "resolve_form", call)


@access_required(EngagementPerm.INVOICE_VIEW)
def reconciliation(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_get(request.access, invoice_id=invoice_id)
    found = presentation.reconciliation(invoice)
    return render(
        request,
        "engagements/billing/reconciliation.html",
        {
            "invoice": invoice,
            "rec": found,
            "total_rows": [found.total],
            "billed": presentation.billed_hours(invoice),
        },
    )


@access_required(EngagementPerm.INVOICE_VIEW)
def export(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_get(request.access, invoice_id=invoice_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in exports.FORMATS:
        raise NotFound(_("Unknown format."))
    return exports.download(invoice, fmt)
