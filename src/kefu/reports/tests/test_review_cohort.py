"""The monthly review's SLA cohort, counted in the database, equals the offers counted in Python.

`_python_sla_targets` is the review's previous computation (every offer of the month fetched,
grouped and counted in Python), kept here as the reference. The client ca1 keeps the default
calendar (Asia/Shanghai, UTC+8): March 2026 runs from 2026-02-28T16:00Z to 2026-03-31T16:00Z.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from kefu.analytics import events
from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics import compute
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation, SlaBreach
from kefu.reports import figure_selectors as fs
from kefu.testing.plugin import Tenants

MARCH = date(2026, 3, 1)
TZ = ZoneInfo("Asia/Shanghai")
MONTH_START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # local midnight of March 1st
MONTH_END = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


# --- the previous computation (the reference) -------------------------------------------------
class _Offer(NamedTuple):
    at: datetime
    conversation_id: int | None


def _python_sla_targets(
    scope: Scope, client_id: int, first: date, last: date, goal: float
) -> list[dict[str, Any]]:
    tz = ZoneInfo("Asia/Shanghai")
    policies = list(desk_selectors.sla_policy_list(scope, client_id=client_id))
    breached: dict[str, dict[int, datetime]] = {kind: {} for kind in fs.SLA_TIMERS}
    start, end = compute.period_bounds(first, last, tz)
    breaches = desk_selectors.sla_breach_list(scope, client_id=client_id).filter(started_at__gte=start)
    for conversation_id, kind, at in breaches.order_by("breached_at").values_list(
        "conversation_id", "kind", "breached_at"
    ):
        if kind in breached:
            breached[kind].setdefault(conversation_id, at)
    offers = analytics_selectors.contact_event_list(scope, type="offered").filter(
        client_id=client_id, at__gte=start, at__lt=end
    )
    by_channel: dict[str, list[_Offer]] = {}
    for conversation_id, at, channel in offers.values_list("conversation_id", "at", "channel"):
        by_channel.setdefault(channel or "", []).append(_Offer(at, conversation_id))
    escalated = set(
        analytics_selectors.contact_event_list(scope, type="escalated")
        .filter(client_id=client_id, data__tier="l2", conversation_id__in=offers.values("conversation_id"))
        .values_list("conversation_id", flat=True)
    )
    targets = []
    for policy in policies:
        channels = fs._policy_channels(policies, policy)
        for kind in fs.SLA_TIMERS:
            target_s = getattr(policy, f"{kind}_s")
            if target_s is None:
                continue
            cohort: list[_Offer] = []
            for channel in channels:
                items = by_channel.get(channel, [])
                if kind == "l2_resolution":
                    items = [i for i in items if i.conversation_id in escalated]
                cohort.extend(items)
            cohort.sort(key=lambda i: (i.at, i.conversation_id or 0))
            missed = [i for i in cohort if i.conversation_id in breached[kind]]
            per_day: dict[str, list[int]] = {d.isoformat(): [0, 0] for d in fs._days(first, last)}
            for item in cohort:
                counts = per_day.setdefault(item.at.astimezone(tz).date().isoformat(), [0, 0])
                counts[0] += 1
                counts[1] += item.conversation_id in breached[kind]
            actual = 100 * (len(cohort) - len(missed)) / len(cohort) if cohort else None
            trend = []
            for day, (count, misses) in sorted(per_day.items()):
                value = 100 * (count - misses) / count if count else None
                trend.append(
                    {
                        "date": day,
                        "value": fs._round(value),
                        "count": count,
                        "met": None if value is None else value >= goal,
                    }
                )
            targets.append(
                {
                    "kind": "sla",
                    "metric": "sla_compliance",
                    "name": kind,
                    "timer": kind,
                    "channel": policy.channel,
                    "target_s": target_s,
                    "target": goal,
                    "actual": fs._round(actual),
                    "count": len(cohort),
                    "met": None if actual is None else actual >= goal,
                    "trend": trend,
                    "breach_count": len(missed),
                    "breaches": [
                        {
                            "conversation_id": i.conversation_id,
                            "at": fs._local(breached[kind][i.conversation_id], tz),
                        }
                        for i in missed[: fs.BREACHES_LISTED]
                    ],
                }
            )
    return targets


# --- the data -------------------------------------------------------------------------------------
class History:
    def __init__(self, tenants: Tenants) -> None:
        self.tenants = tenants

    def conversation(self, client: Any, channel: str, created: datetime) -> Conversation:
        return Conversation.all_tenants.create(
            provider=self.tenants.pa, client=client, channel=channel or "chat", created_at=created
        )

    def offer(self, conv: Conversation, at: datetime, channel: str | None = None) -> None:
        events.emit(None, "offered", conversation=_as(conv, channel), at=at)

    def escalate(self, conv: Conversation, at: datetime, tier: str = "l2") -> None:
        events.emit(None, "escalated", conversation=_as(conv), at=at, data={"tier": tier})

    def breach(self, conv: Conversation, kind: str, started: datetime, breached: datetime) -> None:
        SlaBreach.all_tenants.create(
            provider_id=conv.provider_id,
            client_id=conv.client_id,
            conversation=conv,
            kind=kind,
            party="provider",
            target_s=60,
            started_at=started,
            breached_at=breached,
            detected_at=breached,
        )


def _as(conv: Conversation, channel: str | None = None) -> Any:
    """What `emit` copies from a conversation, with the offer's own channel (blank included)."""
    return SimpleNamespace(
        pk=conv.pk,
        provider_id=conv.provider_id,
        client_id=conv.client_id,
        channel=conv.channel if channel is None else channel,
        queue="",
    )


