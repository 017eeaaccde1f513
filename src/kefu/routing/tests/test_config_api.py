"""The API of skills, agents' skills and capacity, certifications and the realised split."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.routing import services
from kefu.routing.tests.test_api import Api
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_skills_agent_levels_and_capacity_over_the_api(tenants: Tenants) -> None:
    lead = Api(tenants, "pa", "supervisor")
    agent = tenants.user("pa", "agent")
    created = lead.send("post", "/api/skills", {"kind": "language", "name": "英文"})
    assert created.status_code == 201, created.content
    skill = created.json()
    assert (
        lead.send("post", "/api/skills", {"kind": "language", "name": "英文"}).json()["error"]["code"]
        == "conflict"
    )
    renamed = lead.send("patch", f"/api/skills/{skill['id']}", {"name": "英语"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "英语")
    assert [s["name"] for s in lead.get("/api/skills?kind=language").json()] == ["英语"]

    put = lead.send(
        "put", f"/api/agents/{agent.pk}/skills", {"skills": [{"skill_id": skill["id"], "proficiency": 4}]}
    )
    assert put.status_code == 200, put.content
    assert put.json()["skills"] == [
        {"skill_id": skill["id"], "kind": "language", "name": "英语", "proficiency": 4}
    ]
    bad = lead.send(
        "put", f"/api/agents/{agent.pk}/skills", {"skills": [{"skill_id": skill["id"], "proficiency": 7}]}
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "proficiency")

    cap = lead.send(
        "put", f"/api/agents/{agent.pk}/capacity", {"capacity": [{"channel": "chat", "max_concurrent": 5}]}
    )
    assert cap.json() == {"user_id": agent.pk, "capacity": {"chat": 5}}
    # the agent reads their own; another agent's is not found; an agent may not set them
    me = Api(tenants, "pa", "agent")
    assert me.get(f"/api/agents/{agent.pk}/skills").json()["capacity"] == {"chat": 5}
    assert me.send("post", "/api/skills", {"kind": "tier", "name": "一线"}).status_code == 403
    assert Api(tenants, "pb", "supervisor").get(f"/api/agents/{agent.pk}/skills").status_code == 404


def test_certifications_over_the_api(tenants: Tenants) -> None:
    trainer = Api(tenants, "pa", "trainer")
    agent = tenants.user("pa", "agent")
    body = {"user_id": agent.pk, "client_id": tenants.ca1.pk, "valid_until": "2099-01-01T00:00:00+08:00"}
    created = trainer.send("post", "/api/certifications", body)
    assert created.status_code == 201, created.content
    cert = created.json()
    assert (cert["status"], cert["revoked_at"]) == ("valid", None)
    early = trainer.send("post", "/api/certifications", {**body, "valid_until": "2000-01-01T00:00:00+08:00"})
    assert (early.status_code, early.json()["error"]["field"]) == (422, "valid_until")
    assert [c["id"] for c in trainer.get("/api/certifications").json()] == [cert["id"]]
    revoked = trainer.send("delete", f"/api/certifications/{cert['id']}", None)
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")
    assert Api(tenants, "pa", "agent").get("/api/certifications").status_code == 403
    assert (
        Api(tenants, "pb", "trainer").send("delete", f"/api/certifications/{cert['id']}", None).status_code
        == 404
    )


def test_the_split_report_over_the_api(multi_vendor: Any) -> None:
    t = multi_vendor
    queue = services.queue_create(t.scope("pa", "supervisor"), client_id=t.ca1.pk, name="家居-在线")
    services.queue_providers_set(
        t.scope("pa", "supervisor"), queue_id=queue.pk, shares={t.pa.pk: 50, t.pc.pk: 50}
    )
    answer = Api(t, "ca1", "client_manager").get(
        f"/api/queues/{queue.pk}/split?from=2026-12-01&to=2026-12-07"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["total"] == 0
    assert [
        (r["provider_id"], r["planned_percent"], r["realised_percent"]) for r in answer.json()["rows"]
    ] == [
        (t.pa.pk, 50, None),
        (t.pc.pk, 50, None),
    ]
    bad = Api(t, "pa", "supervisor").get(f"/api/queues/{queue.pk}/split?from=2026-12-08&to=2026-12-07")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "from")
    assert Api(t, "pb", "supervisor").get(f"/api/queues/{queue.pk}/split").status_code == 404
