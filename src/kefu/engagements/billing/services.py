"""Writes of invoices: draft from a contract and a period, recompute, issue, dispute, resolve, pay.

A draft stores the usage and SLA money it measured and the lines the pure core made of them
(`invoice_core`); issuing freezes it. The client disputes an issued invoice with a reason; the
provider either confirms it (issued again, with a note) or corrects it: the disputed version is
superseded and a new draft version is measured again (with an optional correction line) to be
issued in its place. The provider records the payment (it is the one that receives it). Every
transition is audited: who and when are also on the row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.core.scope import Scope
from kefu.engagements.billing import invoice_core, pricing_terms, selectors, statement_selectors
from kefu.engagements.billing.models import Invoice, InvoiceStatus
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.contracts import services as contract_services
from kefu.engagements.contracts.models import Contract, ContractStatus
from kefu.engagements.permissions import EngagementPerm
from kefu.tenancy import services as tenancy_services

MAX_AMOUNT = Decimal("9999999999")


# --- input -----------------------------------------------------------------------------------------
def parse_period(value: Any) -> date:
    """`YYYY-MM` → the first day of that month."""
    text = "" if value is None else str(value).strip()
    try:
        if len(text) != 7:
            raise ValueError
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise Invalid(_("Give a month as YYYY-MM."), field="period") from None


def _amount(value: Any, field: str, *, signed: bool = False) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("nan")
    except InvalidOperation:
        number = Decimal("nan")
    if not number.is_finite() or abs(number) > MAX_AMOUNT or (number < 0 and not signed):
        raise Invalid(_("Enter a number."), field=field)
    return number.quantize(Decimal("0.01"))


def _text(value: Any, field: str, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text or len(text) > 2000:
        raise Invalid(_("At most %(count)d characters.") % {"count": 2000}, field=field)
    if required and not text:
        raise Invalid(_("This field is required."), field=field)
    return text


def contract_rates(contract: Contract) -> tuple[str, dict[str, str]]:
    """The contract's pricing model and rates (a fixed fee defaults to its monthly fee)."""
    rates = dict(contract.pricing_rates or {})
    if contract.pricing_model == "fixed_monthly" and "monthly" not in rates:
        rates["monthly"] = str(contract.monthly_fee)
    return pricing_terms.clean(contract.pricing_model, rates)


# --- computing ---------------------------------------------------------------------------------------
def compute(invoice: Invoice) -> None:
    """Measure the invoice's period and fill its usage, SLA money, lines and totals (unsaved)."""
    months = invoice.usage.get("months") or selectors.PERIOD_MONTHS[invoice.contract.payment_terms]
    measured = selectors.measure(invoice.contract, period_start=invoice.period_start, months=months)
    usage, sla = measured.usage, measured.sla
    sales_by_month: list[Decimal | None] = []
    if invoice.pricing_model == "base_commission":
        usage["sales"] = sales_of(invoice.contract, invoice.period_start, months)
        sales_by_month = [None if m["net"] is None else Decimal(m["net"]) for m in usage["sales"]]
    rates = pricing_terms.decimals(invoice.rates)
    result = invoice_core.invoice_lines(
        invoice.pricing_model,
        rates,
        invoice_core.Usage(
            months=months,
            seats=usage["seats"],
            hours=Decimal(usage["hours"]),
            contacts=usage["contacts"],
            resolved=usage["resolved"],
            sales_by_month=sales_by_month,
            sales_correction=invoice.sales_correction,
            seat_days=usage["seat_days"],
            contacts_by_month=[m["contacts"] for m in usage["by_month"]],
        ),
        credits=Decimal(sla["credits"]),
        bonus=Decimal(sla["bonus"]),
        earned_back=Decimal(sla["earned_back"]),
        adjustment=invoice.adjustment,
        vat_pct=rates.get("vat_pct", Decimal(0)),
    )
    invoice.usage, invoice.sla = usage, sla
    invoice.lines = [
        {
            "code": line.code,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
            "month": line.month,
        }
        for line in result.lines
    ]
    invoice.net, invoice.vat, invoice.total = result.net, result.vat, result.total
    invoice.computed_at = clock.now()


def sales_of(contract: Contract, period_start: date, months: int) -> list[dict[str, Any]]:
    """Each month's net sales from its confirmed statement (`net` None: no confirmed statement)."""
    month_starts = [
        month
        for month in (selectors.add_months(period_start, n) for n in range(months))
        if selectors.period_of(month, 1)[1] >= contract.starts_on
        and (contract.ends_on is None or month <= contract.ends_on)
    ]
    found = statement_selectors.confirmed_statements(contract, months=month_starts)
    return [
        {
            "month": month.strftime("%Y-%m"),
            "statement_id": found[month].pk if month in found else None,
            "orders": found[month].row_count if month in found else 0,
            "paid": str(found[month].paid) if month in found else None,
            "refunded": str(found[month].refunded) if month in found else None,
            "net": str(found[month].net) if month in found else None,
        }
        for month in month_starts
    ]


