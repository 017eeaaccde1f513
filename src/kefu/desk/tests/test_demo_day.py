"""The demo's replayed history gives agents a realistic day: the open chats are today's (the last
hours'), hand-backs from L2 get resolved, and the quick phrases' use counts match what was sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from kefu.desk import demo as desk_demo
from kefu.desk.models import Conversation, Message
from kefu.knowledge import demo as knowledge_demo
from kefu.knowledge.models import QuickPhrase
from kefu.tenancy import demo as tenancy_demo

NOW = dt.datetime(2026, 3, 4, 20, 30)  # a Wednesday evening, local time


@pytest.fixture
def replayed(db: None) -> int:
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        today = timezone.localdate()
        tenancy_demo.load(today=today)
        knowledge_demo.load()
        steps: list[int] = []
        made = desk_demo.load(today=today, history_days=4, on_day=steps.append)
    assert len(steps) == desk_demo.replay_steps(4) and steps[-1] == made
    return made


def test_open_chats_are_from_the_last_hours_and_some_are_the_first_agents(replayed: int) -> None:
    now = timezone.make_aware(NOW)
    unresolved = list(Conversation.all_tenants.exclude(status__in=["resolved", "closed"]))
    open_chats = [c for c in unresolved if c.status == "open"]

    assert open_chats, "agents open the demo on an empty desk"
    # open means going on now: arrived within the live window
    assert all(now - c.created_at <= desk_demo.LIVE_WINDOW + dt.timedelta(minutes=5) for c in open_chats)
    # waiting for the customer or the client at most since yesterday, never weeks
    assert all(now - c.created_at < dt.timedelta(days=2) for c in unresolved)
    assert any(c.assignee is not None and c.assignee.username == desk_demo.LIVE_AGENT for c in open_chats)


def test_phrase_use_counts_match_the_replayed_messages(replayed: int) -> None:
    bodies = {
        p.body for p in QuickPhrase.all_tenants.filter(shortcut__in=[desk_demo.HOLD_ON, desk_demo.CLOSING])
    }
    sent = Counter(
        (m.conversation.client_id, m.body)
        for m in Message.all_tenants.filter(direction="out", body__in=bodies).select_related("conversation")
    )
    counted = {
        (p.client_id, p.body): p.usage_count
        for p in QuickPhrase.all_tenants.filter(shortcut__in=[desk_demo.HOLD_ON, desk_demo.CLOSING])
    }
    assert sum(sent.values()) > 0
    assert counted == {key: sent.get(key, 0) for key in counted}
