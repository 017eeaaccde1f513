"""How a stored quote and intake read on a page and in the PDF: labels for the core's codes,
the staffing chart's series and the plain explanation. Codes never reach a user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.engagements.quoting import forms

CHANNEL_LABELS = {
    "chat": gettext_lazy("Chat"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
}
MODEL_LABELS = {
    "seat_month": gettext_lazy("Per seat-month"),
    "hourly": gettext_lazy("Per hour"),
    "per_contact": gettext_lazy("Per contact"),
    "per_resolved": gettext_lazy("Per resolved case"),
    "base_commission": gettext_lazy("Base + commission on sales"),
    "fixed_monthly": gettext_lazy("Fixed monthly fee"),
    "anchored_volume": gettext_lazy("Anchored volume (over/under rates)"),
    "day_rate": gettext_lazy("Short-term day rate"),
}
FIGURE_LABELS = {
    "rate_per_seat_month": gettext_lazy("per seat-month"),
    "rate_per_hour": gettext_lazy("per agent-hour"),
    "rate_per_contact": gettext_lazy("per contact"),
    "rate_per_resolved": gettext_lazy("per resolved case"),
    "base_per_seat_month": gettext_lazy("base per seat-month"),
    "commission_rate": gettext_lazy("commission (percent of sales)"),
    "anchor_contacts": gettext_lazy("anchor (contacts a month)"),
    "over_rate": gettext_lazy("per contact above the band"),
    "under_rate": gettext_lazy("credited per contact below the band"),
    "band_low": gettext_lazy("band from"),
    "band_high": gettext_lazy("band to"),
    "rate_per_seat_day": gettext_lazy("per seat-day"),
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def quote_view(result: dict[str, Any]) -> dict[str, Any]:
    """The quote object with labels: options, their prices by model, the cost lines."""
    options = []
    for row in result.get("options", []):
        prices = [
            {
                "label": MODEL_LABELS[code],
                "monthly": figures.get("monthly"),
                "figures": [
                    {"label": FIGURE_LABELS[k], "value": v} for k, v in figures.items() if k != "monthly"
                ],
            }
            for code, figures in row["prices"].items()
            if code != "day_rate" or result.get("short_term")
        ]
        options.append(
            {
                "seats": row["seats"],
                "recommended": row["recommended"],
                "sl": _percent(row["expected_service_level"]),
                "sl_campaign": _percent(row["expected_service_level_campaign"]),
                "prices": prices,
                "cost_lines": [
                    {
                        "label": forms.COST_LINE_LABELS[c["line"]],
                        "per_seat": c["per_seat_month"],
                        "monthly": c["monthly"],
                    }
                    for c in row["cost_lines"]
                ],
            }
        )
    staffing = result.get("staffing", {})
    explanation = _(
        "We spread the %(contacts)s contacts of a month over the service hours the way an online shop's "
        "inquiries arrive, and work out, for each hour and channel, the agents needed to answer "
        "%(sl)s within %(answer)s seconds (Erlang C; for chat, %(concurrency)s). Shrinkage of "
        "%(shrinkage)s (breaks, training, absence) turns agents on the line into agents to schedule; "
        "a seat is one agent for one %(shift)s-hour shift. A normal day needs %(normal)s seats, a "
        "campaign day %(campaign)s; over the month that averages %(average)s, so we recommend "
        "%(recommended)s seats. With the expected growth the need reaches %(growth)s seats."
    ) % {
        "contacts": f"{staffing.get('monthly_contacts', 0):,.0f}",
        "sl": _percent(staffing.get("target_service_level")),
        "answer": f"{staffing.get('target_answer_s', 0):g}",
        "concurrency": _("several chats at once per agent"),
        "shrinkage": _percent(staffing.get("shrinkage")),
        "shift": f"{staffing.get('shift_hours', 8):g}",
        "normal": staffing.get("seats_normal_day"),
        "campaign": staffing.get("seats_campaign_day"),
        "average": staffing.get("seats_month_average"),
        "recommended": staffing.get("seats_recommended"),
        "growth": staffing.get("seats_after_growth"),
    }
    return {
        "options": options,
        "staffing": staffing,
        "explanation": explanation,
        "currency": result.get("currency", "CNY"),
        "cost_per_seat": result.get("cost_per_seat_month"),
        "price_per_seat": result.get("price_per_seat_month"),
    }


def staffing_chart(result: dict[str, Any]) -> dict[str, Any]:
    """ECharts data: scheduled agents per hour, stacked by channel, and the campaign day's line."""
    staffing = result.get("staffing", {})
    hours = staffing.get("seats_per_hour", [])
    channels = sorted({c for h in hours for c in h["channels"]})
    return {
        "hours": [f"{h['hour']:02d}:00" for h in hours],
        "series": [
            {
                "name": str(CHANNEL_LABELS[c]),
                "data": [h["channels"].get(c, {}).get("scheduled", 0) for h in hours],
            }
            for c in channels
        ],
        "campaign": {
            "name": _("Campaign day (all channels)"),
            "data": [h["scheduled"] for h in staffing.get("seats_per_hour_campaign", [])],
        },
        "y_label": _("Agents scheduled"),
    }


