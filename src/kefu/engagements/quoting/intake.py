"""The intake and cost-model shapes, parsed from plain dicts (JSON files, forms, the API).

Pure: no Django. Every error names the field that is wrong (`channels[1].aht_s`), so the CLI
prints it with exit 2 and the form and the API put it next to the field. The shapes are
documented in docs/engagements-quotes.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

CHANNELS = ("chat", "phone", "email")
BUSINESS_TYPES = ("pre_sales", "after_sales", "complaints", "order_follow_up", "membership", "other")
TERM_UNITS = ("days", "months", "quarters", "years")
SCOPES = ("full", "partial")
COST_LINES = (
    "salary",
    "social_insurance",
    "lodging_meals",
    "training",
    "management",
    "recruiting",
    "office",
    "equipment",
    "software",
)
_TIME = re.compile(r"^([01]\d|2[0-4]):00$")


class QuoteInputError(ValueError):
    """A wrong field in an intake or a cost model; `field` is its path (`channels[0].share`)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class ChannelDemand:
    """One channel: its share of the daily inquiries, handle time and, for chat, concurrency."""

    channel: str
    share: float
    aht_s: float
    concurrency: int = 1


@dataclass(frozen=True)
class Intake:
    """What a client tells a provider before a quote (issue 14, "Intake and quote")."""

    client_name: str
    business_types: tuple[str, ...]
    shop_category: str
    channels: tuple[ChannelDemand, ...]
    service_start_hour: int
    service_end_hour: int  # exclusive, 24 = midnight
    current_agents: int
    daily_inquiries: float
    campaign_days_per_month: float
    campaign_multiplier: float
    expected_growth: float  # volume growth over the term, 0.2 = +20 %
    target_service_level: float
    target_answer_s: float
    start_date: date | None
    term_length: int
    term_unit: str
    scope: str
    shrinkage: float = 0.3
    quality_targets: str = ""
    expected_monthly_sales: Decimal = Decimal("0")

    @property
    def service_hours(self) -> list[int]:
        return list(range(self.service_start_hour, self.service_end_hour))

    @property
    def is_short_term(self) -> bool:
        """Days or under three months: priced with day rates as well."""
        return self.term_unit == "days" or (self.term_unit == "months" and self.term_length < 3)


@dataclass(frozen=True)
class CostModel:
    """A provider's monthly cost of one seat, line by line, and what it prices on top."""

    lines: dict[str, Decimal]
    margin: Decimal
    currency: str = "CNY"
    shift_hours: float = 8.0
    hours_per_seat_month: Decimal = Decimal("174")
    working_days_per_month: Decimal = Decimal("21.75")
    resolution_rate: Decimal = Decimal("0.85")
    base_share: Decimal = Decimal("0.7")
    commission_rate: Decimal = Decimal("0.01")
    fixed_risk_premium: Decimal = Decimal("0.05")
    anchor_band: Decimal = Decimal("0.1")
    over_factor: Decimal = Decimal("1")
    under_factor: Decimal = Decimal("0.6")
    short_term_premium: Decimal = Decimal("0.25")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_per_seat(self) -> Decimal:
        return sum(self.lines.values(), Decimal("0"))


# --- small readers ---------------------------------------------------------------------------
def _get(data: dict[str, Any], key: str, path: str, default: Any = ...) -> Any:
    if key not in data or data[key] is None:
        if default is ...:
            raise QuoteInputError(path, "is required")
        return default
    return data[key]


