"""Hand-built event days for the metric tests (the `day` fixture lives in conftest.py).

The client ca1 keeps the default calendar (Asia/Shanghai, UTC+8): the day 2026-03-02 runs
from 2026-03-01T16:00Z to 2026-03-02T16:00Z. Events are written with `events.emit`, the
writer the desk uses, so the rows are those the desk writes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from kefu.analytics import events
from kefu.analytics.metrics.dictionary import METRICS
from kefu.testing.plugin import Tenants

DAY = "2026-03-02"


@dataclass
class Conv:
    """What `emit` copies from a conversation (analytics reads no desk row)."""

    pk: int
    provider_id: int | None
    client_id: int | None
    channel: str = "chat"
    queue: str = ""


def t(hms: str, day: str = "2026-03-02") -> datetime:
    return datetime.fromisoformat(f"{day}T{hms}").replace(tzinfo=UTC)


class Day:
    def __init__(self, tenants: Tenants, client: Any = None) -> None:
        self.tenants = tenants
        self.client = client or tenants.ca1
        self.a = tenants.user("pa", "agent")
        self.b = tenants.user("pa", "supervisor")
        self.next = 9000 + self.client.pk * 1000

    def conv(self, channel: str = "chat", queue: str = "") -> Conv:
        self.next += 1
        return Conv(self.next, self.tenants.pa.pk, self.client.pk, channel, queue)

    def emit(self, conv: Conv, type: str, at: datetime, agent: Any = None, **kw: Any) -> None:
        events.emit(None, type, conversation=conv, at=at, agent_id=agent.pk if agent else None, **kw)

    def offered_with_message(self, at: datetime, **kw: Any) -> Conv:
        conv = self.conv(**kw)
        self.emit(conv, "offered", at)
        self.emit(conv, "message_in", at)
        return conv


def seven_conversations(tenants: Tenants) -> Day:
    """Seven conversations around the local day 2026-03-02 (see the module docstring)."""
    d = Day(tenants)
    # c1: offered 23:59 local on 03-01 (outside), answered 00:02 local on 03-02 by A
    d.c1 = d.offered_with_message(t("15:59:00", "2026-03-01"))
    d.emit(d.c1, "message_out", t("16:02:00", "2026-03-01"), d.a)
    # c2: offered at local midnight; an automatic greeting (no agent) first, then A after 60 s
    d.c2 = d.offered_with_message(t("16:00:00", "2026-03-01"))
    d.emit(d.c2, "message_out", t("16:00:05", "2026-03-01"))
    d.emit(d.c2, "first_response", t("16:00:05", "2026-03-01"), value_s=5.0)
    d.emit(d.c2, "assigned", t("16:00:30", "2026-03-01"), d.a)
    d.emit(d.c2, "message_out", t("16:01:00", "2026-03-01"), d.a)
    d.emit(d.c2, "resolved", t("10:00:00"), d.a)
    d.emit(d.c2, "survey_answered", t("05:00:00"), d.a, data={"score": 5, "scale": 5})
    # c3: answered by B after 30 s, transferred, escalated to L2, resolved, reopened, resolved
    d.c3 = d.offered_with_message(t("01:00:00"))
    d.emit(d.c3, "assigned", t("01:00:10"), d.a)
    d.emit(d.c3, "transferred", t("01:00:20"), d.b)
    d.emit(d.c3, "message_out", t("01:00:30"), d.b)
    d.emit(d.c3, "message_in", t("01:05:00"))
    d.emit(d.c3, "message_out", t("01:06:00"), d.b)  # next response: 60 s
    d.emit(d.c3, "message_in", t("01:07:00"))
    d.emit(d.c3, "message_in", t("01:07:10"))
    d.emit(d.c3, "message_out", t("01:08:00"), d.b)  # next response: 60 s (from 01:07:00)
    d.emit(d.c3, "escalated", t("01:30:00"), d.b, data={"tier": "l2"})
    d.emit(d.c3, "case_opened", t("01:31:00"), d.b, data={"type": "complaint"})
    d.emit(d.c3, "complaint_registered", t("01:32:00"), d.b, data={"complaint_id": 1})  # counts
    d.emit(d.c3, "resolved", t("02:00:00"), d.b)
    d.emit(d.c3, "reopened", t("03:00:00"))
    d.emit(d.c3, "resolved", t("04:00:00"), d.b)
    d.emit(d.c3, "survey_answered", t("06:00:00"), d.b, data={"score": 3, "scale": 5})
    # c4, c5: phone calls abandoned after 3 s (a short abandon) and after 40 s
    d.c4 = d.conv("phone")
    d.emit(d.c4, "offered", t("03:00:00"))
    d.emit(d.c4, "abandoned", t("03:00:03"), value_s=3.0)
    d.c5 = d.conv("phone")
    d.emit(d.c5, "offered", t("04:00:00"))
    d.emit(d.c5, "abandoned", t("04:00:40"), value_s=40.0)
    d.emit(d.c5, "escalated", t("04:10:00"), data={"tier": "l3"})  # L3 is not the client's L2
    # c6: the last second of the day (23:59:59 local), answered by A 31 s later, the next day
    d.c6 = d.offered_with_message(t("15:59:59"))
    d.emit(d.c6, "message_out", t("16:00:30"), d.a)
    # c7: local midnight of 03-03: outside; a survey answer the next day: outside
    d.c7 = d.offered_with_message(t("16:00:00"))
    d.emit(d.c2, "survey_answered", t("16:00:00"), data={"score": 1, "scale": 5})
    return d


def not_measured_yet(monkeypatch: pytest.MonkeyPatch, metric_id: str) -> None:
    """Mark a metric unavailable for one test: every metric is measured today, and the path that
    answers "not available yet" (422 `metric_unavailable`, exit 2) must stay tested for the next."""
    metric = dataclasses.replace(METRICS[metric_id], available=False, unavailable_reason="not measured yet")
    monkeypatch.setitem(METRICS, metric_id, metric)
