"""The demo's replayed history carries what the figures need (issue 12): survey answers for about a
third of resolved conversations, abandoned chats, reopened ones, escalations with hand-back, and
pre-sales chats with linked orders, each with its event in the event log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import time_machine
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.desk import demo as desk_demo
from kefu.desk.models import Conversation
from kefu.knowledge import demo as knowledge_demo
from kefu.quality.models import SurveyAnswer
from kefu.tenancy import demo as tenancy_demo

NOW = dt.datetime(2026, 3, 4, 20, 30)  # a Wednesday evening, local time
DAYS = 6


@pytest.fixture
def replayed(db: None) -> int:
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        today = timezone.localdate()
        tenancy_demo.load(today=today)
        knowledge_demo.load()
        return desk_demo.load(today=today, history_days=DAYS)


def test_the_history_carries_what_the_figures_need(replayed: int) -> None:
    events: dict[str, set[int]] = defaultdict(set)
    for kind, conversation_id in ContactEvent.all_tenants.values_list("type", "conversation_id"):
        events[kind].add(conversation_id)
    conversations = list(Conversation.all_tenants.all())
    assert len(conversations) == replayed

    resolved = {c.pk for c in conversations if c.status == "resolved"}
    surveyed = set(SurveyAnswer.all_tenants.values_list("conversation_id", flat=True))
    assert 0.20 <= len(surveyed & resolved) / len(resolved) <= 0.45
    assert surveyed == events["survey_answered"]
    scores = list(SurveyAnswer.all_tenants.values_list("score", flat=True))
    assert sum(s >= 4 for s in scores) / len(scores) > 0.6 and min(scores) <= 3  # mostly happy, not all
    assert SurveyAnswer.all_tenants.exclude(comment="").exists()

    chats = [c for c in conversations if c.channel == "chat"]
    abandoned = events["abandoned"]
    assert 0.01 <= len(abandoned) / len(chats) <= 0.09
    assert all(
        c.status == "closed" and c.first_response_at is None for c in conversations if c.pk in abandoned
    )

    reopened = events["reopened"]
    assert reopened and reopened <= resolved
    assert len(reopened) / len(resolved) < 0.1

    escalated = events["escalated"]
    assert escalated and escalated & events["deescalated"]
    assert all(
        not c.category.startswith(("售前", "发票", "物流/催发货", "物流/查件"))
        for c in conversations
        if c.pk in escalated
    )
    assert 0.02 <= len(escalated) / len(conversations) <= 0.15

    presales = [c for c in conversations if c.category.startswith("售前咨询") and c.status == "resolved"]
    ordered = [c for c in presales if c.order_numbers]
    assert ordered and all(c.order_value is not None for c in ordered)
    assert 0.15 <= len(ordered) / len(presales) <= 0.6
