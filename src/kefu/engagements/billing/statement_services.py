"""Writes of sales statements: import the shop's export of a month, confirm or dispute it.

Why both sides: the commission is paid on the shop's sales, which the client owns and the
provider's agents earn, so a figure one side brings is billed only once the other side has
confirmed it. Either side uploads (all or nothing: any bad row and nothing is stored, every bad
row reported with its row number and field); a new upload of the same engagement and month
supersedes the previous one (kept, marked); the other side confirms or disputes (with a reason).
Only a confirmed statement feeds an invoice (`services.compute`). Audited like invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.engagements.billing import sales_export, statement_selectors
from kefu.engagements.billing.models import SalesStatement, SalesStatementRow, StatementSide, StatementStatus
from kefu.engagements.billing.selectors import client_today
from kefu.engagements.billing.services import parse_period
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.contracts.models import Contract, ContractStatus
from kefu.engagements.permissions import EngagementPerm
from kefu.tenancy import services as tenancy_services

FIELD_LABELS = {
    "order_number": gettext_lazy("Order number"),
    "ordered_at": gettext_lazy("Order time"),
    "paid": gettext_lazy("Paid amount"),
    "refunded": gettext_lazy("Refunded amount"),
    "agent": gettext_lazy("Agent"),
    "file": gettext_lazy("File"),
}
PROBLEM_MESSAGES = {
    sales_export.EMPTY: gettext_lazy("The file has no order rows."),
    sales_export.NOT_XLSX: gettext_lazy("The file is not an Excel workbook (.xlsx)."),
    sales_export.NOT_TEXT: gettext_lazy("The file is neither UTF-8 nor GB18030 CSV text."),
    sales_export.TOO_LARGE: gettext_lazy("The file is too large (at most 10 MB)."),
    sales_export.TOO_MANY: gettext_lazy("Too many rows (at most %(value)s)."),
    sales_export.MISSING_COLUMN: gettext_lazy("No such column in the header (e.g. %(value)s)."),
    sales_export.REQUIRED_VALUE: gettext_lazy("This value is required."),
    sales_export.NUMBER: gettext_lazy("Not an amount: %(value)s."),
    sales_export.NEGATIVE: gettext_lazy("An amount cannot be negative (%(value)s)."),
    sales_export.REFUND_ABOVE_PAID: gettext_lazy("The refund (%(value)s) is more than the amount paid."),
    sales_export.TIME: gettext_lazy("Not a date and time: %(value)s."),
    sales_export.OUTSIDE_MONTH: gettext_lazy("The order (%(value)s) is not in the statement's month."),
    sales_export.DUPLICATE: gettext_lazy("The order number is already on row %(value)s."),
    sales_export.TOO_LONG: gettext_lazy("At most %(value)s characters."),
}


@dataclass(frozen=True)
class RowError:
    line: int  # 0: the file as a whole
    field: str
    message: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))


def row_errors(problems: list[sales_export.Problem]) -> list[RowError]:
    return [RowError(p.line, p.field, str(PROBLEM_MESSAGES[p.code]) % {"value": p.value}) for p in problems]


def describe(error: RowError) -> str:
    """`Row 5, Paid amount: Not an amount: abc.` (the CLI's and the API's message)."""
    where = str(FIELD_LABELS.get(error.field, error.field))
    if error.line:
        return _("Row %(line)d, %(field)s: %(message)s") % {
            "line": error.line,
            "field": where,
            "message": error.message,
        }
    return f"{where}: {error.message}"


class StatementInvalid(Invalid):
    """A file with bad rows: the first one in the message and field, all of them in `details`."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(describe(first), field=f"rows.{first.line}.{first.field}" if first.line else "file")
        self.errors = errors
        self.details = [{"row": e.line, "field": e.field, "message": e.message} for e in errors]


@dataclass
class Preview:
    """What an import would store (or stored): the month, the rows, the totals."""

    contract: Contract
    month: date
    parsed: sales_export.Parsed
    errors: list[RowError]
    statement: SalesStatement | None = None


def side_of(scope: Scope) -> str:
    """Which side of the contract the actor is on; each side needs billing's permission."""
    if scope.is_client:
        scope.require(EngagementPerm.INVOICE_DISPUTE)
        return StatementSide.CLIENT
    scope.require(EngagementPerm.INVOICE_EDIT)
    return StatementSide.PROVIDER


def _contract(scope: Scope, contract_id: Any) -> Contract:
    try:
        contract = contract_selectors.contract_get(scope, contract_id=int(contract_id), for_update=True)
    except (NotFound, TypeError, ValueError):
        raise NotFound(_("Unknown contract."), field="contract_id") from None
    if contract.status == ContractStatus.DRAFT:
        raise Conflict(_("Only a signed contract has sales statements."), field="contract_id")
    if contract.pricing_model != "base_commission":
        raise Conflict(
            _("Only a contract priced base + commission on sales has sales statements."), field="contract_id"
        )
    return contract


