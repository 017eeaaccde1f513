"""A closed calibration session's report as tables (headers in the reader's language), for the
CSV and Excel downloads through `exports`. It lives in reports because reports sit on top of the
domain apps (quality may not import the export helper); the figures come from quality's report."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kefu.core.scope import Scope
from kefu.quality.calibration import selectors as calibration_selectors
from kefu.reports.exports import DECIMAL, INT, PERCENT, TEXT, Column, Table


def calibration_tables(scope: Scope, *, session_id: int) -> tuple[Any, list[Table]]:
    """The session and its report as three tables: criteria, conversations, reviewers."""
    session = calibration_selectors.calibration_get(scope, session_id=session_id)
    report = calibration_selectors.calibration_report(scope, session=session)
    names = calibration_selectors.reviewer_names(scope, session=session)
    levels = {"nominal": _("Nominal"), "ordinal": _("Ordinal")}
    criteria = Table(
        _("Agreement per criterion"),
        [
            Column(_("Criterion")),
            Column(_("Scale")),
            Column(_("Conversations"), INT),
            Column(_("Agreement"), PERCENT),
            Column(_("Krippendorff's alpha"), DECIMAL),
            Column(_("Matches the expert"), PERCENT),
        ],
        [
            [c.title, str(levels[c.level]), c.units, c.percent, c.alpha, c.expert_match]
            for c in report.criteria
        ],
    )
    reviewer_ids = [r.reviewer_id for r in report.reviewers]
    spreads = Table(
        _("Spread per conversation"),
        [
            Column(_("Conversation")),
            *[Column(names.get(r, str(r)), DECIMAL) for r in reviewer_ids],
            Column(_("Lowest"), DECIMAL),
            Column(_("Highest"), DECIMAL),
            Column(_("Range"), DECIMAL),
            Column(_("Standard deviation"), DECIMAL),
            Column(_("Expert"), DECIMAL),
        ],
        [
            [
                f"#{s.conversation_id}",
                *[s.scores.get(r) for r in reviewer_ids],
                s.low,
                s.high,
                s.range,
                s.deviation,
                s.expert,
            ]
            for s in report.spreads
        ],
    )
    reviewers = Table(
        _("Reviewers"),
        [
            Column(_("Reviewer"), TEXT),
            Column(_("Scored"), INT),
            Column(_("Average score"), DECIMAL),
            Column(_("Against the group"), DECIMAL),
            Column(_("Against the expert"), DECIMAL),
            Column(_("Matches the expert"), PERCENT),
        ],
        [
            [names.get(r.reviewer_id, ""), r.sheets, r.mean, r.off_mean, r.off_expert, r.expert_match]
            for r in report.reviewers
        ],
    )
    return session, [criteria, spreads, reviewers]
