"""Sales statement endpoints (`/api/engagements/sales-statements…`): upload the shop's sales export of
a month (multipart), list and read them with their rows and the desk cross-check, and confirm or
dispute one uploaded by the other side (docs/engagements-billing.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile

from kefu.engagements.billing import statement_selectors as selectors
from kefu.engagements.billing import statement_services as services
from kefu.engagements.billing.services import parse_period

router = Router(tags=["sales statements"])


class SalesStatementOut(Schema):
    id: int
    contract_id: int
    provider_id: int
    client_id: int
    month: date
    status: str
    side: str  # who uploaded it: provider | client (the other side confirms)
    filename: str
    row_count: int
    paid: Decimal
    refunded: Decimal
    net: Decimal
    uploaded_at: datetime
    decided_at: datetime | None
    dispute_reason: str
    superseded_by_id: int | None


class SalesStatementRowOut(Schema):
    line: int
    order_number: str
    ordered_at: datetime
    paid: Decimal
    refunded: Decimal
    agent_name: str
    linked_on_chat: bool


class OrderLinkOut(Schema):
    order_number: str
    at: datetime
    conversation_id: int
    order_value: str | None


class SalesCrossCheckOut(Schema):
    rows: int
    linked: int  # orders of the statement an agent linked on a chat
    linked_net: Decimal
    missing: list[OrderLinkOut]  # linked on a chat in the month, not on the statement


class SalesStatementDetailOut(SalesStatementOut):
    rows: list[SalesStatementRowOut]
    cross_check: SalesCrossCheckOut


class SalesDisputeIn(Schema):
    reason: str


def _detail(statement: Any) -> dict[str, Any]:
    check = selectors.statement_cross_check(statement)
    body = SalesStatementOut.from_orm(statement).dict()
    body["rows"] = [
        {
            "line": r.line,
            "order_number": r.order_number,
            "ordered_at": r.ordered_at,
            "paid": r.paid,
            "refunded": r.refunded,
            "agent_name": r.agent_name,
            "linked_on_chat": r.order_number in check.linked_numbers,
        }
        for r in selectors.statement_rows(statement)
    ]
    body["cross_check"] = {
        "rows": check.rows,
        "linked": check.linked,
        "linked_net": check.linked_net,
        "missing": [vars(link) for link in check.missing],
    }
    return body


@router.get("/engagements/sales-statements", response=list[SalesStatementOut])
def list_statements(
    request: HttpRequest, contract_id: int | None = None, month: str = "", status: str = ""
) -> Any:
    return list(
        selectors.statement_list(
            request.access,
            contract_id=contract_id,
            month=parse_period(month) if month else None,
            status=status[:12],
        )
    )


@router.post("/engagements/sales-statements", response={201: SalesStatementDetailOut})
def import_statement(
    request: HttpRequest,
    contract_id: Form[int],
    month: Form[str],
    file: File[UploadedFile],
) -> Status:
    """Upload the shop's export (CSV or .xlsx) of a month; 422 names the first bad row and field,
    `details` lists every bad row, and nothing is stored."""
    preview = services.statement_import(
        request.access,
        contract_id=contract_id,
        month=month,
        filename=file.name or "upload.csv",
        content=file.read(),
    )
    return Status(201, _detail(preview.statement))


@router.get("/engagements/sales-statements/{sales_statement_id}", response=SalesStatementDetailOut)
def get_statement(request: HttpRequest, sales_statement_id: int) -> Any:
    return _detail(selectors.statement_get(request.access, statement_id=sales_statement_id))


@router.post("/engagements/sales-statements/{sales_statement_id}/confirm", response=SalesStatementOut)
def confirm_statement(request: HttpRequest, sales_statement_id: int) -> Any:
    return services.statement_confirm(request.access, statement_id=sales_statement_id)


@router.post("/engagements/sales-statements/{sales_statement_id}/dispute", response=SalesStatementOut)
def dispute_statement(request: HttpRequest, sales_statement_id: int, body: SalesDisputeIn) -> Any:
    return services.statement_dispute(request.access, statement_id=sales_statement_id, reason=body.reason)
