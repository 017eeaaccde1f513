"""The complaint workflow as plain data (a pure core: no Django), so every interface and the
tests agree on which status may follow which.

new → investigating → resolved → closed; a resolved complaint may be reopened (back to
investigating) when the callback finds the customer still unhappy; anything not closed may be
withdrawn (the customer took it back, or it was raised in error). Closing needs the callback
done (or explicitly waived with a note); resolving needs a resolution text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

NEW, INVESTIGATING, RESOLVED, CLOSED, WITHDRAWN = "new", "investigating", "resolved", "closed", "withdrawn"
STATUSES = (NEW, INVESTIGATING, RESOLVED, CLOSED, WITHDRAWN)
OPEN_STATUSES = (NEW, INVESTIGATING)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (INVESTIGATING, RESOLVED, WITHDRAWN),
    INVESTIGATING: (RESOLVED, WITHDRAWN),
    RESOLVED: (CLOSED, INVESTIGATING, WITHDRAWN),
    CLOSED: (),
    WITHDRAWN: (),
}

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"
SEVERITIES = (LOW, MEDIUM, HIGH, CRITICAL)
# Days to resolve by severity when nobody sets a due date (the client's policy may say otherwise)
DUE_DAYS = {LOW: 7, MEDIUM: 3, HIGH: 1, CRITICAL: 0.5}


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def default_due(created_at: datetime, severity: str) -> datetime:
    return created_at + timedelta(days=DUE_DAYS.get(severity, DUE_DAYS[MEDIUM]))


def is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return status in OPEN_STATUSES and due_at is not None and due_at < now


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day` (the trend's buckets)."""
    return day - timedelta(days=day.weekday())


def weeks(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last` (empty weeks included)."""
    start, end = week_start(first), week_start(last)
    found = []
    while start <= end:
        found.append(start)
        start += timedelta(days=7)
    return found


def trend(rows: list[tuple[date, str, str]], *, first: date, last: date) -> dict[str, object]:
    """Complaints per week, per category and per severity from (local day, category, severity)
    rows; every week of the period appears, empty ones with 0."""
    buckets = weeks(first, last)
    by_week = {week: 0 for week in buckets}
    by_category: dict[str, int] = {}
    by_severity = {severity: 0 for severity in SEVERITIES}
    stacked: dict[str, dict[date, int]] = {severity: dict.fromkeys(buckets, 0) for severity in SEVERITIES}
    for day, category, severity in rows:
        week = week_start(day)
        if week not in by_week:
            continue
        by_week[week] += 1
        by_category[category] = by_category.get(category, 0) + 1
        if severity in by_severity:
            by_severity[severity] += 1
            stacked[severity][week] += 1
    return {
        "weeks": [week.isoformat() for week in buckets],
        "by_week": [by_week[week] for week in buckets],
        "by_category": sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_severity": [(severity, by_severity[severity]) for severity in SEVERITIES],
        "severity_by_week": {severity: [stacked[severity][w] for w in buckets] for severity in SEVERITIES},
    }
