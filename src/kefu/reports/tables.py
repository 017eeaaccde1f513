"""A report's snapshot as tables with headers in the reader's language: what the pages show and
what CSV and Excel exports write (through `exports`, the one export helper)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kefu.analytics.dashboard_links import drill_base
from kefu.desk.models import CaseStatus, CaseType, Channel
from kefu.reports.exports import DATE, DATETIME, DECIMAL, INT, PERCENT, SECONDS, Column, Table

UNIT_KIND = {
    "%": PERCENT, "s": SECONDS, "conversations": INT, "conversations/agent-day": DECIMAL,
    "conversations at once": DECIMAL,
}  # fmt: skip
TIMER_LABELS = {
    "first_response": gettext_lazy("First response"),
    "next_response": gettext_lazy("Next response"),
    "resolution": gettext_lazy("Resolution"),
    "l2_resolution": gettext_lazy("L2 resolution"),
}
CASE_HAPPENED = {
    "opened": gettext_lazy("opened"),
    "status": gettext_lazy("status changed"),
    "resolved": gettext_lazy("resolved"),
    "linked": gettext_lazy("contact linked"),
}


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def channel_label(code: str) -> str:
    return str(dict(Channel.choices).get(code, code)) if code else _("Every channel")


def case_type_label(code: str) -> str:
    return str(dict(CaseType.choices).get(code, code))


def case_status_label(code: str) -> str:
    return str(dict(CaseStatus.choices).get(code, code))


def metric_name(entry: dict[str, Any]) -> str:
    return entry["name"].get(_lang(), entry["id"])


def metric_definition(entry: dict[str, Any]) -> str:
    return entry["definition"].get(_lang(), "")


def target_label(target: dict[str, Any]) -> str:
    if target["kind"] == "service_level":
        return _("Service level of %(queue)s: %(target)s %% within %(seconds)s s") % {
            "queue": target["queue"],
            "target": f"{target['target']:g}",
            "seconds": target["threshold_s"],
        }
    return _("%(timer)s within %(seconds)s business s (%(channel)s)") % {
        "timer": TIMER_LABELS[target["timer"]],
        "seconds": target["target_s"],
        "channel": channel_label(target["channel"]),
    }


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _number(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def metrics_table(metrics: list[dict[str, Any]]) -> Table:
    rows = []
    for entry in metrics:
        rows.append(
            [
                entry["id"],
                metric_name(entry),
                entry["value"],
                str(entry["unit"]),
                entry["count"],
                entry["median"],
                metric_definition(entry),
            ]
        )
    return Table(
        _("Key figures"),
        [
            Column(_("Metric id")),
            Column(_("Metric")),
            Column(_("Value"), DECIMAL),
            Column(_("Unit")),
            Column(_("Count"), INT),
            Column(_("Median"), DECIMAL),
            Column(_("Definition")),
        ],
        rows,
    )


def digest_table(digests: list[dict[str, Any]]) -> Table:
    return Table(
        _("Event log digests"),
        [Column(_("Date"), DATE), Column(_("Chain")), Column(_("Events that day"), INT), Column(_("Digest"))],
        [[date.fromisoformat(d["date"]), d["chain"], d["event_count"], d["head"]] for d in digests],
    )


def daily_tables(snapshot: dict[str, Any], digests: list[dict[str, Any]]) -> list[Table]:
    contacts, orders, cases = snapshot["contacts"], snapshot["orders"], snapshot["after_sales"]
    return [
        Table(
            _("Contacts by channel"),
            [Column(_("Channel")), Column(_("Contacts received"), INT)],
            [[channel_label(r["channel"]), r["count"]] for r in contacts["by_channel"]]
            + [[_("Total"), contacts["total"]]],
        ),
        Table(
            _("Contacts by queue"),
            [Column(_("Queue")), Column(_("Contacts received"), INT)],
            [[r["queue"] or _("No queue"), r["count"]] for r in contacts["by_queue"]],
        ),
        Table(
            _("Orders from chats"),
            [
                Column(_("Conversation"), INT),
                Column(_("Started"), DATETIME),
                Column(_("Channel")),
                Column(_("Queue")),
                Column(_("Order numbers")),
                Column(_("Order value (yuan)"), DECIMAL),
                Column(_("Agent")),
            ],
            [
                [
                    o["conversation_id"],
                    _at(o["created_at"]),
                    channel_label(o["channel"]),
                    o["queue"],
                    o["order_numbers"],
                    _number(o["order_value"]),
                    o["agent"],
                ]
                for o in orders["items"]
            ],
        ),
        Table(
            _("After-sales records"),
            [
                Column(_("Case"), INT),
                Column(_("Type")),
                Column(_("Status")),
                Column(_("That day")),
                Column(_("Subject")),
                Column(_("Order number")),
                Column(_("Opened"), DATETIME),
                Column(_("Resolved"), DATETIME),
                Column(_("Amount (yuan)"), DECIMAL),
                Column(_("Conversations")),
            ],
            [
                [
                    c["case_id"],
                    case_type_label(c["type"]),
                    case_status_label(c["status"]),
                    [str(CASE_HAPPENED.get(w, w)) for w in c["today"]],
                    c["subject"],
                    c["order_number"],
                    _at(c["opened_at"]),
                    _at(c["resolved_at"]),
                    _number(c["amount"]),
                    [f"#{n}" for n in c["conversation_ids"]],
                ]
                for c in cases["items"]
            ],
        ),
        metrics_table(snapshot["metrics"]),
        digest_table(digests),
    ]


def monthly_tables(snapshot: dict[str, Any], digests: list[dict[str, Any]]) -> list[Table]:
    targets = snapshot["targets"]
    return [
        Table(
            _("Targets"),
            [
                Column(_("Target")),
                Column(_("Goal (%)"), PERCENT),
                Column(_("Actual (%)"), PERCENT),
                Column(_("Met")),
                Column(_("Conversations"), INT),
                Column(_("Misses"), INT),
            ],
            [
                [
                    target_label(t),
                    t["target"],
                    t["actual"],
                    "" if t["met"] is None else (_("yes") if t["met"] else _("no")),
                    t["count"],
                    t["breach_count"],
                ]
                for t in targets
            ],
        ),
        Table(
            _("Daily trend"),
            [
                Column(_("Target")),
                Column(_("Date"), DATE),
                Column(_("Actual (%)"), PERCENT),
                Column(_("Conversations"), INT),
            ],
            [
                [target_label(t), date.fromisoformat(p["date"]), p["value"], p["count"]]
                for t in targets
                for p in t["trend"]
            ],
        ),
        Table(
            _("Misses"),
            [Column(_("Target")), Column(_("Conversation"), INT), Column(_("When"), DATETIME)],
            [[target_label(t), b["conversation_id"], _at(b["at"])] for t in targets for b in t["breaches"]],
        ),
        metrics_table(snapshot["metrics"]),
        digest_table(digests),
    ]


def report_tables(snapshot: dict[str, Any], digests: list[dict[str, Any]]) -> list[Table]:
    return (
        daily_tables(snapshot, digests) if snapshot["kind"] == "daily" else monthly_tables(snapshot, digests)
    )


def metric_items_table(metric: Any, items: list[dict[str, Any]]) -> Table:
    """The records behind a figure (the API's drill-down) as one table."""
    return Table(
        str(metric.name),
        [
            Column(_("Record")),
            Column(_("When"), DATETIME),
            Column(_("Conversation"), INT),
            Column(_("Conversations")),
            Column(_("Agent"), INT),
            Column(_("Numerator"), DECIMAL),
            Column(_("Denominator"), DECIMAL),
        ],
        [
            [
                i["key"],
                i["at"],
                i["conversation_id"],
                i["conversation_ids"],
                i["agent_id"],
                i["numerator"],
                i["denominator"],
            ]
            for i in items
        ],
    )


# --- what the pages and the printed review show ------------------------------------------------------
def conversation_url(conversation_id: int) -> str:
    return reverse("desk_conversation", kwargs={"conversation_id": conversation_id})


def metric_rows(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": m["id"],
            "name": metric_name(m),
            "definition": metric_definition(m),
            "formula": m["formula"],
            "value": m["value"],
            "unit": m["unit"],
            "count": m["count"],
            "median": m["median"],
            "unavailable": (m.get("unavailable") or {}).get(_lang()),
        }
        for m in metrics
    ]


def _drill_url(target: dict[str, Any]) -> str:
    """The records behind a target that lists its misses only when asked (service level: the
    drill-down of its figure, each conversation with whether it was answered in time)."""
    params = target.get("drilldown")
    if not params:
        return ""
    return drill_base(int(params["client"]), target["metric"]) + "?" + urlencode(params)


def review_context(review: dict[str, Any], digests: list[dict[str, Any]]) -> dict[str, Any]:
    targets = [
        {
            **t,
            "label": target_label(t),
            "breaches": [{**b, "url": conversation_url(b["conversation_id"])} for b in t["breaches"]],
            "more_breaches": t["breach_count"] - len(t["breaches"]),
            "drill_url": _drill_url(t),
        }
        for t in review["targets"]
    ]
    return {
        "review": review,
        "targets": targets,
        "metrics": metric_rows(review["metrics"]),
        "digests": digests,
        "provider": (review.get("provider") or {}).get("name", ""),
    }
