"""Invoice endpoints (`/api/engagements/invoices…`): draft from a signed contract and a period,
recompute, issue, dispute (client), resolve and pay (provider), export (docs/engagements-billing.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kefu.core.errors import Invalid
from kefu.engagements.billing import exports, presentation, selectors, services

router = Router(tags=["invoices"])
Number = int | float | str


class InvoiceIn(Schema):
    contract_id: int
    period: str  # YYYY-MM, the first month of the period
    months: int | None = None  # the payment terms' length unless given (1–12)
    # base + commission bills the confirmed sales statements; a typed figure only corrects them
    sales_correction: Number | None = None  # yuan of sales, may be negative, with its reason
    sales_correction_note: str | None = None
    sales: Number | None = None  # no longer accepted (422): sales come from the statements


class RecomputeIn(Schema):
    adjustment: Number | None = None  # a correction (yuan, may be negative), with its reason
    adjustment_note: str | None = None
    sales_correction: Number | None = None
    sales_correction_note: str | None = None
    sales: Number | None = None  # no longer accepted (422): sales come from the statements


class DisputeIn(Schema):
    reason: str


class ResolveIn(Schema):
    outcome: str  # confirm | correct
    note: str


class LineOut(Schema):
    code: str
    label: str
    quantity: str
    unit_price: str
    amount: str
    month: int | None
    drill: str  # the page with the figures behind the line ("" for a rate times a fixed count)


class InvoiceSummaryOut(Schema):
    id: int
    number: str
    version: int
    status: str
    contract_id: int
    provider_id: int
    client_id: int
    period_start: date
    period_end: date
    pricing_model: str
    net: Decimal
    vat: Decimal
    total: Decimal
    issued_at: datetime | None
    paid_at: datetime | None


class InvoiceOut(InvoiceSummaryOut):
    previous_id: int | None
    rates: dict[str, str]
    usage: dict[str, Any]
    sla: dict[str, Any]
    lines: list[LineOut]
    sales_correction: Decimal
    sales_correction_note: str
    adjustment: Decimal
    adjustment_note: str
    dispute_reason: str
    resolution_note: str
    created_at: datetime
    computed_at: datetime
    disputed_at: datetime | None
    resolved_at: datetime | None
    reconciliation: dict[str, Any]

    @staticmethod
    def resolve_lines(obj: Any) -> list[dict[str, Any]]:
        return presentation.invoice_lines(obj)

    @staticmethod
    def resolve_reconciliation(obj: Any) -> dict[str, Any]:
        return presentation.reconciliation_json(obj)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _no_typed_sales(body: InvoiceIn | RecomputeIn) -> None:
    if body.sales is not None:
        raise Invalid(
            _(
                "Sales for commission come from the confirmed sales statement; give a "
                "sales_correction with its sales_correction_note instead."
            ),
            field="sales",
        )


@router.get("/engagements/invoices", response=list[InvoiceSummaryOut])
def list_invoices(
    request: HttpRequest, contract: int | None = None, client: int | None = None, status: str = ""
) -> Any:
    return list(
        selectors.invoice_list(request.access, contract_id=contract, client_id=client, status=status[:12])
    )


@router.post("/engagements/invoices", response={201: InvoiceOut})
def create_invoice(request: HttpRequest, body: InvoiceIn) -> Status:
    _no_typed_sales(body)
    invoice = services.invoice_create(
        request.access,
        contract_id=body.contract_id,
        period=body.period,
        months=body.months,
        sales_correction=body.sales_correction,
        sales_correction_note=body.sales_correction_note,
        ip_address=_ip(request),
    )
    return Status(201, invoice)


@router.get("/engagements/invoices/{invoice_id}", response=InvoiceOut)
def get_invoice(request: HttpRequest, invoice_id: int) -> Any:
    return selectors.invoice_get(request.access, invoice_id=invoice_id)


@router.post("/engagements/invoices/{invoice_id}/recompute", response=InvoiceOut)
def recompute_invoice(request: HttpRequest, invoice_id: int, body: RecomputeIn) -> Any:
    _no_typed_sales(body)
    return services.invoice_recompute(
        request.access, invoice_id=invoice_id, **body.model_dump(exclude={"sales"})
    )


@router.post("/engagements/invoices/{invoice_id}/issue", response=InvoiceOut)
def issue_invoice(request: HttpRequest, invoice_id: int) -> Any:
    return services.invoice_issue(request.access, invoice_id=invoice_id)


@router.post("/engagements/invoices/{invoice_id}/dispute", response=InvoiceOut)
def dispute_invoice(request: HttpRequest, invoice_id: int, body: DisputeIn) -> Any:
    return services.invoice_dispute(request.access, invoice_id=invoice_id, reason=body.reason)


@router.post("/engagements/invoices/{invoice_id}/resolve", response=InvoiceOut)
def resolve_invoice(request: HttpRequest, invoice_id: int, body: ResolveIn) -> Any:
    """`confirm` returns the same invoice issued again; `correct` returns the new draft version."""
    return services.invoice_resolve(
        request.access, invoice_id=invoice_id, outcome=body.outcome, note=body.note
    )


@router.post("/engagements/invoices/{invoice_id}/pay", response=InvoiceOut)
def pay_invoice(request: HttpRequest, invoice_id: int) -> Any:
    return services.invoice_pay(request.access, invoice_id=invoice_id)


@router.get("/engagements/invoices/{invoice_id}/export")
def export_invoice(request: HttpRequest, invoice_id: int, format: str = "xlsx") -> HttpResponse:
    """The invoice as Excel (`xlsx`), CSV (`csv`) or a Chinese PDF (`pdf`)."""
    invoice = selectors.invoice_get(request.access, invoice_id=invoice_id)
    return exports.download(invoice, format)
