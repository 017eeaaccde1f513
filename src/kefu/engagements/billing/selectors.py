"""Reads of invoices (scoped; a client never sees a draft) and the measuring of a contract's period.

The usage behind an invoice comes from the metric dictionary through the metric query layer
(`analytics.metrics.queries`), the same figures as the dashboards and the SLA standing:

- contacts handled: ``handled``; resolved cases: ``resolution_rate`` (its resolved conversations);
- hours signed in and seat-days: the agent-days of ``utilisation`` (signed-in seconds of each agent
  who held or answered one of the client's conversations that day, from routing's presence history);
- scheduled hours: the agent-days of ``adherence`` (the workforce's published schedule);
- SLA credits, bonus and credits earned back: the contract's standing of each month
  (`contracts.standing`, the pure core `sla_terms`).

Reads only: measuring writes nothing (the service stores what it measured on the draft).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from kefu.analytics.metrics import queries, timezones
from kefu.core import clock
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.engagements.billing.models import Invoice, InvoiceStatus
from kefu.engagements.contracts import standing
from kefu.engagements.contracts.models import Contract
from kefu.engagements.permissions import EngagementPerm

PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def invoice_list(
    scope: Scope, *, contract_id: int | None = None, status: str = "", client_id: int | None = None
) -> QuerySet[Invoice]:
    """The invoices the actor may see: a client only those issued to it (never a draft)."""
    scope.require(EngagementPerm.INVOICE_VIEW)
    invoices = Invoice.objects.for_scope(scope).select_related("contract", "provider", "client")
    if scope.is_client:
        invoices = invoices.exclude(status=InvoiceStatus.DRAFT)
    if contract_id is not None:
        invoices = invoices.filter(contract_id=contract_id)
    if client_id is not None:
        invoices = invoices.filter(client_id=client_id)
    if status:
        invoices = invoices.filter(status=status)
    return invoices.order_by("-period_start", "client__name", "-version", "-id")


def invoice_get(scope: Scope, *, invoice_id: int, for_update: bool = False) -> Invoice:
    return one_of(invoice_list(scope), pk=invoice_id, for_update=for_update)


def open_invoice(scope: Scope, *, contract: Contract, period_start: date) -> Invoice | None:
    """The invoice of a contract's engagement and period still in force (not superseded)."""
    return (
        Invoice.objects.for_scope(scope)
        .filter(contract__engagement_id=contract.engagement_id, period_start=period_start)
        .exclude(status=InvoiceStatus.SUPERSEDED)
        .first()
    )


def versions(scope: Scope, *, invoice: Invoice) -> list[Invoice]:
    """Every version of an invoice's period (corrections), newest first."""
    return list(
        invoice_list(scope)
        .filter(contract__engagement_id=invoice.contract.engagement_id, period_start=invoice.period_start)
        .order_by("-version", "-id")
    )


def client_today(contract: Contract) -> date:
    return clock.now().astimezone(timezones.client_time_zone(contract.client_id)).date()


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def period_of(start: date, months: int) -> tuple[date, date]:
    last_month = add_months(start, months - 1)
    return start, last_month.replace(day=monthrange(last_month.year, last_month.month)[1])


@dataclass(frozen=True)
class Measured:
    """What the period delivered, as the invoice stores it (JSON-ready)."""

    usage: dict[str, Any]
    sla: dict[str, Any]


def _value(
    scope: Scope, contract: Contract, metric_id: str, first: date, last: date
) -> tuple[float | None, int]:
    query = queries.metric_query(
        scope, metric_id=metric_id, client_id=contract.client_id, date_from=first, date_to=last
    )
    result = queries.metric_value(scope, query).result
    return result.value, result.count


def _agent_days(scope: Scope, contract: Contract, first: date, last: date) -> list[dict[str, Any]]:
    """Each agent-day: seconds scheduled (published schedule) and signed in (presence)."""
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for metric_id, field in (("utilisation", "signed_in_s"), ("adherence", "scheduled_s")):
        query = queries.metric_query(
            scope, metric_id=metric_id, client_id=contract.client_id, date_from=first, date_to=last
        )
        for item in queries.metric_items(scope, query):
            agent, _sep, day = item.key.partition(":")
            row = found.setdefault(
                (int(agent), day),
                {"agent_id": int(agent), "day": day, "signed_in_s": 0.0, "scheduled_s": 0.0},
            )
            row[field] = round(float(item.denominator), 1)
    names = {
        u.pk: (u.get_full_name() or u.get_username())
        for u in get_user_model().objects.filter(pk__in={a for a, _d in found})
    }
    rows = sorted(found.values(), key=lambda r: (r["day"], names.get(r["agent_id"], ""), r["agent_id"]))
    for row in rows:
        row["agent"] = names.get(row["agent_id"], str(row["agent_id"]))
    return rows


def measure(contract: Contract, *, period_start: date, months: int) -> Measured:
    """The usage and SLA money of a contract's period (the part up to today when it is running)."""
    scope = standing.pair_scope(contract)
    first, last = period_of(period_start, months)
    today = client_today(contract)
    first = max(first, contract.starts_on)
    last = min(last, today)
    usage: dict[str, Any] = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "months": months,
        "seats": contract.seats,
        "complete": last == period_of(period_start, months)[1] and last < today,
    }
    by_month: list[dict[str, Any]] = []
    sla_months: list[dict[str, str]] = []
    for index in range(months):
        month = add_months(period_start, index)
        m_first = max(month, contract.starts_on)
        m_last = min(period_of(month, 1)[1], today)
        if m_first > m_last:
            by_month.append({"month": month.strftime("%Y-%m"), "contacts": 0, "resolved": 0})
            continue
        handled, _count = _value(scope, contract, "handled", m_first, m_last)
        rate, offered = _value(scope, contract, "resolution_rate", m_first, m_last)
        resolved = round((rate or 0.0) * offered / 100)
        by_month.append(
            {"month": month.strftime("%Y-%m"), "contacts": int(handled or 0), "resolved": int(resolved)}
        )
        found = standing.contract_standing(contract, month=month)
        period = found.period
        sla_months.append(
            {
                "month": month.strftime("%Y-%m"),
                "credits": str(period.credits if period else Decimal("0.00")),
                "bonus": str(period.bonus if period else Decimal("0.00")),
                "earned_back": str(found.returned),
                "projected": found.projected,
            }
        )
    agent_days = _agent_days(scope, contract, first, last) if first <= last else []
    signed_in = sum(r["signed_in_s"] for r in agent_days)
    usage.update(
        contacts=sum(m["contacts"] for m in by_month),
        resolved=sum(m["resolved"] for m in by_month),
        hours=str((Decimal(str(signed_in)) / Decimal(3600)).quantize(Decimal("0.01"))),
        seat_days=sum(1 for r in agent_days if r["signed_in_s"] > 0),
        by_month=by_month,
        agent_days=agent_days,
    )
    sla = {
        "months": sla_months,
        "credits": str(sum((Decimal(m["credits"]) for m in sla_months), Decimal("0.00"))),
        "bonus": str(sum((Decimal(m["bonus"]) for m in sla_months), Decimal("0.00"))),
        "earned_back": str(sum((Decimal(m["earned_back"]) for m in sla_months), Decimal("0.00"))),
    }
    return Measured(usage, sla)


def contract_for_system(contract_id: int) -> Contract | None:
    """A signed (or superseded) contract by id, across tenants: the operator's CLI preview."""
    return Contract.all_tenants.filter(pk=contract_id).exclude(status="draft").first()
