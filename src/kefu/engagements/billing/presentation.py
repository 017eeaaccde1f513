"""How pricing terms and invoice lines read on a page, in the export and in the PDF: labels for
the core's codes (codes never reach a user)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.engagements.billing import invoice_core
from kefu.engagements.quoting.presentation import FIGURE_LABELS, MODEL_LABELS

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
    "commission": _("Commission on sales"),
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