def sales_missing(invoice: Invoice) -> list[str]:
    """The months of a base + commission invoice without a confirmed sales statement."""
    return [m["month"] for m in invoice.usage.get("sales", []) if m.get("net") is None]


def _sales_correction(invoice: Invoice, amount: Any, note: Any) -> None:
    if amount is not None:
        invoice.sales_correction = _amount(amount, "sales_correction", signed=True)
    if note is not None:
        invoice.sales_correction_note = _text(note, "sales_correction_note")
    if invoice.sales_correction and not invoice.sales_correction_note:
        raise Invalid(_("Say why the sales are corrected."), field="sales_correction_note")


def _audit(scope: Scope, invoice: Invoice, action: str, **data: Any) -> None:
    tenancy_services.audit_record(
        scope,
        action=f"engagements.invoice_{action}",
        target=invoice,
        client_id=invoice.client_id,
        data={"invoice_number": invoice.number, "version": invoice.version, **data},
    )


# --- drafting ----------------------------------------------------------------------------------------
def months_of(contract: Contract, months: Any) -> int:
    if months in (None, ""):
        return selectors.PERIOD_MONTHS[contract.payment_terms]
    try:
        count = int(str(months))
    except ValueError:
        count = 0
    if not 1 <= count <= 12:
        raise Invalid(_("Enter a whole number between 1 and 12."), field="months")
    return count


def new_invoice(
    contract: Contract,
    *,
    start: date,
    months: int,
    user_id: int | None,
    sales_correction: Any = None,
    sales_correction_note: Any = None,
) -> Invoice:
    """An unsaved draft of a signed contract's period, measured (the CLI previews it as it is)."""
    first, last = selectors.period_of(start, months)
    if last < contract.starts_on or (contract.ends_on is not None and first > contract.ends_on):
        raise Invalid(_("The contract is not in force in this period."), field="period")
    if first > selectors.client_today(contract):
        raise Invalid(_("This period has not started yet."), field="period")
    model, rates = contract_rates(contract)
    now = clock.now()
    invoice = Invoice(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        contract=contract,
        number=f"INV-{contract.engagement_id}-{start:%Y%m}",
        period_start=first,
        period_end=last,
        pricing_model=model,
        rates=rates,
        usage={"months": months},
        created_at=now,
        created_by_id=user_id,
        computed_at=now,
    )
    _sales_correction(invoice, sales_correction, sales_correction_note)
    compute(invoice)
    return invoice


@transaction.atomic
def invoice_create(
    scope: Scope,
    *,
    contract_id: int,
    period: Any,
    months: Any = None,
    sales_correction: Any = None,
    sales_correction_note: Any = None,
    ip_address: str | None = None,
) -> Invoice:
    """A draft for a signed contract's period (its payment terms' length unless `months` is given).

    A base + commission contract bills each month's confirmed sales statement; a typed figure is
    only a correction of them with its reason (`sales_correction`, `sales_correction_note`)."""
    scope.require(EngagementPerm.INVOICE_EDIT)
    try:
        contract = contract_services.contract_open(
            scope, contract_id=contract_id, purpose="invoice", ip_address=ip_address
        )
    except NotFound:
        raise NotFound(_("Unknown contract."), field="contract_id") from None
    # the contract's row is the lock that keeps two drafts of one period from racing
    contract = contract_selectors.contract_get(scope, contract_id=contract.pk, for_update=True)
    if contract.status == ContractStatus.DRAFT:
        raise Conflict(_("Only a signed contract can be invoiced."), field="contract_id")
    start = parse_period(period)
    count = months_of(contract, months)
    if selectors.open_invoice(scope, contract=contract, period_start=start) is not None:
        raise Conflict(_("This period already has an invoice."), field="period")
    invoice = new_invoice(
        contract,
        start=start,
        months=count,
        user_id=scope.user_id,
        sales_correction=sales_correction,
        sales_correction_note=sales_correction_note,
    )
    invoice.save()
    _audit(scope, invoice, "create")
    return invoice


