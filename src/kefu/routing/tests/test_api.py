"""The routing API: queues (create, read, change, the split, live figures) and presence, with 4xx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


class Api:
    """A bearer-token client acting as one person of one organisation."""

    def __init__(self, tenants: Tenants, org: str, role: str) -> None:
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, **self.auth)

    def send(self, method: str, url: str, body: Any) -> Any:
        return getattr(self.client, method)(url, body, content_type="application/json", **self.auth)


def _create(api: Api, tenants: Tenants, **fields: Any) -> Any:
    body = {"client_id": tenants.ca1.pk, "name": "家居-售前-在线", "business_type": "pre_sales", **fields}
    return api.send("post", "/api/queues", body)


def test_a_lead_creates_and_changes_a_queue_the_clients_manager_reads_it(tenants: Tenants) -> None:
    lead = Api(tenants, "pa", "supervisor")
    created = _create(lead, tenants, sl_target_percent=90, sl_target_seconds=20, default_chat_concurrency=4)
    assert created.status_code == 201, created.content
    queue = created.json()
    assert (queue["name"], queue["sl_target_percent"], queue["default_chat_concurrency"]) == (
        "家居-售前-在线",
        90,
        4,
    )
    assert queue["providers"] == [{"provider_id": tenants.pa.pk, "share_percent": 100}]
    assert [s["name"] for s in queue["required_skills"]] == ["家居-售前-在线"]

    changed = lead.send("patch", f"/api/queues/{queue['id']}", {"priority": 1, "auto_accept": True})
    assert (changed.status_code, changed.json()["priority"], changed.json()["auto_accept"]) == (200, 1, True)

    manager = Api(tenants, "ca1", "client_manager")
    assert [q["id"] for q in manager.get("/api/queues").json()] == [queue["id"]]
    assert manager.get(f"/api/queues/{queue['id']}").json()["required_skills"] == []
    assert manager.send("patch", f"/api/queues/{queue['id']}", {"priority": 2}).status_code == 403
    assert Api(tenants, "ca2", "client_manager").get("/api/queues").json() == []
    assert Api(tenants, "pb", "supervisor").get(f"/api/queues/{queue['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"priority": 0}, 422, "priority"),
        ({"sl_target_percent": 150}, 422, "sl_target_percent"),
        ({"business_type": "sales"}, 422, "business_type"),
        ({"name": ""}, 422, "name"),
        ({"overflow_queue_id": 999999}, 404, None),
        ({"client_id": "x"}, 422, None),
    ],
)
def test_bad_queue_input_gets_the_documented_error(
    tenants: Tenants, body: dict, status: int, field: Any
) -> None:
    answer = _create(Api(tenants, "pa", "supervisor"), tenants, **body)
    assert answer.status_code == status, answer.content
    error = answer.json()["error"]
    assert error["code"] in {"invalid", "not_found"}
    if field:
        assert error["field"] == field


def test_renaming_a_queue_is_refused_and_a_second_one_of_the_name_conflicts(tenants: Tenants) -> None:
    lead = Api(tenants, "pa", "supervisor")
    queue = _create(lead, tenants).json()
    renamed = lead.send("patch", f"/api/queues/{queue['id']}", {"name": "新名字"})
    assert (renamed.status_code, renamed.json()["error"]["field"]) == (422, "name")
    assert lead.get(f"/api/queues/{queue['id']}").json()["name"] == "家居-售前-在线"
    again = _create(lead, tenants)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")


def test_the_planned_split_over_the_api(multi_vendor: Tenants) -> None:
    t = multi_vendor
    lead = Api(t, "pa", "supervisor")
    queue = _create(lead, t).json()
    url = f"/api/queues/{queue['id']}/providers"
    bad = lead.send("put", url, {"shares": [{"provider_id": t.pa.pk, "share_percent": 60}]})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "shares")
    good = lead.send(
        "put",
        url,
        {
            "shares": [
                {"provider_id": t.pa.pk, "share_percent": 80},
                {"provider_id": t.pc.pk, "share_percent": 20},
            ]
        },
    )
    assert good.status_code == 200
    assert sorted((s["provider_id"], s["share_percent"]) for s in good.json()) == [
        (t.pa.pk, 80),
        (t.pc.pk, 20),
    ]


def test_queue_stats_from_the_event_log(tenants: Tenants) -> None:
    lead_scope = tenants.scope("pa", "supervisor")
    lead = Api(tenants, "pa", "supervisor")
    queue = _create(lead, tenants, sl_target_seconds=30).json()
    agent = tenants.user("pa", "agent")
    with time_machine.travel(NOW, tick=False):
        answered = desk_services.conversation_create(
            lead_scope, channel="chat", client_id=tenants.ca1.pk, message="在吗", queue=queue["name"]
        )
        late = desk_services.conversation_create(
            lead_scope, channel="chat", client_id=tenants.ca1.pk, message="你好", queue=queue["name"]
        )
        desk_services.conversation_create(
            lead_scope, channel="chat", client_id=tenants.ca1.pk, message="别的队列", queue="别的"
        )
    with time_machine.travel(NOW + timedelta(seconds=10), tick=False):
        desk_services.conversation_assign(lead_scope, conversation_id=answered.pk, agent_id=agent.pk)
    with time_machine.travel(NOW + timedelta(seconds=100), tick=False):
        Api(tenants, "pa", "agent").send("post", "/api/presence", {"state": "online"})
        stats = lead.get(f"/api/queues/{queue['id']}/stats").json()
        client_view = Api(tenants, "ca1", "client_manager").get(f"/api/queues/{queue['id']}/stats").json()
    assert late.pk
    assert (stats["waiting"], stats["longest_wait_s"]) == (1, 100.0)
    # one answered in 10 s, one still waiting past the 30 s target: 50 %
    assert (stats["offered_today"], stats["answered_today"], stats["service_level_today"]) == (2, 1, 0.5)
    assert stats["agents_by_state"]["online"] == 1
    assert client_view["waiting"] == 1


def test_presence_over_the_api(tenants: Tenants) -> None:
    agent, agent_id = Api(tenants, "pa", "agent"), tenants.user("pa", "agent").pk
    lead = Api(tenants, "pa", "supervisor")
    with time_machine.travel(NOW, tick=False):
        mine = agent.send("post", "/api/presence", {"state": "online"})
        assert (mine.status_code, mine.json()["state"]) == (200, "online")
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        led = lead.send("post", f"/api/agents/{agent_id}/presence", {"state": "break", "reason": "meal"})
        assert (led.status_code, led.json()["reason"]) == (200, "meal")
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        day = agent.get(f"/api/agents/{agent_id}/presence").json()
    assert (day["state"], day["reason"]) == ("break", "meal")
    assert [(h["state"], h["source"]) for h in day["history"]] == [("online", "agent"), ("break", "lead")]
    # today since local midnight (10 hours before NOW): offline until the agent came online
    assert day["seconds_in_state"] == {"offline": 36000.0, "online": 1200.0, "break": 600.0}
    # an agent reads and sets nobody else's; another provider's lead does not find them
    other = tenants.user("pa", "supervisor").pk
    assert agent.get(f"/api/agents/{other}/presence").status_code == 404
    assert agent.send("post", f"/api/agents/{other}/presence", {"state": "online"}).status_code == 403
    assert Api(tenants, "pb", "supervisor").get(f"/api/agents/{agent_id}/presence").status_code == 404
    bad = agent.send("post", "/api/presence", {"state": "asleep"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "state")
    assert agent.send("post", "/api/presence", {"state": "online", "reason": "meal"}).status_code == 422
    assert agent.send("post", "/api/presence", {}).status_code == 422
    # a null reason is no reason (clients send `"reason": null` for states other than a break)
    unset = agent.send("post", "/api/presence", {"state": "offline", "reason": None})
    assert (unset.status_code, unset.json()["state"], unset.json()["reason"]) == (200, "offline", "")
    led = lead.send("post", f"/api/agents/{agent_id}/presence", {"state": "online", "reason": None})
    assert (led.status_code, led.json()["state"]) == (200, "online")
    assert (
        Api(tenants, "ca1", "client_admin").send("post", "/api/presence", {"state": "online"}).status_code
        == 403
    )
