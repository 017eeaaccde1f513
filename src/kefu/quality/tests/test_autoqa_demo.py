"""The demo: after the replay, every closed conversation has an auto-QA result, and the shops'
rules are stored."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from kefu.desk import demo as desk_demo
from kefu.desk.models import Conversation
from kefu.knowledge import demo as knowledge_demo
from kefu.quality import autoqa_demo
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult, AutoQaRules
from kefu.tenancy import demo as tenancy_demo

NOW = dt.datetime(2026, 3, 4, 20, 30)  # a Wednesday evening, local time


def test_every_closed_demo_conversation_is_inspected(db: None) -> None:
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        today = timezone.localdate()
        tenancy_demo.load(today=today)
        knowledge_demo.load()
        desk_demo.load(today=today, history_days=1)

        inspected = autoqa_demo.load()

    closed = set(
        Conversation.all_tenants.filter(status__in=("resolved", "closed")).values_list("pk", flat=True)
    )
    results = set(AutoQaResult.all_tenants.values_list("conversation_id", flat=True))
    assert inspected == len(closed) > 0
    assert results == closed
    assert set(AutoQaRules.all_tenants.values_list("client__slug", flat=True)) == {"yuejia", "jike"}
    # the shops with saved rules are inspected with them (revision 1), the others with the defaults
    versions = {
        slug: v[-3:] for slug, v in AutoQaResult.all_tenants.values_list("client__slug", "rules_version")
    }
    assert versions == {"yuejia": ".r1", "jike": ".r1", "qingyu": ".r0"}
    assert AutoQaFinding.all_tenants.count() == sum(
        AutoQaResult.all_tenants.values_list("findings_count", flat=True)
    )
