"""A contract's pricing terms: its pricing model and rates, checked, and drawn from a quote.

Rates are stored as strings of Decimals (``{"rate_per_seat_month": "9800.00"}``); each model
needs the rates `invoice_core.RATE_KEYS` names. Two more rates apply to every model:
``vat_pct`` (VAT on the invoice, 6 % by default: modern services in China) and
``hours_per_seat_month`` (the hours one seat-month bills, for the seat-hour reconciliation).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.engagements.billing import invoice_core
from kefu.engagements.quoting.pricing import MODELS

COMMON_DEFAULTS = {"vat_pct": "6", "hours_per_seat_month": "176"}
ALL_KEYS = tuple(dict.fromkeys(k for keys in invoice_core.RATE_KEYS.values() for k in keys)) + tuple(
    COMMON_DEFAULTS
)
LIMITS = {"vat_pct": Decimal(100), "commission_rate": Decimal(100), "hours_per_seat_month": Decimal(744)}


def clean(model: Any, rates: Any) -> tuple[str, dict[str, str]]:
    """The model and the rates it needs (strings of Decimals); errors name the field at fault."""
    model = "" if model is None else str(model)
    if model not in MODELS:
        raise Invalid(_("Choose one of the listed options."), field="pricing_model")
    if rates is None:
        rates = {}
    if not isinstance(rates, dict):
        raise Invalid(_("Give the rates as an object of numbers."), field="pricing_rates")
    unknown = sorted(str(k) for k in rates if k not in ALL_KEYS)
    if unknown:
        raise Invalid(_("Unknown field."), field=f"pricing_rates.{unknown[0][:40]}")
    found: dict[str, str] = {}
    for key in (*invoice_core.RATE_KEYS[model], *COMMON_DEFAULTS):
        value = rates.get(key)
        if value in (None, ""):
            if key in COMMON_DEFAULTS:
                value = COMMON_DEFAULTS[key]
            else:
                raise Invalid(_("This field is required."), field=f"pricing_rates.{key}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Invalid(_("Enter a number."), field=f"pricing_rates.{key}") from None
        if not number.is_finite() or number < 0 or number > LIMITS.get(key, Decimal("9999999999")):
            raise Invalid(_("Enter a number."), field=f"pricing_rates.{key}")
        found[key] = str(number.quantize(Decimal("0.01")))
    if model == "anchored_volume" and Decimal(found["band_low"]) > Decimal(found["band_high"]):
        raise Invalid(_("The band's bottom is above its top."), field="pricing_rates.band_low")
    return model, found


def from_quote(result: dict[str, Any], seats: int | None, model: str) -> dict[str, str]:
    """The accepted option's rates of `model` in a quote's result (empty when it has none)."""
    for option in result.get("options", []):
        if option.get("seats") == seats:
            prices = option.get("prices", {}).get(model, {})
            return {k: str(v) for k, v in prices.items() if k in invoice_core.RATE_KEYS.get(model, ())}
    return {}


def decimals(rates: dict[str, str]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in rates.items()}