def intake_facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The intake as label/value pairs for the detail page and the PDF."""
    channels = "、".join(
        f"{CHANNEL_LABELS[c['channel']]} {c['share'] * 100:.0f}%"
        + (_(" (%(n)s at once)") % {"n": c["concurrency"]} if c.get("concurrency", 1) > 1 else "")
        for c in data.get("channels", [])
    )
    targets = data.get("quality_targets", {})
    campaigns = data.get("campaigns", {})
    term = data.get("term", {})
    return [
        (_("Shop or company"), data.get("client_name", "")),
        (_("Shop category"), data.get("shop_category") or "—"),
        (
            _("Business types"),
            "、".join(str(forms.BUSINESS_TYPE_LABELS[t]) for t in data.get("business_types", [])),
        ),
        (_("Outsourcing"), str(forms.SCOPE_LABELS.get(data.get("scope", "full"), ""))),
        (_("Channels"), channels),
        (
            _("Service hours"),
            f"{data.get('service_hours', {}).get('start')}–{data.get('service_hours', {}).get('end')}",
        ),
        (_("Daily average inquiries"), f"{data.get('daily_inquiries', 0):,.0f}"),
        (
            _("Campaigns"),
            _("%(days)s days a month at %(times)s× the normal volume")
            % {
                "days": f"{campaigns.get('days_per_month', 0):g}",
                "times": f"{campaigns.get('multiplier', 1):g}",
            },
        ),
        (_("Current agents"), str(data.get("current_agents", 0))),
        (_("Expected growth over the term"), _percent(data.get("expected_growth"))),
        (
            _("Quality targets"),
            _("%(sl)s answered within %(s)s s")
            % {"sl": _percent(targets.get("service_level")), "s": f"{targets.get('answer_time_s', 0):g}"}
            + (f"; {targets['notes']}" if targets.get("notes") else ""),
        ),
        (_("Start date"), data.get("start_date") or "—"),
        (_("Term"), f"{term.get('length')} {forms.TERM_UNIT_LABELS.get(term.get('unit', ''), '')}"),
        (
            _("Monthly sales through the service"),
            f"¥{Decimal(str(data.get('expected_monthly_sales', 0))):,.0f}",
        ),
    ]


def cost_model_view(data: dict[str, Any]) -> dict[str, Any]:
    lines = data.get("monthly_per_seat", {})
    total = sum((Decimal(v) for v in lines.values()), Decimal(0))
    margin = Decimal(str(data.get("margin", 0)))
    return {
        "lines": [(forms.COST_LINE_LABELS[k], v) for k, v in lines.items()],
        "total": f"{total:.2f}",
        "margin": f"{margin * 100:.1f}%",
        "price": f"{total / (1 - margin):.2f}" if margin < 1 else "—",
    }