def _policies(tenants: Tenants) -> None:
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        admin = tenants.scope("ca1", "client_admin")
        desk_services.sla_policy_create(
            admin, first_response_s=60, next_response_s=120, resolution_s=3600, l2_resolution_s=7200
        )
        desk_services.sla_policy_create(admin, channel="chat", first_response_s=30, l2_resolution_s=600)


def _generated(tenants: Tenants, seed: int, conversations: int = 90) -> None:
    """Offers of every channel (and a blank one) in and around March, many within ten minutes of
    a local midnight; re-offers; escalations to L2 (some before the month) and to L1; breaches of
    every timer (some started before the month, some twice); the same for client ca2."""
    rng = random.Random(seed)
    h = History(tenants)
    for n in range(conversations):
        client = tenants.ca1 if n % 5 else tenants.ca2
        channel = rng.choice(("chat", "chat", "email", "phone", "api", ""))
        day = MONTH_START + timedelta(days=rng.randrange(-2, 33))
        if rng.random() < 0.5:  # around a local midnight (16:00 UTC)
            at = day + timedelta(seconds=rng.randrange(-600, 600))
        else:
            at = day + timedelta(seconds=rng.randrange(86_400))
        conv = h.conversation(client, channel, at)
        h.offer(conv, at, channel)
        if rng.random() < 0.15:  # offered again (a transfer back to the queue), maybe on another day
            h.offer(conv, at + timedelta(hours=rng.choice((1, 20, 30))), channel)
        if rng.random() < 0.35:
            h.escalate(
                conv, at + timedelta(minutes=rng.randrange(-3000, 600)), "l2" if rng.random() < 0.8 else "l1"
            )
        for kind in (*fs.SLA_TIMERS, "pause"):
            if rng.random() < 0.3:
                started = at + timedelta(minutes=rng.choice((-3000, 0, 5)))
                h.breach(conv, kind, started, started + timedelta(minutes=rng.randrange(1, 600)))
                if rng.random() < 0.3:
                    later = started + timedelta(hours=2)
                    h.breach(conv, kind, later, later + timedelta(minutes=rng.randrange(-200, 60)))


def _review_targets(tenants: Tenants) -> list[dict[str, Any]]:
    scope = tenants.scope("pa", "provider_admin")
    goal = float(settings.KEFU_REPORTS_SLA_GOAL_PERCENT)
    return fs._sla_targets(scope, tenants.ca1.pk, MARCH, date(2026, 3, 31), TZ, goal)


def _reference(tenants: Tenants) -> list[dict[str, Any]]:
    scope = tenants.scope("pa", "provider_admin")
    goal = float(settings.KEFU_REPORTS_SLA_GOAL_PERCENT)
    return _python_sla_targets(scope, tenants.ca1.pk, MARCH, date(2026, 3, 31), goal)


# --- the tests ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counted_cohort_equals_the_offers_counted_one_by_one(
    tenants: Tenants, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given generated offers, escalations and breaches around local midnights, on every channel
    _policies(tenants)
    _generated(tenants, seed)

    # when the review counts its SLA cohort in the database, and the previous code offer by offer
    found = _review_targets(tenants)
    expected = _reference(tenants)
    monkeypatch.setattr(fs, "BREACHES_LISTED", 3)  # the list is cut where the old one was
    found_cut, expected_cut = _review_targets(tenants), _reference(tenants)

    # then every figure, daily point and listed miss is the same
    assert [t["count"] for t in found] == [t["count"] for t in expected]
    assert found == expected
    assert found_cut == expected_cut
    assert sum(t["breach_count"] for t in found) > 0 and all(len(t["breaches"]) <= 3 for t in found_cut)


