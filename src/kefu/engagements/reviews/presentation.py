"""What the review and renewal pages show: a snapshot's codes as words in the reader's language,
each term's trend as a small chart, and a recommendation's rule and evidence as sentences with
links to the figures and records behind them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.analytics import dashboard_links
from kefu.analytics.metrics import queries
from kefu.engagements.contracts.models import Contract
from kefu.engagements.reviews import renewal
from kefu.quality.autoqa_labels import CHECK_LABELS

CHART_W, CHART_H, PAD = 180, 44, 4


def outcome_label(outcome: str) -> str:
    return {
        renewal.RENEW: _("Renew"),
        renewal.RENEGOTIATE: _("Renegotiate"),
        renewal.REPLACE: _("Replace"),
    }.get(outcome, _("Unknown"))


def status_label(status: str) -> str:
    return {"met": _("met"), "missed": _("missed")}.get(status, _("no data"))


def _metric(metric_id: str) -> Any:
    try:
        return queries.metric_get(metric_id)
    except Exception:  # a metric the dictionary no longer knows: shown by its name in the snapshot
        return None


def trend_chart(points: list[dict[str, Any]], target: float) -> dict[str, Any]:
    """An SVG polyline of the monthly values with the target as a dashed line (same scale)."""
    values = [p["value"] for p in points if p.get("value") is not None]
    if not values:
        return {"points": [], "target_y": None, "w": CHART_W, "h": CHART_H}
    low, high = min([*values, target]), max([*values, target])
    span = (high - low) or 1.0
    step = (CHART_W - 2 * PAD) / max(1, len(points) - 1)

    def y(value: float) -> float:
        return round(CHART_H - PAD - (value - low) / span * (CHART_H - 2 * PAD), 1)

    dots = [
        {
            "x": round(PAD + i * step, 1),
            "y": y(p["value"]),
            "status": p["status"],
            "month": p["month"],
            "value": p["value"],
        }
        for i, p in enumerate(points)
        if p.get("value") is not None
    ]
    return {
        "points": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "target_y": y(target),
        "w": CHART_W,
        "h": CHART_H,
    }


def term_rows(contract_client_id: int, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for term in snapshot.get("terms", []):
        metric = _metric(term["metric_id"])
        params = {"from": snapshot.get("from", ""), "to": snapshot.get("to", "")}
        rows.append(
            {
                "t": term,
                "name": str(metric.name) if metric else term["metric_id"],
                "unit": str(metric.unit_label) if metric else "",
                "status_label": status_label(term["status"]),
                "chart": trend_chart(term.get("trend", []), term["target"]),
                "trend": [{**p, "status_label": status_label(p["status"])} for p in term.get("trend", [])],
                "drill": dashboard_links.drill_base(contract_client_id, term["metric_id"])
                + "?"
                + urlencode(params),
                "definition": dashboard_links.definition_url(term["metric_id"]),
            }
        )
    return rows


def figure_rows(entries: list[dict[str, Any]], key: str = "metric_id") -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        metric = _metric(entry[key])
        rows.append(
            {
                **entry,
                "name": str(metric.name) if metric else entry[key],
                "unit": str(metric.unit_label) if metric else "",
                "definition": dashboard_links.definition_url(entry[key]),
            }
        )
    return rows


def issues(snapshot: dict[str, Any]) -> dict[str, Any]:
    found = snapshot.get("issues") or {}
    return {
        **found,
        "autoqa": [
            {**row, "label": str(CHECK_LABELS.get(row["check_id"], _("Other check")))}
            for row in found.get("autoqa", [])
        ],
    }


# --- renewal -------------------------------------------------------------------------------------
def _pct(value: object) -> str:
    return "—" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]


def finding_sentence(code: str, params: dict[str, Any], risks: dict[str, str]) -> str:
    """One finding of the core as a sentence (the numbers the core gave, formatted)."""
    p = {
        "months": params.get("months"),
        "min": params.get("min"),
        "met": _pct(params.get("met_pct")),
        "credits": _pct(params.get("credit_pct")),
        "qa": _pct(params.get("qa_score")),
        "limit": params.get("limit"),
        "trend": _pct(params.get("trend")),
        "drop": _pct(abs(float(params.get("trend") or 0))),
        "earlier": params.get("earlier"),
        "later": params.get("later"),
        "score": params.get("score"),
        "risk": risks.get(str(params.get("risk")), params.get("risk")),
        "risks": ", ".join(risks.get(str(r), str(r)) for r in params.get("risks", [])),
    }
    sentences = {
        "short_record": _(
            "Only %(months)s measured month(s); at least %(min)s are needed to judge the record."
        ),
        "met_very_low": _(
            "Terms met in %(met)s %% of the measured term-months, below %(limit)s %%, and not improving."
        ),
        "credits_high_declining": _(
            "Service credits came to %(credits)s %% of the fees (limit %(limit)s %%) "
            "while the record is getting worse (%(trend)s points)."
        ),
        "met_high": _("Terms met in %(met)s %% of the measured term-months (at least %(limit)s %%)."),
        "not_met_high": _(
            "Terms met in only %(met)s %% of the measured term-months (renewal asks for %(limit)s %%)."
        ),
        "credits_low": _("Service credits came to %(credits)s %% of the fees (below %(limit)s %%)."),
        "not_credits_low": _(
            "Service credits came to %(credits)s %% of the fees (renewal asks for below %(limit)s %%)."
        ),
        "qa_good": _("QA score %(qa)s (at least %(limit)s, or not measured)."),
        "not_qa_good": _("QA score %(qa)s, below %(limit)s."),
        "no_high_risk": _("No open risk scores %(limit)s or more."),
        "not_no_high_risk": _("Open risks scoring %(limit)s or more: %(risks)s."),
        "complaints_steady": _(
            "Complaints are not rising (%(earlier)s in the earlier half, %(later)s in the later)."
        ),
        "not_complaints_steady": _(
            "Complaints are rising: %(earlier)s in the earlier half, %(later)s in the later."
        ),
        "trend_steady": _("The record is not getting worse (trend %(trend)s points)."),
        "not_trend_steady": _(
            "The record is getting worse: %(drop)s points fewer terms met in the later half."
        ),
        "severe_risk": _("An open risk scores %(score)s (limit %(limit)s): %(risk)s."),
    }
    sentence = sentences.get(code)
    return sentence % p if sentence is not None else _("Unknown finding.")


def rule_sentence(rule: str, thresholds: dict[str, Any]) -> str:
    t = thresholds
    if rule == "short_record":
        return _(
            "Fewer than %(min)s measured months: the record is too short to renew as it is, so renegotiate."
        ) % {"min": t.get("min_months")}
    if rule == "replace":
        return _(
            "Replace when the terms met fall below %(met)s %% and are not improving, when credits "
            "reach %(credits)s %% of the fees while the record gets worse, or when an open risk "
            "scores %(risk)s or more."
        ) % {
            "met": t.get("replace_met_pct"),
            "credits": t.get("replace_credit_pct"),
            "risk": t.get("severe_risk"),
        }
    if rule == "renew":
        return _(
            "Renew when terms are met at least %(met)s %% of the time, credits stay below "
            "%(credits)s %% of the fees, the QA score is at least %(qa)s, no open risk scores "
            "%(risk)s or more, complaints are not rising and the record is not getting worse: "
            "all of these hold."
        ) % {
            "met": t.get("renew_met_pct"),
            "credits": t.get("renew_credit_pct"),
            "qa": t.get("renew_qa"),
            "risk": t.get("high_risk"),
        }
    return _(
        "Not a case for replacement, but not every condition for renewing as is holds: "
        "renegotiate the points below."
    )


def renewal_view(contract: Contract, evidence: dict[str, Any]) -> dict[str, Any]:
    """A stored or live recommendation's evidence as the page shows it."""
    record, found = evidence.get("record", {}), evidence.get("recommendation", {})
    risk_names = {str(r["id"]): f"R{r['id']} {r['title']} ({r['score']})" for r in record.get("risks", [])}
    standing_url = reverse("contracts_standing", args=[contract.pk])
    return {
        "outcome": found.get("outcome", ""),
        "outcome_label": outcome_label(found.get("outcome", "")),
        "rule": rule_sentence(found.get("rule", ""), found.get("thresholds", {})),
        "findings": [
            finding_sentence(f["code"], f.get("params", {}), risk_names) for f in found.get("findings", [])
        ],
        "met_pct": found.get("met_pct"),
        "credit_pct": found.get("credit_pct"),
        "trend_points": found.get("trend_points"),
        "months": [{**m, "link": f"{standing_url}?month={m['month']}"} for m in record.get("months", [])],
        "record": record,
        "complaints_link": reverse("quality_complaint_trend")
        + "?"
        + urlencode({"client": contract.client_id, "weeks": 52}),
        "qa_link": dashboard_links.drill_base(contract.client_id, "qa_score")
        + "?"
        + urlencode({"from": record.get("from") or "", "to": record.get("to") or ""}),
        "risks": [
            {**r, "link": reverse("onboarding_risks", args=[contract.engagement_id]) + f"#risk-{r['id']}"}
            for r in record.get("risks", [])
        ],
    }