def _draft(scope: Scope, invoice_id: int) -> Invoice:
    scope.require(EngagementPerm.INVOICE_EDIT)
    invoice = selectors.invoice_get(scope, invoice_id=invoice_id, for_update=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(_("An issued invoice cannot change: correct it with a new version."))
    return invoice


@transaction.atomic
def invoice_recompute(
    scope: Scope,
    *,
    invoice_id: int,
    adjustment: Any = None,
    adjustment_note: Any = None,
    sales_correction: Any = None,
    sales_correction_note: Any = None,
) -> Invoice:
    """Measure a draft again (new events, a changed schedule, a newly confirmed sales statement),
    with a correction of the total or of the sales, each with its reason."""
    invoice = _draft(scope, invoice_id)
    _sales_correction(invoice, sales_correction, sales_correction_note)
    if adjustment is not None:
        invoice.adjustment = _amount(adjustment, "adjustment", signed=True)
    if adjustment_note is not None:
        invoice.adjustment_note = _text(adjustment_note, "adjustment_note")
    if invoice.adjustment and not invoice.adjustment_note:
        raise Invalid(_("Say why the invoice is corrected."), field="adjustment_note")
    compute(invoice)
    invoice.save()
    _audit(scope, invoice, "recompute", total=str(invoice.total))
    return invoice


@transaction.atomic
def invoice_issue(scope: Scope, *, invoice_id: int) -> Invoice:
    """Freeze the draft's lines and show it to the client (the period must be over)."""
    invoice = _draft(scope, invoice_id)
    if invoice.period_end >= selectors.client_today(invoice.contract):
        raise Conflict(_("The period is not over yet: issue the invoice after it ends."))
    compute(invoice)  # the figures as they are at issue time are the ones frozen
    missing = sales_missing(invoice)
    if missing and not invoice.sales_correction_note:
        raise Conflict(
            _(
                "No confirmed sales statement for %(months)s: have the statement confirmed, or enter "
                "the sales as a correction with its reason."
            )
            % {"months": ", ".join(missing)},
            field="sales_correction",
        )
    now = clock.now()
    invoice.status, invoice.issued_at, invoice.issued_by_id = InvoiceStatus.ISSUED, now, scope.user_id
    invoice.save()
    _audit(scope, invoice, "issue", total=str(invoice.total))
    return invoice


# --- after issue -----------------------------------------------------------------------------------------
@transaction.atomic
def invoice_dispute(scope: Scope, *, invoice_id: int, reason: Any) -> Invoice:
    """The client disputes an issued invoice, saying why."""
    scope.require(EngagementPerm.INVOICE_DISPUTE)
    invoice = selectors.invoice_get(scope, invoice_id=invoice_id, for_update=True)
    if invoice.status != InvoiceStatus.ISSUED:
        raise Conflict(_("Only an issued, unpaid invoice can be disputed."))
    invoice.dispute_reason = _text(reason, "reason", required=True)
    invoice.status, invoice.disputed_at, invoice.disputed_by_id = (
        InvoiceStatus.DISPUTED,
        clock.now(),
        scope.user_id,
    )
    invoice.save()
    _audit(scope, invoice, "dispute")
    return invoice


RESOLVE_CONFIRM, RESOLVE_CORRECT = "confirm", "correct"


@transaction.atomic
def invoice_resolve(scope: Scope, *, invoice_id: int, outcome: Any, note: Any) -> Invoice:
    """The provider answers a dispute: `confirm` issues the same invoice again; `correct`
    supersedes it and returns a new draft version to correct and issue."""
    scope.require(EngagementPerm.INVOICE_EDIT)
    invoice = selectors.invoice_get(scope, invoice_id=invoice_id, for_update=True)
    if invoice.status != InvoiceStatus.DISPUTED:
        raise Conflict(_("Only a disputed invoice can be resolved."))
    if outcome not in (RESOLVE_CONFIRM, RESOLVE_CORRECT):
        raise Invalid(_("Choose one of the listed options."), field="outcome")
    now = clock.now()
    invoice.resolution_note = _text(note, "note", required=True)
    invoice.resolved_at, invoice.resolved_by_id = now, scope.user_id
    if outcome == RESOLVE_CONFIRM:
        invoice.status = InvoiceStatus.ISSUED
        invoice.save()
        _audit(scope, invoice, "resolve", invoice_outcome=outcome)
        return invoice
    invoice.status = InvoiceStatus.SUPERSEDED
    invoice.save()
    _audit(scope, invoice, "resolve", invoice_outcome=outcome)
    correction = Invoice(
        provider_id=invoice.provider_id,
        client_id=invoice.client_id,
        contract=invoice.contract,
        previous=invoice,
        number=invoice.number,
        version=invoice.version + 1,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        pricing_model=invoice.pricing_model,
        rates=invoice.rates,
        usage={"months": invoice.usage.get("months")},
        sales_correction=invoice.sales_correction,
        sales_correction_note=invoice.sales_correction_note,
        created_at=now,
        created_by_id=scope.user_id,
        computed_at=now,
    )
    compute(correction)
    correction.save()
    _audit(scope, correction, "create")
    return correction


@transaction.atomic
def invoice_pay(scope: Scope, *, invoice_id: int) -> Invoice:
    """The provider records that the client paid an issued invoice."""
    scope.require(EngagementPerm.INVOICE_EDIT)
    invoice = selectors.invoice_get(scope, invoice_id=invoice_id, for_update=True)
    if invoice.status != InvoiceStatus.ISSUED:
        raise Conflict(_("Only an issued, undisputed invoice can be marked paid."))
    invoice.status, invoice.paid_at, invoice.paid_by_id = InvoiceStatus.PAID, clock.now(), scope.user_id
    invoice.save()
    _audit(scope, invoice, "pay")
    return invoice
