"""Reads of sales statements (scoped: both sides of the contract see them, pending ones too, since
the other side has to confirm them), the confirmed statements an invoice bills, and the
cross-check of a statement against the orders agents linked on chats (information only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics import timezones
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.engagements.billing.models import SalesStatement, SalesStatementRow, StatementStatus
from kefu.engagements.contracts import standing
from kefu.engagements.contracts.models import Contract
from kefu.engagements.permissions import EngagementPerm

LOOKBACK_DAYS = 31  # a chat linked before the month may be an order of the month


def statement_list(
    scope: Scope, *, contract_id: int | None = None, month: date | None = None, status: str = ""
) -> QuerySet[SalesStatement]:
    """The statements of the contracts the actor may bill or be billed on, newest month first."""
    scope.require(EngagementPerm.INVOICE_VIEW)
    rows = SalesStatement.objects.for_scope(scope).select_related("contract", "client", "provider")
    if contract_id is not None:
        rows = rows.filter(contract_id=contract_id)
    if month is not None:
        rows = rows.filter(month=month)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-month", "client__name", "-id")


def statement_get(scope: Scope, *, statement_id: int, for_update: bool = False) -> SalesStatement:
    return one_of(statement_list(scope), pk=statement_id, for_update=for_update)


def statement_rows(statement: SalesStatement) -> QuerySet[SalesStatementRow]:
    """The statement's orders in file order (the statement was read through a scoped selector)."""
    return statement.rows.order_by("line", "id")


def statement_in_force(scope: Scope, *, contract: Contract, month: date) -> SalesStatement | None:
    """The latest upload of the engagement's month that is not superseded (locked: the caller
    supersedes it)."""
    return (
        SalesStatement.objects.for_scope(scope)
        .filter(contract__engagement_id=contract.engagement_id, month=month)
        .exclude(status=StatementStatus.SUPERSEDED)
        .select_for_update(of=("self",))
        .order_by("-id")
        .first()
    )


def confirmed_statements(contract: Contract, *, months: list[date]) -> dict[date, SalesStatement]:
    """The confirmed statement of each month of an invoice's period (any version of the contract:
    an amendment does not void the shop's figures)."""
    rows = SalesStatement.objects.for_scope(standing.pair_scope(contract)).filter(
        contract__engagement_id=contract.engagement_id, month__in=months, status=StatementStatus.CONFIRMED
    )
    return {s.month: s for s in rows.order_by("id")}


@dataclass(frozen=True)
class CrossCheck:
    """How the statement's orders meet the orders agents linked on chats in the month."""

    rows: int  # orders on the statement
    linked: int  # of them, linked on a chat in Kefu
    linked_net: Decimal  # their net sales
    linked_numbers: frozenset[str]
    missing: list[analytics_selectors.OrderLink]  # linked on a chat in the month, not on the statement


def _month_bounds(contract: Contract, month: date) -> tuple[datetime, datetime]:
    zone = timezones.client_time_zone(contract.client_id)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime.combine(month, time(), zone), datetime.combine(following, time(), zone)


def statement_cross_check(statement: SalesStatement) -> CrossCheck:
    """Information for both sides, never billed: which orders of the statement an agent linked on
    a chat (in the month or the 31 days before it: a chat may precede its order), and which
    orders linked in the month the shop's export does not list."""
    contract = statement.contract
    since, until = _month_bounds(contract, statement.month)
    links = analytics_selectors.order_link_list(
        standing.pair_scope(contract),
        client_id=contract.client_id,
        since=since - timedelta(days=LOOKBACK_DAYS),
        until=until,
    )
    rows = list(statement_rows(statement).values_list("order_number", "paid", "refunded"))
    numbers = {number for number, _p, _r in rows}
    linked_numbers = {link.order_number for link in links} & numbers
    return CrossCheck(
        rows=len(rows),
        linked=len(linked_numbers),
        linked_net=sum((p - r for n, p, r in rows if n in linked_numbers), Decimal("0.00")),
        linked_numbers=frozenset(linked_numbers),
        missing=[link for link in links if link.at >= since and link.order_number not in numbers],
    )
