"""The reminders job: complaints due within 24 hours, overdue complaints and due callbacks to the
owner, coaching due soon and overdue to the agent and the coach, each once per date, a moved date
told again."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.floor.models import Notice
from kefu.quality import reminders
from kefu.quality.coaching import services as coaching_services
from kefu.quality.complaints import services as complaint_services
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.quality.tests.test_coaching import WEAK, _review
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 3, 15, 0, tzinfo=SH)


def _texts(user_id: int) -> list[str]:
    return list(Notice.all_tenants.filter(user_id=user_id).order_by("pk").values_list("text", flat=True))


def test_an_overdue_complaint_and_its_callback_remind_the_owner_once(tenants: Tenants) -> None:
    # given a high complaint (due in a day) owned by the QA inspector, with a callback planned
    lead = tenants.scope("pa", "supervisor")
    owner = tenants.user("pa", "qa_inspector")
    conversation_id = finished(tenants, AT - timedelta(hours=2))
    with time_machine.travel(AT, tick=False):
        complaint = complaint_services.complaint_create(
            lead, conversation_id=conversation_id, subject="客服态度差", severity="high", owner_id=owner.pk
        )
        complaint_services.complaint_callback(
            lead, complaint_id=complaint.pk, planned_at=AT + timedelta(hours=3)
        )
        # when the job runs before anything is due, then nobody is told
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    # when the callback time comes (the due date now within 24 hours), then the owner hears of
    # both, once
    with time_machine.travel(AT + timedelta(hours=4), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 2, coaching 0"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    # when the due date passes, then the owner hears it is overdue, once
    with time_machine.travel(AT + timedelta(days=1, minutes=1), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 1, coaching 0"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
        # a new due date that passes too is told again
        complaint_services.complaint_update(lead, complaint_id=complaint.pk, due_at=AT + timedelta(hours=20))
        assert reminders.reminders_due() == "reminders: complaints 1, coaching 0"
    texts = _texts(owner.pk)
    assert len(texts) == 4
    assert texts[0] == f"投诉 #{complaint.pk}“客服态度差”将在 24 小时内到期（期限 2026-12-04 15:00）。"
    assert texts[1] == f"投诉 #{complaint.pk}“客服态度差”：该给顾客回电了（2026-12-03 18:00）。"
    assert texts[2] == f"投诉 #{complaint.pk}“客服态度差”已超期（期限 2026-12-04 15:00）。"
    assert _texts(tenants.user("pa", "supervisor").pk) == []


def test_a_complaint_due_within_24_hours_reminds_the_owner_once_per_due_date(tenants: Tenants) -> None:
    # given a low complaint (due in seven days) owned by the QA inspector, and one without owner
    lead = tenants.scope("pa", "supervisor")
    owner = tenants.user("pa", "qa_inspector")
    with time_machine.travel(AT, tick=False):
        complaint = complaint_services.complaint_create(
            lead, client_id=tenants.ca1.pk, subject="退款慢", severity="low", owner_id=owner.pk
        )
        complaint_services.complaint_create(
            lead, client_id=tenants.ca1.pk, subject="无人负责", severity="low"
        )
    # when the due date is exactly 24 hours away, then it is not yet "within" them
    with time_machine.travel(AT + timedelta(days=6), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    # when it is 23 hours away, then the owner hears of it, once
    with time_machine.travel(AT + timedelta(days=6, hours=1), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 1, coaching 0"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
        # a due date moved out of the 24 hours is not told now ...
        complaint_services.complaint_update(
            lead, complaint_id=complaint.pk, due_at=AT + timedelta(days=7, hours=12)
        )
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    # ... and is told again once it comes within them
    with time_machine.travel(AT + timedelta(days=6, hours=13), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 1, coaching 0"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    assert _texts(owner.pk) == [
        f"投诉 #{complaint.pk}“退款慢”将在 24 小时内到期（期限 2026-12-10 15:00）。",
        f"投诉 #{complaint.pk}“退款慢”将在 24 小时内到期（期限 2026-12-11 03:00）。",
    ]
    assert _texts(lead.user_id) == []


def test_a_resolved_complaint_is_not_overdue(tenants: Tenants) -> None:
    lead = tenants.scope("pa", "supervisor")
    conversation_id = finished(tenants, AT - timedelta(hours=2))
    with time_machine.travel(AT, tick=False):
        complaint = complaint_services.complaint_create(
            lead,
            conversation_id=conversation_id,
            subject="发货慢",
            severity="critical",
            owner_id=lead.user_id,
        )
        complaint_services.complaint_transition(
            lead, complaint_id=complaint.pk, status="resolved", resolution="已补发"
        )
    with time_machine.travel(AT + timedelta(days=2), tick=False):
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"


def test_coaching_due_and_overdue_remind_the_agent_and_the_coach(tenants: Tenants) -> None:
    scorecard(tenants)
    review = _review(tenants, AT, WEAK)
    lead = tenants.scope("pa", "supervisor")
    agent = tenants.user("pa", "agent")
    with time_machine.travel(AT, tick=False):
        task = coaching_services.coaching_create(lead, review_id=review.pk, due_on=date(2026, 12, 6))
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"  # three days ahead
    with time_machine.travel(AT + timedelta(days=2), tick=False):  # the 5th: due tomorrow
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 2"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    with time_machine.travel(AT + timedelta(days=3), tick=False):  # the 6th: due today, told already
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    with time_machine.travel(AT + timedelta(days=4), tick=False):  # the 7th: overdue
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 2"
        assert reminders.reminders_due() == "reminders: complaints 0, coaching 0"
    name = agent.display_name or agent.username
    assert _texts(agent.pk) == [
        f"{name}的辅导（#{task.pk}）将于 2026-12-06 到期。",
        f"{name}的辅导（#{task.pk}）已超期（期限 2026-12-06）。",
    ]
    assert _texts(lead.user_id) == _texts(agent.pk)
    notice = Notice.all_tenants.filter(user_id=agent.pk).first()
    assert (notice.provider_id, notice.client_id, notice.sent_by_id) == (
        task.provider_id,
        task.client_id,
        None,
    )
