"""Adherence, occupancy, utilisation and concurrency end to end: a schedule the planner publishes
(workforce), presence the agent sets (routing), a conversation the agent holds (desk), and the
figures read through `GET /api/metrics/{id}` and its items, with hand-computed values.

Monday 2030-01-07 in Asia/Shanghai (the site's and the client's zone). The published shift is
09:00–18:00 (32,400 s scheduled work). The agent is offline until 09:15, online 09:15–10:00
(2,700 s), busy 10:00–11:00 (3,600 s), online 11:00–12:00 (3,600 s), on a break 12:00–13:00
(3,600 s), online 13:00–17:00 (14,400 s), offline from 17:00. They hold one chat of the client
from 09:30 (assigned) to 15:00 (resolved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import services as desk_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants
from kefu.workforce.rostering import services as rostering

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2030, 1, 7)
DAY = MONDAY.isoformat()

AVAILABLE = 2700 + 3600 + 3600 + 14400  # online or busy: 24,300 s
SIGNED_IN = AVAILABLE + 3600  # and the break: 27,900 s
HANDLING = 3600  # busy
SCHEDULED = 9 * 3600  # 09:00–18:00
IN_ADHERENCE = AVAILABLE  # working while scheduled to work (not 09:00–09:15, the break, 17:00–18:00)
HELD_WHILE_AVAILABLE = (12 * 3600 - (9 * 3600 + 1800)) + (15 - 13) * 3600  # 09:30–12:00, 13:00–15:00


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(MONDAY, dt.time(hour, minute)))


@pytest.fixture
def monday(tenants: Tenants) -> dict[str, int]:
    planner, agent = tenants.scope("pa", "workforce_planner"), tenants.user("pa", "agent")
    lead = tenants.scope("pa", "supervisor")
    routing_services.queue_create(lead, client_id=tenants.ca1.pk, name="家居-在线")
    rostering.shift_template_create(planner, name="E", segments=[["09:00", "18:00"]])
    rostering.agent_profile_set(planner, user_id=agent.pk, skills=["家居-在线"])
    schedule = rostering.schedule_create(
        planner, client_id=tenants.ca1.pk, week_start=MONDAY, required={"家居-在线": [0] * 336}, solve=False
    )
    rostering.schedule_shift_edit(
        planner, schedule_id=schedule.pk, user_id=agent.pk, day=MONDAY, template="E"
    )
    rostering.schedule_publish(planner, schedule_id=schedule.pk)

    system = Scope.system(
        provider_id=tenants.pa.pk, client_ids=frozenset({tenants.ca1.pk}), permissions=all_permissions()
    )
    me = tenants.scope("pa", "agent")
    created: dict[str, Any] = {}

    def presence(state: str, **kw: Any) -> Callable[[], object]:
        return lambda: routing_services.presence_set(lead, agent_id=agent.pk, state=state, **kw)

    def create() -> None:
        created["c"] = desk_services.conversation_create(
            system, channel="chat", client_id=tenants.ca1.pk, provider_id=tenants.pa.pk, message="在吗？"
        )

    steps: list[tuple[dt.datetime, Callable[[], object]]] = [
        (_at(9, 15), presence("online")),
        (_at(9, 29), create),
        (_at(9, 30), lambda: desk_services.conversation_assign(
            lead, conversation_id=created["c"].pk, agent_id=agent.pk)),
        (_at(9, 31), lambda: desk_services.message_post(me, conversation_id=created["c"].pk, body="您好")),
        (_at(10), presence("busy")),
        (_at(11), presence("online")),
        (_at(12), presence("break", reason="other")),
        (_at(13), presence("online")),
        (_at(15), lambda: desk_services.conversation_set_status(
            me, conversation_id=created["c"].pk, status="resolved", category="物流/查件")),
        (_at(17), presence("offline")),
    ]  # fmt: skip
    for moment, step in steps:
        with time_machine.travel(moment, tick=False):
            step()
    return {"agent": agent.pk, "conversation": created["c"].pk}


def test_presence_figures_against_a_published_schedule_through_the_api(
    tenants: Tenants, monday: dict[str, int]
) -> None:
    # given the Monday above; when a team lead reads the figures of that day through the API
    base = f"client={tenants.ca1.pk}&from={DAY}&to={DAY}"
    with time_machine.travel(_at(23), tick=False):
        client = tenants.client_for("pa", "supervisor")  # signed in that evening
        got = {
            m: client.get(f"/api/metrics/{m}?{base}").json()
            for m in ("adherence", "occupancy", "utilisation", "concurrency")
        }
        items = client.get(f"/api/metrics/adherence/items?{base}").json()
        daily = client.get(f"/api/metrics/adherence?{base}&interval=day").json()

    # then each is the hand-computed share of that one agent-day
    assert (got["adherence"]["value"], got["adherence"]["count"]) == (100.0 * IN_ADHERENCE / SCHEDULED, 1)
    assert got["adherence"]["value"] == 75.0
    assert got["occupancy"]["value"] == 100.0 * HANDLING / AVAILABLE
    assert got["utilisation"]["value"] == 100.0 * HANDLING / SIGNED_IN
    assert got["concurrency"]["value"] == HELD_WHILE_AVAILABLE / AVAILABLE
    assert daily["series"] == [{"start": f"{DAY}T00:00:00+08:00", "value": 75.0, "count": 1}]
    # and the items behind adherence are that agent-day: 24,300 of 32,400 scheduled seconds
    rows = items["items"]
    assert [(r["numerator"], r["denominator"]) for r in rows] == [(float(IN_ADHERENCE), float(SCHEDULED))]
    assert items["count"] == 1


def test_an_agent_reads_only_their_own_adherence(tenants: Tenants, monday: dict[str, int]) -> None:
    # given the same Monday; when the agent and another agent of the provider ask
    base = f"client={tenants.ca1.pk}&from={DAY}&to={DAY}"
    with time_machine.travel(_at(23), tick=False):
        own = tenants.client_for("pa", "agent").get(f"/api/metrics/adherence?{base}").json()
        lead = (
            tenants.client_for("pa", "supervisor")
            .get(f"/api/metrics/adherence?{base}&agent={tenants.user('pa', 'supervisor').pk}")
            .json()
        )

    # then the agent gets their own 75 %, and a person with no schedule and no presence has none
    assert (own["value"], own["count"]) == (75.0, 1)
    assert (lead["value"], lead["count"]) == (None, 0)