def test_the_cohort_counts_by_hand(tenants: Tenants) -> None:
    # given (Shanghai days) the chat policy's first response in 30 s and the catch-all's 60 s:
    _policies(tenants)
    h = History(tenants)
    # c1 chat offered 23:59:59 on Feb 28 (outside March), breached first response
    c1 = h.conversation(tenants.ca1, "chat", MONTH_START - timedelta(seconds=1))
    h.offer(c1, MONTH_START - timedelta(seconds=1))
    h.breach(c1, "first_response", MONTH_START - timedelta(seconds=1), MONTH_START + timedelta(seconds=29))
    # c2 chat offered at 00:00 on March 1st and again 23:59 on March 1st; breached first response
    # twice (the first breach is the one listed); escalated to L2 in February (still counts)
    c2 = h.conversation(tenants.ca1, "chat", MONTH_START)
    h.offer(c2, MONTH_START)
    h.offer(c2, MONTH_START + timedelta(hours=23, minutes=59))
    h.escalate(c2, MONTH_START - timedelta(days=3))
    h.breach(c2, "first_response", MONTH_START + timedelta(hours=2), MONTH_START + timedelta(hours=3))
    h.breach(c2, "first_response", MONTH_START, MONTH_START + timedelta(minutes=1))
    # c3 e-mail offered 00:00 on March 2nd, escalated to L1 only, its L2 timer breached
    c3 = h.conversation(tenants.ca1, "email", MONTH_START + timedelta(days=1))
    h.offer(c3, MONTH_START + timedelta(days=1))
    h.escalate(c3, MONTH_START + timedelta(days=1, minutes=5), "l1")
    h.breach(c3, "l2_resolution", MONTH_START + timedelta(days=1), MONTH_START + timedelta(days=2))
    # c4 e-mail offered 23:59 on March 31st, escalated to L2 twice (after the month: still one
    # offer of the L2 cohort), its L2 timer breached
    c4 = h.conversation(tenants.ca1, "email", MONTH_END - timedelta(minutes=1))
    h.offer(c4, MONTH_END - timedelta(minutes=1))
    h.escalate(c4, MONTH_END + timedelta(minutes=5))
    h.escalate(c4, MONTH_END + timedelta(days=1))
    h.breach(c4, "l2_resolution", MONTH_END, MONTH_END + timedelta(hours=3))
    # c5 of another client, offered on March 1st with every timer breached
    c5 = h.conversation(tenants.ca2, "chat", MONTH_START)
    h.offer(c5, MONTH_START)
    for kind in fs.SLA_TIMERS:
        h.breach(c5, kind, MONTH_START, MONTH_START + timedelta(seconds=1))

    # when the review counts the cohort
    targets = {(t["channel"], t["timer"]): t for t in _review_targets(tenants)}

    # then the chat first response: c2's two offers, both missed, on March 1st
    chat_first = targets[("chat", "first_response")]
    assert (chat_first["count"], chat_first["breach_count"], chat_first["actual"]) == (2, 2, 0.0)
    assert chat_first["trend"][0] == {"date": "2026-03-01", "value": 0.0, "count": 2, "met": False}
    assert [p["count"] for p in chat_first["trend"][1:]] == [0] * 30
    at = "2026-03-01T00:01:00+08:00"  # c2's first breach, listed once per missed offer
    assert chat_first["breaches"] == [{"conversation_id": c2.pk, "at": at}] * 2
    # the chat L2 resolution: c2's two offers (escalated before the month), none breached
    chat_l2 = targets[("chat", "l2_resolution")]
    assert (chat_l2["count"], chat_l2["breach_count"], chat_l2["actual"], chat_l2["met"]) == (
        2,
        0,
        100.0,
        True,
    )
    # the catch-all (every channel but chat): c3 and c4 by e-mail, no first-response miss
    other_first = targets[("", "first_response")]
    assert (other_first["count"], other_first["breach_count"]) == (2, 0)
    assert [(p["date"], p["count"]) for p in other_first["trend"] if p["count"]] == [
        ("2026-03-02", 1),
        ("2026-03-31", 1),
    ]
    # its L2 resolution: c4 only (c3 went to L1), missed on March 31st
    other_l2 = targets[("", "l2_resolution")]
    assert (other_l2["count"], other_l2["breach_count"], other_l2["actual"]) == (1, 1, 0.0)
    assert other_l2["trend"][-1] == {"date": "2026-03-31", "value": 0.0, "count": 1, "met": False}
    assert other_l2["breaches"] == [{"conversation_id": c4.pk, "at": "2026-04-01T03:00:00+08:00"}]
    assert targets == {(t["channel"], t["timer"]): t for t in _reference(tenants)}


def test_the_cohort_is_read_in_a_fixed_number_of_queries(
    tenants: Tenants, django_assert_num_queries: Any
) -> None:
    # given a generated month in which every timer of both policies has misses
    _policies(tenants)
    _generated(tenants, 4)
    scope = tenants.scope("pa", "provider_admin")
    targets = _review_targets(tenants)
    assert len(targets) == 6 and all(t["breach_count"] for t in targets)

    # when the review reads its SLA targets: the policies, one grouped count of the cohort and one
    # list per timer with misses (the catch-all's four, the chat policy's two), whatever the offers
    with django_assert_num_queries(1 + 1 + 6):
        fs._sla_targets(scope, tenants.ca1.pk, MARCH, date(2026, 3, 31), TZ, 95.0)
