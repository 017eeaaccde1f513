"""The quick phrase API: CRUD, search by client and text, permissions, other tenants' 404."""

from __future__ import annotations

from django.test import Client

from kefu.knowledge.models import QuickPhrase
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants


def _client(tenants: Tenants, org: str, role: str) -> tuple[Client, dict[str, str]]:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_crud_and_search(tenants: Tenants) -> None:
    client, auth = _client(tenants, "pa", "supervisor")
    body = {"client_id": tenants.ca1.pk, "title": "退款", "body": "{customer_name}您好", "shortcut": "/tk"}
    created = client.post("/api/quick-phrases", body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    phrase_id = created.json()["id"]
    assert created.json()["shortcut"] == "tk" and created.json()["provider_id"] == tenants.pa.pk

    listed = client.get("/api/quick-phrases", {"client_id": tenants.ca1.pk, "q": "退"}, **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == phrase_id
    assert client.get("/api/quick-phrases", {"client_id": tenants.ca2.pk}, **auth).json()["count"] == 0

    updated = client.put(
        f"/api/quick-phrases/{phrase_id}",
        {"title": "退款说明", "body": "亲", "shortcut": "tk"},
        content_type="application/json",
        **auth,
    )
    assert updated.status_code == 200 and updated.json()["title"] == "退款说明"

    duplicate = client.post("/api/quick-phrases", body, content_type="application/json", **auth)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "shortcut"

    assert client.delete(f"/api/quick-phrases/{phrase_id}", **auth).status_code == 204
    assert QuickPhrase.all_tenants.count() == 0


def test_agents_read_but_do_not_write_and_other_tenants_get_404(tenants: Tenants) -> None:
    supervisor, auth = _client(tenants, "pa", "supervisor")
    phrase_id = supervisor.post(
        "/api/quick-phrases",
        {"client_id": tenants.ca1.pk, "title": "问候", "body": "您好"},
        content_type="application/json",
        **auth,
    ).json()["id"]
    agent, agent_auth = _client(tenants, "pa", "agent")
    assert agent.get(f"/api/quick-phrases/{phrase_id}", **agent_auth).status_code == 200
    denied = agent.post(
        "/api/quick-phrases",
        {"client_id": tenants.ca1.pk, "title": "x", "body": "y"},
        content_type="application/json",
        **agent_auth,
    )
    assert denied.status_code == 403
    other, other_auth = _client(tenants, "pb", "supervisor")
    assert other.get(f"/api/quick-phrases/{phrase_id}", **other_auth).status_code == 404
    assert other.delete(f"/api/quick-phrases/{phrase_id}", **other_auth).status_code == 404
    assert other.get("/api/quick-phrases", **other_auth).json()["count"] == 0