def _month(contract: Contract, value: Any) -> date:
    try:
        month = parse_period(value)
    except Invalid as exc:
        raise Invalid(exc.message, field="month") from None
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if last <= contract.starts_on or (contract.ends_on is not None and month > contract.ends_on):
        raise Invalid(_("The contract is not in force in this month."), field="month")
    if month > client_today(contract):
        raise Invalid(_("This month has not started yet."), field="month")
    return month


def _aware(contract: Contract, moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezones.client_time_zone(contract.client_id))


def _audit(scope: Scope, statement: SalesStatement, action: str, **data: Any) -> None:
    tenancy_services.audit_record(
        scope,
        action=f"engagements.sales_statement_{action}",
        target=statement,
        client_id=statement.client_id,
        data={"month": statement.month.strftime("%Y-%m"), "contract_id": statement.contract_id, **data},
    )


@transaction.atomic
def statement_import(
    scope: Scope, *, contract_id: Any, month: Any, filename: str, content: bytes, dry_run: bool = False
) -> Preview:
    """Read the shop's export of a month and store it as a statement awaiting the other side.

    All or nothing: with any bad row nothing is stored and `StatementInvalid` lists every one
    (a `dry_run` returns them in the preview instead and stores nothing either way).
    """
    side = side_of(scope)
    contract = _contract(scope, contract_id)
    first = _month(contract, month)
    table, unreadable = sales_export.read_table(filename or "upload.csv", content)
    parsed = sales_export.parse(table, month=first) if unreadable is None else sales_export.Parsed()
    errors = row_errors([unreadable] if unreadable else parsed.problems)
    if dry_run:
        return Preview(contract, first, parsed, errors)
    if errors:
        raise StatementInvalid(errors)
    previous = statement_selectors.statement_in_force(scope, contract=contract, month=first)
    statement = SalesStatement.objects.create(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        contract=contract,
        month=first,
        side=side,
        filename=(filename or "")[:200],
        row_count=len(parsed.rows),
        paid=parsed.paid,
        refunded=parsed.refunded,
        net=parsed.net,
        uploaded_at=clock.now(),
        uploaded_by_id=scope.user_id,
    )
    SalesStatementRow.objects.bulk_create(
        SalesStatementRow(
            provider_id=statement.provider_id,
            client_id=statement.client_id,
            statement=statement,
            line=row.line,
            order_number=row.order_number,
            ordered_at=_aware(contract, row.ordered_at),
            paid=row.paid,
            refunded=row.refunded,
            agent_name=row.agent,
        )
        for row in parsed.rows
    )
    if previous is not None:
        previous.status, previous.superseded_by = StatementStatus.SUPERSEDED, statement
        previous.save(update_fields=["status", "superseded_by"])
        _audit(scope, previous, "supersede", superseded_by=statement.pk)
    _audit(scope, statement, "import", rows=statement.row_count, net=str(statement.net))
    return Preview(contract, first, parsed, [], statement)


def _pending_for_other_side(scope: Scope, statement_id: int) -> SalesStatement:
    side = side_of(scope)
    statement = statement_selectors.statement_get(scope, statement_id=statement_id, for_update=True)
    if statement.status != StatementStatus.PENDING:
        raise Conflict(_("Only a statement awaiting confirmation can be confirmed or disputed."))
    if statement.side == side:
        raise PermissionDenied(_("The other side confirms or disputes the statement your side uploaded."))
    return statement


@transaction.atomic
def statement_confirm(scope: Scope, *, statement_id: int) -> SalesStatement:
    """The other side agrees with the uploaded figures: invoices bill them from now on."""
    statement = _pending_for_other_side(scope, statement_id)
    statement.status, statement.decided_at, statement.decided_by_id = (
        StatementStatus.CONFIRMED,
        clock.now(),
        scope.user_id,
    )
    statement.save(update_fields=["status", "decided_at", "decided_by"])
    _audit(scope, statement, "confirm", net=str(statement.net))
    return statement


@transaction.atomic
def statement_dispute(scope: Scope, *, statement_id: int, reason: Any) -> SalesStatement:
    """The other side disagrees, saying why; a corrected upload then supersedes the statement."""
    statement = _pending_for_other_side(scope, statement_id)
    text = "" if reason is None else str(reason).strip()
    if not text:
        raise Invalid(_("This field is required."), field="reason")
    if "\x00" in text or len(text) > 2000:
        raise Invalid(_("At most %(count)d characters.") % {"count": 2000}, field="reason")
    statement.status, statement.decided_at, statement.decided_by_id = (
        StatementStatus.DISPUTED,
        clock.now(),
        scope.user_id,
    )
    statement.dispute_reason = text
    statement.save(update_fields=["status", "decided_at", "decided_by", "dispute_reason"])
    _audit(scope, statement, "dispute")
    return statement
