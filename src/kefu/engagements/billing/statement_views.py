"""Sales statement pages: the list, the upload with its preview and row errors, a statement with
its orders and the desk cross-check, confirm and dispute (docs/engagements-billing.md)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import Invalid, KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.billing import statement_forms as forms
from kefu.engagements.billing import statement_selectors as selectors
from kefu.engagements.billing import statement_services as services
from kefu.engagements.billing.models import StatementStatus
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.permissions import EngagementPerm

STATUSES = ("", *StatementStatus.values)
MAX_UPLOAD = 10 * 1024 * 1024
SHOWN_ROWS = 500  # the page's share of a large statement (the API and the invoice use them all)


def _contracts(scope: Any) -> list[tuple[int, str]]:
    """Signed base + commission contracts (the ones billed on sales)."""
    return [
        (c.pk, f"{c.client.name} · {c.title} · v{c.version}")
        for c in contract_selectors.contract_list(scope)
        .exclude(status="draft")
        .filter(pricing_model="base_commission")
    ]


def _may_upload(scope: Any) -> bool:
    return scope.has(EngagementPerm.INVOICE_DISPUTE if scope.is_client else EngagementPerm.INVOICE_EDIT)


@access_required(EngagementPerm.INVOICE_VIEW)
def statement_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    status = request.GET.get("status", "")
    contract = request.GET.get("contract_id", "")
    if status not in STATUSES or (contract and not contract.isdigit()):
        raise NotFound()
    rows = selectors.statement_list(scope, status=status, contract_id=int(contract) if contract else None)
    return render(
        request,
        "engagements/billing/statement_list.html",
        {
            "statements": list(rows),
            "status": status,
            "statuses": StatementStatus.choices,
            "can_upload": _may_upload(scope),
        },
    )


def _content(form: forms.StatementUploadForm) -> tuple[str, bytes]:
    upload = form.cleaned_data.get("file")
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            raise Invalid(_("The file is too large (at most 10 MB)."), field="file")
        return upload.name, upload.read()
    try:
        content = base64.b64decode(form.cleaned_data.get("content_b64") or "", validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        raise Invalid(_("Choose the file to upload."), field="file")
    return form.cleaned_data.get("filename") or "upload.csv", content


@access_required(EngagementPerm.INVOICE_VIEW)
def statement_new(request: HttpRequest) -> HttpResponse:
    """Step one previews the file (rows, totals, every bad row); step two imports the same file."""
    scope = request.access
    if not _may_upload(scope):
        raise NotFound()
    initial = {}
    if request.GET.get("contract", "").isdigit():
        initial["contract"] = int(request.GET["contract"])
    form = forms.StatementUploadForm(
        request.POST or None, request.FILES or None, initial=initial, contracts=_contracts(scope)
    )
    preview = None
    carried = {}
    if request.method == "POST" and form.is_valid():
        try:
            filename, content = _content(form)
            arguments = {
                "contract_id": form.cleaned_data["contract"],
                "month": form.cleaned_data["month"],
                "filename": filename,
                "content": content,
            }
            preview = services.statement_import(scope, **arguments, dry_run=True)
            if "import" in request.POST and not preview.errors:
                preview = services.statement_import(scope, **arguments)
        except KefuError as exc:
            form_error(form, exc if exc.field != "contract_id" else _renamed(exc, "contract"))
        else:
            if preview.statement is not None:
                return redirect("sales_statements_detail", sales_statement_id=preview.statement.pk)
            carried = {"filename": filename, "content_b64": base64.b64encode(content).decode()}
    failed = bool(form.errors) or bool(preview and preview.errors)
    return render(
        request,
        "engagements/billing/statement_form.html",
        {
            "form": form,
            "preview": preview,
            "carried": carried,
            "rows": preview.parsed.rows[:200] if preview else [],
        },
        status=422 if failed else 200,
    )


def _renamed(exc: KefuError, field: str) -> KefuError:
    exc.field = field
    return exc


@access_required(EngagementPerm.INVOICE_VIEW)
def statement_detail(request: HttpRequest, sales_statement_id: int, **extra: Any) -> HttpResponse:
    scope = request.access
    statement = selectors.statement_get(scope, statement_id=sales_statement_id)
    check = selectors.statement_cross_check(statement)
    mine = (statement.side == "client") == bool(scope.is_client)
    may_decide = statement.status == StatementStatus.PENDING and not mine and _may_upload(scope)
    failed = bool(extra.get("error")) or bool(extra.get("dispute_form") and extra["dispute_form"].errors)
    return render(
        request,
        "engagements/billing/statement_detail.html",
        {
            "statement": statement,
            "rows": list(selectors.statement_rows(statement)[:SHOWN_ROWS]),
            "check": check,
            "may_decide": may_decide,
            "may_upload": _may_upload(scope),
            "awaiting_other_side": statement.status == StatementStatus.PENDING and mine,
            "dispute_form": extra.get("dispute_form") or forms.StatementDisputeForm(),
            "error": extra.get("error", ""),
        },
        status=422 if failed else 200,
    )


@require_POST
@access_required(EngagementPerm.INVOICE_VIEW)
def confirm(request: HttpRequest, sales_statement_id: int) -> HttpResponse:
    try:
        services.statement_confirm(request.access, statement_id=sales_statement_id)
    except KefuError as exc:
        if isinstance(exc, NotFound):
            raise
        return statement_detail(request, sales_statement_id, error=str(exc.message))
    return redirect("sales_statements_detail", sales_statement_id=sales_statement_id)


@require_POST
@access_required(EngagementPerm.INVOICE_VIEW)
def dispute(request: HttpRequest, sales_statement_id: int) -> HttpResponse:
    form = forms.StatementDisputeForm(request.POST)
    if form.is_valid():
        try:
            services.statement_dispute(
                request.access, statement_id=sales_statement_id, reason=form.cleaned_data["reason"]
            )
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            form_error(form, exc)
        else:
            return redirect("sales_statements_detail", sales_statement_id=sales_statement_id)
    return statement_detail(request, sales_statement_id, dispute_form=form)
