"""Property: for any event sequence, folded in any steps, the rollups plus the unfolded tail give
the events' figures exactly, and folding step by step stores the rows a rebuild stores.

Events are written in a random order (late events whose `at` is older than events already folded
included) around the local midnight of 2026-03-02 in Asia/Shanghai (16:00 UTC) and on quarter-hour
edges; the figures are asked with random filters, per 15 minutes and per day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.analytics import events, rollup_selectors, rollups
from kefu.analytics.metrics import queries
from kefu.analytics.tests.builders import Conv
from kefu.testing.plugin import Tenants

ADDITIVE = [m for ids in rollup_selectors.rolled_metrics().values() for m in ids]
MIDNIGHT = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 in Asia/Shanghai
EDGES = [-timedelta(microseconds=1), timedelta(0), timedelta(minutes=15), timedelta(minutes=14, seconds=59)]


class Undo(Exception):
    """Raised at the end of an example to roll its rows back."""


offsets = st.one_of(
    st.integers(min_value=-3 * 3600, max_value=3 * 3600).map(lambda s: timedelta(seconds=s)),
    st.integers(min_value=-30, max_value=30).map(lambda h: timedelta(hours=h)),
    st.sampled_from(EDGES),
)
follow_up = st.tuples(
    st.sampled_from(
        [
            "message_in",
            "message_out",
            "message_out",
            "assigned",
            "resolved",
            "reopened",
            "escalated",
            "abandoned",
            "case_opened",
            "complaint_registered",
            "survey_answered",
        ]
    ),
    offsets,
    st.sampled_from([None, "a", "b"]),  # the event's agent
    st.integers(min_value=0, max_value=12),  # score, wait or tier choice
)
conversation = st.tuples(
    offsets,  # the offer, around midnight
    st.sampled_from(["", "售前", "售后"]),
    st.sampled_from(["chat", "phone"]),
    st.lists(follow_up, max_size=7),
)


def _data(type: str, pick: int) -> dict[str, Any]:
    if type == "survey_answered":
        return {"score": pick % 5 + 1, "scale": 5}
    if type == "escalated":
        return {"tier": "l2" if pick % 2 else "l3"}
    if type == "case_opened":
        return {"type": "complaint" if pick % 2 else "return"}
    return {}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    conversations=st.lists(conversation, min_size=1, max_size=5),
    order_seed=st.randoms(use_true_random=False),
    folds=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4),
    ask=st.tuples(
        st.sampled_from(["", "售后"]), st.sampled_from(["", "phone"]), st.sampled_from([None, "a"])
    ),
)
def test_rollups_plus_tail_equal_the_events(
    tenants: Tenants,
    monkeypatch: Any,
    conversations: list[Any],
    order_seed: Any,
    folds: list[int],
    ask: tuple[Any, ...],
) -> None:
    monkeypatch.setattr(rollups, "RUN_GAP", 1)  # rebuild only the touched quarters: no rule is masked
    # service level is kept at a queue's own threshold too (900 s: replies fall on the quarter-hour edges)
    monkeypatch.setattr(rollup_selectors, "_threshold_sources", {"test": lambda: [900.0]})
    agents = {"a": tenants.user("pa", "agent"), "b": tenants.user("pa", "supervisor")}
    scope = tenants.scope("pa", "supervisor")
    try:
        with transaction.atomic():
            # given events written in a random order, folded at random points
            writes = []
            for n, (offer, queue, channel, rest) in enumerate(conversations):
                conv = Conv(70_000 + n, tenants.pa.pk, tenants.ca1.pk, channel, queue)
                writes.append((conv, "offered", MIDNIGHT + offer, None, {}, None))
                for type, offset, agent, pick in rest:
                    value = float(pick) if type == "abandoned" else None
                    writes.append((conv, type, MIDNIGHT + offer + offset, agent, _data(type, pick), value))
            order_seed.shuffle(writes)
            for k, (conv, type, at, agent, data, value) in enumerate(writes):
                if k in folds:
                    rollups.fold(lag=0)
                agent_id = agents[agent].pk if agent else None
                events.emit(None, type, conversation=conv, at=at, agent_id=agent_id, data=data, value_s=value)

            # when each additive figure is served (rollups + tail), then it equals the events'
            queue, channel, agent = ask
            for metric, threshold in [*((m, None) for m in ADDITIVE), ("service_level", 900.0)]:
                definition = queries.metric_get(metric)
                for interval, first in (("15m", "2026-03-02"), ("day", "2026-03-01")):
                    query = queries.metric_query(
                        scope,
                        metric_id=metric,
                        client_id=tenants.ca1.pk,
                        date_from=first,
                        date_to="2026-03-02",
                        queue=queue,
                        channel=channel,
                        agent_id=agents[agent].pk if agent and "agent" in definition.filters else None,
                        interval=interval,
                        threshold_s=threshold,
                    )
                    if any(k in folds for k in range(len(writes))):  # folded once: the threshold's rows
                        assert rollup_selectors.can_read(query, median=False)
                    served = rollup_selectors.rolled_result(scope, query)
                    raw = queries.metric_value_from_events(scope, query, median=False).result
                    assert served is not None
                    assert (served.value, served.count, served.series) == (
                        raw.value,
                        raw.count,
                        raw.series,
                    ), (
                        metric,
                        threshold,
                        interval,
                    )

            # and folding step by step stored what one rebuild from the event log stores
            rollups.fold(lag=0)
            start, end = MIDNIGHT - timedelta(days=2), MIDNIGHT + timedelta(days=2)
            folded = rollups.stored_rows(tenants.ca1.pk, start, end)
            rollups.rebuild(lag=0)
            assert rollups.stored_rows(tenants.ca1.pk, start, end) == folded
            raise Undo
    except Undo:
        pass
