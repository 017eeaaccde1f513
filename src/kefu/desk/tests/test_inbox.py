"""The workspace inbox: how long each customer has waited, the time left to the next SLA
breach, the at-risk view in breach order for the provider and for the client's own staff,
and the leads' agent and queue filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kefu.desk import services, workspace
from kefu.testing.plugin import Tenants

OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.fixture
def policy(tenants: Tenants) -> object:
    return services.sla_policy_create(
        tenants.scope("ca1", "client_admin"),
        channel="chat",
        first_response_s=120,
        next_response_s=300,
        resolution_s=3600,
        l2_resolution_s=7200,
    )


def _chat(tenants: Tenants, text: str = "在吗", **extra: object) -> int:
    return services.conversation_create(
        tenants.scope("pa", "agent"), channel="chat", client_id=tenants.ca1.pk, message=text, **extra
    ).pk


def _ids_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="[^"]*" data-conversation-id="(\d+)"', html)]


def test_rows_show_the_wait_and_the_time_to_the_next_breach(tenants: Tenants, policy: object) -> None:
    with time_machine.travel(OPENING, tick=False) as traveller:
        waiting = _chat(tenants)
        answered = _chat(tenants)
        services.message_post(tenants.scope("pa", "agent"), conversation_id=answered, body="您好")
        traveller.shift(timedelta(seconds=90))
        scope = tenants.scope("pa", "supervisor")
        rows = {
            r["c"].pk: r
            for r in workspace.inbox_rows(scope, workspace.inbox(scope, workspace.InboxFilter(view="all")))
        }
    assert rows[waiting]["waited_s"] == 90
    assert (rows[waiting]["breach"].kind, rows[waiting]["breach_s"]) == ("first_response", 30)
    assert rows[answered]["waited_s"] is None  # the last word was ours
    assert rows[answered]["breach"].kind == "resolution"


def test_at_risk_lists_the_next_breach_first_and_the_client_admin_sees_its_own(
    tenants: Tenants, policy: object
) -> None:
    with time_machine.travel(OPENING, tick=False) as traveller:
        late = _chat(tenants, "最早")
        traveller.shift(timedelta(seconds=60))
        later = _chat(tenants, "其次")
        traveller.shift(timedelta(seconds=40))
        calm = _chat(tenants, "刚来")
        traveller.shift(
            timedelta(seconds=65)
        )  # late: breached (165 s of 120); later: 105 s, warning; calm: 65 s
        lead = tenants.client_for("pa", "supervisor").get("/desk/?view=at_risk").content.decode()
        client_admin = tenants.client_for("ca1", "client_admin").get("/desk/?view=at_risk").content.decode()
        other_client = tenants.client_for("ca2", "client_admin").get("/desk/?view=at_risk").content.decode()
    assert _ids_in(lead) == [late, later]
    assert calm not in _ids_in(lead)
    assert _ids_in(client_admin) == [late, later]
    assert _ids_in(other_client) == []


def test_leads_filter_by_agent_and_queue_others_do_not_get_the_fields(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    mine = _chat(tenants, queue="家居-在线")
    services.conversation_assign(agent, conversation_id=mine, agent_id=agent.user_id)
    other = _chat(tenants, queue="家居-电话")
    lead = tenants.client_for("pa", "supervisor")

    by_agent = lead.get("/desk/", {"view": "all", "agent": agent.user_id}).content.decode()
    by_queue = lead.get("/desk/", {"view": "all", "queue": "家居-电话"}).content.decode()
    assert _ids_in(by_agent) == [mine]
    assert _ids_in(by_queue) == [other]
    page = tenants.client_for("pa", "agent").get("/desk/", {"view": "all"}).content.decode()
    assert 'name="agent"' not in page and 'name="queue"' not in page
