"""How pricing terms and invoice lines read on a page, in the export and in the PDF: labels for
the core's codes (codes never reach a user)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.analytics import dashboard_links
from kefu.engagements.billing import invoice_core, reconcile
from kefu.engagements.quoting.presentation import FIGURE_LABELS, MODEL_LABELS
from kefu.reports import exports

RATE_LABELS = {
    **FIGURE_LABELS,
    "monthly": _("monthly fee"),
    "band_low": _("band from (contacts a month)"),
    "band_high": _("band to (contacts a month)"),
    "vat_pct": _("VAT (%)"),
    "hours_per_seat_month": _("hours one seat-month bills"),
}
LINE_LABELS = {
    "seats": _("Seats (seat-months)"),
    "hours": _("Agent hours signed in"),
    "contacts": _("Contacts handled"),
    "resolved": _("Cases resolved"),
    "base": _("Base fee (seat-months)"),
    "commission": _("Commission on sales (confirmed statement)"),
    "commission_correction": _("Commission on the sales correction"),
    "fixed": _("Fixed monthly fee (months)"),
    "over": _("Contacts above the band"),
    "under": _("Contacts below the band (credited)"),
    "seat_days": _("Seat-days delivered"),
    "sla_credit": _("SLA service credits and penalties"),
    "earn_back": _("SLA credits earned back"),
    "sla_bonus": _("SLA bonus"),
    "adjustment": _("Correction"),
}
STATUS_LABELS = {
    "draft": _("Draft"),
    "issued": _("Issued"),
    "disputed": _("Disputed"),
    "paid": _("Paid"),
    "superseded": _("Replaced by a corrected version"),
}


def model_choices() -> list[tuple[str, Any]]:
    return [(code, MODEL_LABELS[code]) for code in invoice_core.RATE_KEYS]


def model_label(code: str) -> str:
    return str(MODEL_LABELS.get(code, code))


def rate_label(key: str) -> str:
    return str(RATE_LABELS.get(key, key))


def rate_help(key: str) -> str:
    models = [str(MODEL_LABELS[m]) for m, keys in invoice_core.RATE_KEYS.items() if key in keys]
    return "、".join(models)


def rates_view(model: str, rates: dict[str, str]) -> list[dict[str, str]]:
    """The contract's rates with labels, the model's own first."""
    order = [*invoice_core.RATE_KEYS.get(model, ()), "vat_pct", "hours_per_seat_month"]
    return [{"label": rate_label(k), "value": rates[k]} for k in order if k in rates]


def line_label(code: str) -> str:
    return str(LINE_LABELS.get(code, code))


# --- an invoice on a page, in Excel and in the PDF ----------------------------------------------------
LINE_METRIC = {  # the metric of the dictionary behind a usage line (its drill-down)
    "contacts": "handled",
    "over": "handled",
    "under": "handled",
    "resolved": "resolution_rate",
    "hours": "utilisation",
    "seat_days": "utilisation",
    "seats": "utilisation",
    "base": "utilisation",
}


def billed_hours(invoice: Any) -> Decimal:
    """The seat-hours the invoice bills: the hours signed in for an hourly model, else the
    contract's seats × months × the hours one seat-month bills."""
    usage = invoice.usage
    if invoice.pricing_model == "hourly":
        return Decimal(usage.get("hours", "0"))
    per_seat = Decimal(invoice.rates.get("hours_per_seat_month", "176"))
    return Decimal(usage.get("seats", 0) * usage.get("months", 1)) * per_seat


def reconciliation(invoice: Any) -> reconcile.Reconciliation:
    usage = invoice.usage
    first, last = date.fromisoformat(usage["from"]), date.fromisoformat(usage["to"])
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)] if first <= last else []
    agent_days = [
        reconcile.AgentDay(r["agent"], date.fromisoformat(r["day"]), r["scheduled_s"], r["signed_in_s"])
        for r in usage.get("agent_days", [])
    ]
    if not usage.get("complete"):  # a running period bills its days so far
        full = (invoice.period_end - invoice.period_start).days + 1
        share = Decimal(len(days)) / Decimal(full) if full else Decimal(0)
        return reconcile.reconcile(
            days, agent_days, billed_hours=(billed_hours(invoice) * share).quantize(Decimal("0.01"))
        )
    return reconcile.reconcile(days, agent_days, billed_hours=billed_hours(invoice))


def _drill(invoice: Any, code: str, month: int | None) -> str:
    usage = invoice.usage
    if code == "commission":  # the confirmed statement's orders
        sales = usage.get("sales", [])
        found = sales[month] if month is not None and month < len(sales) else None
        if found and found.get("statement_id"):
            return reverse("sales_statements_detail", args=[found["statement_id"]])
        return ""
    if code in ("sla_credit", "sla_bonus", "earn_back"):
        months = invoice.sla.get("months", [])
        month_code = months[-1]["month"] if months else invoice.period_start.strftime("%Y-%m")
        return (
            reverse("contracts_standing", args=[invoice.contract_id]) + "?" + urlencode({"month": month_code})
        )
    metric = LINE_METRIC.get(code)
    if metric is None:
        return ""
    first, last = usage.get("from"), usage.get("to")
    if month is not None and usage.get("by_month"):
        start = date.fromisoformat(usage["by_month"][month]["month"] + "-01")
        first = max(start.isoformat(), first)
        last = min(
            (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1),
            date.fromisoformat(last),
        ).isoformat()
    return (
        dashboard_links.drill_base(invoice.client_id, metric) + "?" + urlencode({"from": first, "to": last})
    )