def _num(
    value: Any, path: str, *, low: float | None = None, high: float | None = None, strict_low: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise QuoteInputError(path, "must be a number")
    try:
        number = float(value)
    except ValueError:
        raise QuoteInputError(path, "must be a number") from None
    if not math.isfinite(number):
        raise QuoteInputError(path, "must be a finite number")
    if low is not None and (number <= low if strict_low else number < low):
        raise QuoteInputError(path, f"must be {'>' if strict_low else '>='} {low:g}")
    if high is not None and number > high:
        raise QuoteInputError(path, f"must be <= {high:g}")
    return number


def _int(value: Any, path: str, *, low: int = 0) -> int:
    number = _num(value, path, low=low)
    if number != int(number):
        raise QuoteInputError(path, "must be a whole number")
    return int(number)


def _money(value: Any, path: str, *, low: Decimal = Decimal("0"), high: Decimal | None = None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise QuoteInputError(path, "must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise QuoteInputError(path, "must be a number") from None
    if not amount.is_finite():
        raise QuoteInputError(path, "must be a finite number")
    if amount < low:
        raise QuoteInputError(path, f"must be >= {low}")
    if high is not None and amount > high:
        raise QuoteInputError(path, f"must be <= {high}")
    return amount


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise QuoteInputError(path, f"must be one of {', '.join(choices)}")
    return str(value)


def _hour(value: Any, path: str) -> int:
    if not isinstance(value, str) or not _TIME.match(value):
        raise QuoteInputError(path, "must be a whole hour HH:00 (00:00–24:00)")
    return int(value[:2])


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise QuoteInputError(path, "must be an object")
    return value


# --- the intake --------------------------------------------------------------------------------
def parse_intake(data: Any) -> Intake:
    """An `Intake` from its JSON shape, or `QuoteInputError` naming the wrong field."""
    data = _object(data, "intake")
    raw_types = _get(data, "business_types", "business_types")
    if not isinstance(raw_types, list) or not raw_types:
        raise QuoteInputError("business_types", "must be a non-empty list")
    types = tuple(_choice(t, f"business_types[{i}]", BUSINESS_TYPES) for i, t in enumerate(raw_types))
    raw_channels = _get(data, "channels", "channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise QuoteInputError("channels", "must be a non-empty list")
    channels = []
    for i, raw in enumerate(raw_channels):
        path = f"channels[{i}]"
        raw = _object(raw, path)
        name = _choice(_get(raw, "channel", f"{path}.channel"), f"{path}.channel", CHANNELS)
        channels.append(
            ChannelDemand(
                channel=name,
                share=_num(_get(raw, "share", f"{path}.share"), f"{path}.share", low=0, high=1),
                aht_s=_num(_get(raw, "aht_s", f"{path}.aht_s"), f"{path}.aht_s", low=0, strict_low=True),
                concurrency=_int(
                    _get(raw, "concurrency", f"{path}.concurrency", 1), f"{path}.concurrency", low=1
                )
                if name == "chat"
                else 1,
            )
        )
    if len({c.channel for c in channels}) != len(channels):
        raise QuoteInputError("channels", "must name each channel once")
    if abs(sum(c.share for c in channels) - 1) > 1e-6:
        raise QuoteInputError("channels", "shares must add up to 1")
    hours = _object(_get(data, "service_hours", "service_hours"), "service_hours")
    start = _hour(_get(hours, "start", "service_hours.start"), "service_hours.start")
    end = _hour(_get(hours, "end", "service_hours.end"), "service_hours.end")
    if end <= start:
        raise QuoteInputError("service_hours.end", "must be after service_hours.start")
    campaigns = _object(data.get("campaigns") or {}, "campaigns")
    targets = _object(data.get("quality_targets") or {}, "quality_targets")
    term = _object(_get(data, "term", "term"), "term")
    raw_start = data.get("start_date")
    try:
        start_date = date.fromisoformat(raw_start) if raw_start else None
    except (TypeError, ValueError):
        raise QuoteInputError("start_date", "must be a date YYYY-MM-DD") from None
    name = _get(data, "client_name", "client_name")
    if not isinstance(name, str) or not name.strip():
        raise QuoteInputError("client_name", "must be a non-empty text")
    return Intake(
        client_name=name.strip(),
        business_types=types,
        shop_category=str(data.get("shop_category") or ""),
        channels=tuple(channels),
        service_start_hour=start,
        service_end_hour=end,
        current_agents=_int(data.get("current_agents", 0), "current_agents"),
        daily_inquiries=_num(_get(data, "daily_inquiries", "daily_inquiries"), "daily_inquiries", low=0),
        campaign_days_per_month=_num(
            campaigns.get("days_per_month", 0), "campaigns.days_per_month", low=0, high=30
        ),
        campaign_multiplier=_num(campaigns.get("multiplier", 1), "campaigns.multiplier", low=1),
        expected_growth=_num(data.get("expected_growth", 0), "expected_growth", low=-0.9, high=10),
        target_service_level=_num(
            targets.get("service_level", 0.8), "quality_targets.service_level", low=0, high=0.999
        ),
        target_answer_s=_num(targets.get("answer_time_s", 20), "quality_targets.answer_time_s", low=0),
        quality_targets=str(targets.get("notes") or ""),
        shrinkage=_num(data.get("shrinkage", 0.3), "shrinkage", low=0, high=0.9),
        start_date=start_date,
        term_length=_int(_get(term, "length", "term.length"), "term.length", low=1),
        term_unit=_choice(_get(term, "unit", "term.unit"), "term.unit", TERM_UNITS),
        scope=_choice(data.get("scope", "full"), "scope", SCOPES),
        expected_monthly_sales=_money(data.get("expected_monthly_sales", 0), "expected_monthly_sales"),
    )


def intake_as_dict(intake: Intake) -> dict[str, Any]:
    """The JSON shape back from an `Intake` (stored on the intake row, echoed by the CLI)."""
    return {
        "client_name": intake.client_name,
        "business_types": list(intake.business_types),
        "shop_category": intake.shop_category,
        "channels": [
            {"channel": c.channel, "share": c.share, "aht_s": c.aht_s}
            | ({"concurrency": c.concurrency} if c.channel == "chat" else {})
            for c in intake.channels
        ],
        "service_hours": {
            "start": f"{intake.service_start_hour:02d}:00",
            "end": f"{intake.service_end_hour:02d}:00",
        },
        "current_agents": intake.current_agents,
        "daily_inquiries": intake.daily_inquiries,
        "campaigns": {
            "days_per_month": intake.campaign_days_per_month,
            "multiplier": intake.campaign_multiplier,
        },
        "expected_growth": intake.expected_growth,
        "quality_targets": {
            "service_level": intake.target_service_level,
            "answer_time_s": intake.target_answer_s,
            "notes": intake.quality_targets,
        },
        "shrinkage": intake.shrinkage,
        "start_date": intake.start_date.isoformat() if intake.start_date else None,
        "term": {"length": intake.term_length, "unit": intake.term_unit},
        "scope": intake.scope,
        "expected_monthly_sales": str(intake.expected_monthly_sales),
    }


# --- the cost model ----------------------------------------------------------------------------
def parse_cost_model(data: Any) -> CostModel:
    """A `CostModel` from its JSON shape, or `QuoteInputError` naming the wrong field."""
    data = _object(data, "cost_model")
    raw_lines = _object(_get(data, "monthly_per_seat", "monthly_per_seat"), "monthly_per_seat")
    unknown = sorted(set(raw_lines) - set(COST_LINES))
    if unknown:
        raise QuoteInputError(
            f"monthly_per_seat.{unknown[0]}", f"is not a cost line ({', '.join(COST_LINES)})"
        )
    lines = {name: _money(raw_lines.get(name, 0), f"monthly_per_seat.{name}") for name in COST_LINES}
    if sum(lines.values()) <= 0:
        raise QuoteInputError("monthly_per_seat", "must add up to more than 0")
    pricing = _object(data.get("pricing") or {}, "pricing")

    def p(key: str, default: str, *, high: Decimal | None = None, low: Decimal = Decimal("0")) -> Decimal:
        return _money(pricing.get(key, default), f"pricing.{key}", low=low, high=high)

    hours = _money(data.get("hours_per_seat_month", "174"), "hours_per_seat_month", low=Decimal("1"))
    days = _money(data.get("working_days_per_month", "21.75"), "working_days_per_month", low=Decimal("1"))
    return CostModel(
        lines=lines,
        margin=_money(_get(data, "margin", "margin"), "margin", high=Decimal("0.9")),
        currency=str(data.get("currency") or "CNY"),
        shift_hours=_num(data.get("shift_hours", 8), "shift_hours", low=1, high=12),
        hours_per_seat_month=hours,
        working_days_per_month=days,
        resolution_rate=p("resolution_rate", "0.85", high=Decimal("1"), low=Decimal("0.01")),
        base_share=p("base_share", "0.7", high=Decimal("1")),
        commission_rate=p("commission_rate", "0.01", high=Decimal("1")),
        fixed_risk_premium=p("fixed_risk_premium", "0.05", high=Decimal("1")),
        anchor_band=p("anchor_band", "0.1", high=Decimal("1")),
        over_factor=p("over_factor", "1"),
        under_factor=p("under_factor", "0.6"),
        short_term_premium=p("short_term_premium", "0.25"),
    )


def cost_model_as_dict(model: CostModel) -> dict[str, Any]:
    return {
        "currency": model.currency,
        "monthly_per_seat": {k: str(v) for k, v in model.lines.items()},
        "margin": str(model.margin),
        "shift_hours": model.shift_hours,
        "hours_per_seat_month": str(model.hours_per_seat_month),
        "working_days_per_month": str(model.working_days_per_month),
        "pricing": {
            "resolution_rate": str(model.resolution_rate),
            "base_share": str(model.base_share),
            "commission_rate": str(model.commission_rate),
            "fixed_risk_premium": str(model.fixed_risk_premium),
            "anchor_band": str(model.anchor_band),
            "over_factor": str(model.over_factor),
            "under_factor": str(model.under_factor),
            "short_term_premium": str(model.short_term_premium),
        },
    }
