"""Rollups: folded quarter hours plus the unfolded tail give the events' figures exactly.

The hand-built day is `builders.seven_conversations` (client ca1, Asia/Shanghai). `fold(lag=0)`
folds every committed event (SQLite commits in id order, so the newest horizon is safe at once).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kefu.analytics import rollup_selectors, rollups
from kefu.analytics.metrics import queries
from kefu.analytics.tests.builders import DAY, Day, t
from kefu.testing.plugin import Tenants

ADDITIVE = [m for ids in rollup_selectors.rolled_metrics().values() for m in ids]


def both(tenants: Tenants, metric: str, role: tuple[str, str] = ("pa", "supervisor"), **kw: Any) -> tuple[Any, Any]:
    """(the figure as served: rollups + tail, the figure recomputed from the events alone)."""
    scope = tenants.scope(*role)
    kw.setdefault("client_id", tenants.ca1.pk)
    kw.setdefault("date_from", DAY)
    kw.setdefault("date_to", DAY)
    query = queries.metric_query(scope, metric_id=metric, **kw)
    assert rollup_selectors.can_read(query, median=False)
    served = rollup_selectors.rolled_result(scope, query)
    assert served is not None
    raw = queries.metric_value_from_events(scope, query, median=False).result
    return served, raw


def test_the_dictionary_declares_which_metrics_roll_up() -> None:
    assert ADDITIVE == [
        "offered", "handled", "answer_rate", "abandon_rate", "abandon_rate_excl_short", "asa",
        "service_level", "resolution_rate", "escalation_rate", "complaint_rate",
        "first_response_time", "aht", "fcr", "reopen_rate", "csat",
    ]  # fmt: skip


@pytest.mark.parametrize("metric", ADDITIVE)
@pytest.mark.parametrize("interval", [None, "15m", "day"])
def test_folded_rollups_equal_the_events_on_the_hand_built_day(
    tenants: Tenants, day: Day, metric: str, interval: str | None
) -> None:
    # given the day folded into rollups
    report = rollups.fold(lag=0)
    assert report.events > 0 and report.rows > 0

    # when the figure is served from rollups, then it is the events' figure to the bit
    served, raw = both(tenants, metric, interval=interval)
    assert (served.value, served.count, served.series) == (raw.value, raw.count, raw.series)
