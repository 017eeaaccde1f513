"""The JSON API: token auth, /me, membership CRUD, one error body shape, pagination."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.core.errors import Invalid
from kefu.tenancy import selectors, services
from kefu.tenancy.models import Membership
from kefu.testing.plugin import Tenants


def _api(tenants: Tenants, org: str, role: str) -> tuple[Client, dict[str, str]]:
    _token, raw = services.api_token_create(user=tenants.user(org, role), name="test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_me_describes_the_actor_and_visible_clients(tenants: Tenants) -> None:
    client, auth = _api(tenants, "pa", "agent")
    body = client.get("/api/me", **auth).json()
    assert body["username"] == "pa_agent" and body["role"] == "agent"
    assert body["organization"]["slug"] == "pa"
    assert sorted(body["visible_client_ids"]) == sorted([tenants.ca1.pk, tenants.ca2.pk])


def test_missing_or_bad_token_is_401_with_error_body(db: None) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer kefu_nonsense"}):
        response = Client().get("/api/me", **headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


def test_session_auth_works_for_pages(tenants: Tenants) -> None:
    response = tenants.client_for("ca1", "client_l2").get("/api/me")
    assert response.status_code == 200 and response.json()["organization"]["slug"] == "ca1"


def test_membership_crud_for_admins(tenants: Tenants) -> None:
    client, auth = _api(tenants, "ca1", "client_admin")
    created = client.post(
        "/api/memberships",
        {"username": "l2_new", "role": "client_l2", "password": "Sh0rt-but-ok-99"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    membership_id = created.json()["id"]

    listed = client.get("/api/memberships", {"role": "client_l2"}, **auth).json()
    assert listed["count"] == 2 and {m["username"] for m in listed["items"]} == {"ca1_client_l2", "l2_new"}

    patched = client.patch(
        f"/api/memberships/{membership_id}",
        {"role": "client_viewer"},
        content_type="application/json",
        **auth,
    )
    assert patched.status_code == 200 and patched.json()["role"] == "client_viewer"

    assert client.delete(f"/api/memberships/{membership_id}", **auth).status_code == 204
    assert not Membership.objects.filter(pk=membership_id).exists()


def test_non_admins_get_403_and_nothing_changes(tenants: Tenants) -> None:
    client, auth = _api(tenants, "pa", "agent")
    response = client.post(
        "/api/memberships",
        {"username": "sneaky", "role": "provider_admin"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Membership.objects.filter(user__username="sneaky").exists()


def test_bad_input_gets_422_with_details(tenants: Tenants) -> None:
    client, auth = _api(tenants, "pa", "provider_admin")
    missing = client.post("/api/memberships", {"role": "agent"}, content_type="application/json", **auth)
    assert missing.status_code == 422 and missing.json()["error"]["details"]
    wrong_role = client.post(
        "/api/memberships", {"username": "x", "role": "client_l2"}, content_type="application/json", **auth
    )
    assert wrong_role.status_code == 422 and wrong_role.json()["error"]["field"] == "role"
    not_json = client.post("/api/memberships", "{", content_type="application/json", **auth)
    assert not_json.status_code in (400, 422)


def test_last_admin_conflict_is_409(tenants: Tenants) -> None:
    client, auth = _api(tenants, "pa", "provider_admin")
    own = Membership.objects.get(user=tenants.user("pa", "provider_admin"))
    response = client.patch(
        f"/api/memberships/{own.pk}", {"role": "agent"}, content_type="application/json", **auth
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_audit_events_are_listed_for_admins_only(tenants: Tenants) -> None:
    client, auth = _api(tenants, "pa", "provider_admin")
    body = client.get("/api/audit-events", {"action": "api_token"}, **auth).json()
    assert body["count"] >= 1 and all(e["action"].startswith("api_token") for e in body["items"])
    agent_client, agent_auth = _api(tenants, "pa", "agent")
    assert agent_client.get("/api/audit-events", **agent_auth).status_code == 403


def test_openapi_schema_and_docs_are_served(db: None) -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/memberships" in schema.json()["paths"]
    assert Client().get("/api/docs").status_code == 200


def test_role_change_and_revocation_take_effect_for_cached_tokens(
    tenants: Tenants, django_capture_on_commit_callbacks
) -> None:
    client, auth = _api(tenants, "pa", "supervisor")
    assert client.get("/api/memberships", **auth).status_code == 200  # cached now
    membership = Membership.objects.get(user=tenants.user("pa", "supervisor"))
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_update(
            tenants.scope("pa", "provider_admin"), membership_id=membership.pk, role="agent"
        )
    assert client.get("/api/memberships", **auth).status_code == 403

    owner = selectors.scope_for_user(tenants.user("pa", "supervisor"))  # now an agent
    token = selectors.api_token_list(owner).get()
    services.api_token_revoke(owner, token_id=token.pk)
    assert client.get("/api/me", **auth).status_code == 401


def test_membership_with_a_bad_username_or_email_is_422_with_the_field(tenants: Tenants) -> None:
    # given an admin's API client
    client, auth = _api(tenants, "pa", "provider_admin")

    # when the new user's username or e-mail is refused by the user model
    bad_name = client.post(
        "/api/memberships", {"username": "两个 词", "role": "agent"}, content_type="application/json", **auth
    )
    bad_email = client.post(
        "/api/memberships",
        {"username": "new_agent", "role": "agent", "email": "not-an-address"},
        content_type="application/json",
        **auth,
    )

    # then each is a 422 in the documented shape naming the field, and nobody was added
    assert (bad_name.status_code, bad_name.json()["error"]["code"], bad_name.json()["error"]["field"]) == (
        422,
        "invalid",
        "username",
    )
    assert bad_email.status_code == 422
    assert bad_email.json() == {
        "error": {"code": "invalid", "message": "请输入有效的邮箱地址。", "field": "email"}
    }
    assert not Membership.objects.filter(user__username__in=["两个 词", "new_agent"]).exists()


def test_membership_create_raises_invalid_for_a_refused_user(tenants: Tenants) -> None:
    # given an admin's scope, when the username has characters a username may not hold
    with pytest.raises(Invalid) as raised:
        services.membership_create(tenants.scope("pa", "provider_admin"), username="a b", role="agent")

    # then the project's error names the field (not Django's ValidationError, which only the
    # API's fallback handler would catch)
    assert raised.value.field == "username"
