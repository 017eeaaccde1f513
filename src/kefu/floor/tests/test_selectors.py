"""The wallboard as each side sees it, and real-time adherence against a published schedule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kefu.core.errors import PermissionDenied
from kefu.desk import services as desk_services
from kefu.floor import selectors
from kefu.floor.tests.conftest import Floor
from kefu.routing import services as routing_services
from kefu.workforce.rostering import services as rostering

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2030, 1, 7)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(MONDAY, dt.time(hour, minute)))


def test_a_client_manager_sees_only_their_queues_and_counts_never_agents(floor: Floor) -> None:
    lead = floor.lead
    routing_services.presence_set(lead, agent_id=floor.t.user("pa", "agent").pk, state="online")
    for client, queue in [("ca1", "家居-在线"), ("ca1", "家居-在线"), ("ca2", "美妆-在线")]:
        desk_services.conversation_create(
            lead, channel="chat", client_id=getattr(floor.t, client).pk, queue=queue, message="你好"
        )

    home = selectors.wallboard(floor.t.scope("ca1", "client_manager"))
    provider = selectors.wallboard(lead)

    assert [(q.name, q.waiting) for q in home.queues] == [("家居-售后", 0), ("家居-在线", 2)]
    assert (home.agents, home.adherence, home.shows_agents) == ([], [], False)
    assert sorted((q.name, q.waiting) for q in provider.queues) == [
        ("家居-售后", 0),
        ("家居-在线", 2),
        ("美妆-在线", 1),
    ]
    assert provider.shows_agents
    assert [a.state for a in provider.agents if a.user_id == floor.t.user("pa", "agent").pk] == ["online"]
    assert selectors.wallboard(floor.t.scope("cb", "client_manager")).queues[0].name == "乙-在线"


def test_the_wallboard_is_for_leads_and_client_managers(floor: Floor) -> None:
    for who in [("pa", "agent"), ("ca1", "client_l2"), ("ca1", "client_viewer")]:
        with pytest.raises(PermissionDenied):
            selectors.wallboard(floor.t.scope(*who))


def test_adherence_compares_presence_with_the_published_schedule(floor: Floor) -> None:
    planner, agent = floor.t.scope("pa", "workforce_planner"), floor.t.user("pa", "agent")
    rostering.shift_template_create(planner, name="E", segments=[["09:00", "18:00"]])
    rostering.agent_profile_set(planner, user_id=agent.pk, skills=["家居-在线"])
    schedule = rostering.schedule_create(
        planner, client_id=floor.t.ca1.pk, week_start=MONDAY, required={"家居-在线": [0] * 336}, solve=False
    )
    rostering.schedule_shift_edit(
        planner, schedule_id=schedule.pk, user_id=agent.pk, day=MONDAY, template="E"
    )
    rostering.schedule_publish(planner, schedule_id=schedule.pk)
    with time_machine.travel(_at(9, 10), tick=False):
        routing_services.presence_set(floor.lead, agent_id=agent.pk, state="online")
    with time_machine.travel(_at(10, 30), tick=False):
        routing_services.presence_set(floor.lead, agent_id=agent.pk, state="break", reason="other")

    with time_machine.travel(_at(11), tick=False):
        rows = selectors.adherence_rows(floor.lead)
        board = selectors.wallboard(floor.lead)

    row = next(r for r in rows if r.user_id == agent.pk)
    assert (row.scheduled_s, row.in_adherence_s) == (7200.0, 4800.0)  # 09:10–10:30 of 09:00–11:00
    assert (row.scheduled_now, row.actual_now, row.out_since) == ("work", "break", _at(10, 30))
    assert [r.user_id for r in board.out_of_adherence] == [agent.pk]
    with pytest.raises(PermissionDenied):
        selectors.adherence_rows(floor.t.scope("ca1", "client_manager"))