def invoice_lines(invoice: Any) -> list[dict[str, Any]]:
    rows = []
    by_month = invoice.usage.get("by_month", [])
    for line in invoice.lines:
        label = line_label(line["code"])
        if line.get("month") is not None and len(by_month) > 1:
            label = f"{label} · {by_month[line['month']]['month']}"
        rows.append({**line, "label": label, "drill": _drill(invoice, line["code"], line.get("month"))})
    return rows


def usage_facts(invoice: Any) -> list[tuple[str, Any]]:
    usage = invoice.usage
    return [
        (_("Period measured"), f"{usage.get('from')} – {usage.get('to')}"),
        (_("Seats (contract)"), usage.get("seats")),
        (_("Contacts handled"), usage.get("contacts")),
        (_("Cases resolved"), usage.get("resolved")),
        (_("Agent hours signed in"), usage.get("hours")),
        (_("Seat-days delivered"), usage.get("seat_days")),
        *sales_facts(invoice),
        (_("SLA credits (before earn-back)"), invoice.sla.get("credits")),
        (_("SLA credits earned back"), invoice.sla.get("earned_back")),
        (_("SLA bonus"), invoice.sla.get("bonus")),
    ]


def sales_facts(invoice: Any) -> list[tuple[str, Any]]:
    """Base + commission: each month's net sales from its confirmed statement, or that none is."""
    if invoice.pricing_model != "base_commission":
        return []
    facts: list[tuple[str, Any]] = []
    for month in invoice.usage.get("sales", []):
        label = _("Net sales %(month)s (confirmed statement)") % {"month": month["month"]}
        facts.append((label, month["net"] if month["net"] is not None else _("no confirmed statement")))
    if invoice.sales_correction:
        facts.append((_("Sales correction (yuan)"), invoice.sales_correction))
        facts.append((_("Reason for the sales correction"), invoice.sales_correction_note))
    return facts


def invoice_tables(invoice: Any) -> list[exports.Table]:
    """The invoice as tables (Excel and CSV): lines, figures, seat-hours per day and per agent."""
    lines = exports.Table(
        title=str(_("Invoice")),
        columns=[
            exports.Column(str(_("Line"))),
            exports.Column(str(_("Quantity")), exports.DECIMAL),
            exports.Column(str(_("Unit price")), exports.DECIMAL),
            exports.Column(str(_("Amount")), exports.DECIMAL),
        ],
        rows=[
            [r["label"], Decimal(r["quantity"]), Decimal(r["unit_price"]), Decimal(r["amount"])]
            for r in invoice_lines(invoice)
        ]
        + [
            [str(_("Net")), None, None, invoice.net],
            [str(_("VAT")), None, None, invoice.vat],
            [str(_("Total")), None, None, invoice.total],
        ],
    )
    facts = exports.Table(
        title=str(_("Measured usage")),
        columns=[exports.Column(str(_("Figure"))), exports.Column(str(_("Value")))],
        rows=[[str(label), "" if value is None else str(value)] for label, value in usage_facts(invoice)],
    )
    found = reconciliation(invoice)
    hour_columns = [
        exports.Column(str(_("Scheduled hours")), exports.DECIMAL),
        exports.Column(str(_("Hours signed in")), exports.DECIMAL),
        exports.Column(str(_("Signed in − scheduled")), exports.DECIMAL),
    ]
    per_day = exports.Table(
        title=str(_("Seat-hours per day")),
        columns=[
            exports.Column(str(_("Day"))),
            exports.Column(str(_("Billed seat-hours")), exports.DECIMAL),
            *hour_columns,
            exports.Column(str(_("Signed in − billed")), exports.DECIMAL),
        ],
        rows=[[r.key, r.billed, r.scheduled, r.signed_in, r.gap_scheduled, r.gap_billed] for r in found.days],
    )
    per_agent = exports.Table(
        title=str(_("Seat-hours per agent")),
        columns=[exports.Column(str(_("Agent"))), *hour_columns],
        rows=[[r.key, r.scheduled, r.signed_in, r.gap_scheduled] for r in found.agents],
    )
    return [lines, facts, per_day, per_agent]


def _row_json(row: reconcile.Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "billed": None if row.billed is None else str(row.billed),
        "scheduled": str(row.scheduled),
        "signed_in": str(row.signed_in),
        "gap_scheduled": str(row.gap_scheduled),
        "gap_billed": None if row.gap_billed is None else str(row.gap_billed),
        "flagged": row.flagged,
    }


def reconciliation_json(invoice: Any) -> dict[str, Any]:
    found = reconciliation(invoice)
    return {
        "total": _row_json(found.total),
        "days": [_row_json(r) for r in found.days],
        "agents": [_row_json(r) for r in found.agents],
    }


def invoice_context(invoice: Any) -> dict[str, Any]:
    """Everything the invoice page and the PDF show."""
    return {
        "invoice": invoice,
        "contract": invoice.contract,
        "model_label": model_label(invoice.pricing_model),
        "rates": rates_view(invoice.pricing_model, invoice.rates),
        "lines": invoice_lines(invoice),
        "facts": usage_facts(invoice),
        "status_label": STATUS_LABELS.get(invoice.status, invoice.status),
        "rec": reconciliation(invoice),
        "sla_months": invoice.sla.get("months", []),
        "sales_missing": [m["month"] for m in invoice.usage.get("sales", []) if m.get("net") is None],
        "is_commission": invoice.pricing_model == "base_commission",
    }
