"""Bad input to the API: always a 4xx with the documented error body, never a 500 or a page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kefu.config.api import ERROR_CODES
from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

HUGE = "99999999999999999999"  # beyond 64 bits


class Api:
    def __init__(self, tenants: Tenants, org: str, role: str) -> None:
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
        self.client = Client(raise_request_exception=False)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, **self.auth)

    def post(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(url, data, content_type="application/json", **self.auth)


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    error = response.json()["error"]
    assert error["code"] in ERROR_CODES and error["message"], error
    return error


@pytest.fixture
def agent(tenants: Tenants) -> Api:
    return Api(tenants, "pa", "agent")


@pytest.fixture
def conversation_id(tenants: Tenants) -> int:
    scope = tenants.scope("pa", "agent")
    return desk_services.conversation_create(
        scope, channel="chat", client_id=tenants.ca1.pk, message="在吗"
    ).pk


def test_a_body_over_the_upload_limit_is_413_json(agent: Api, conversation_id: int, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"body": "x" * 2000})
    error = error_of(agent.post(f"/api/conversations/{conversation_id}/messages", body), 413)
    assert error["code"] == "too_large"


def test_json_nested_too_deep_is_400_json(agent: Api, conversation_id: int) -> None:
    body = "[" * 5000 + "]" * 5000
    error = error_of(agent.post(f"/api/conversations/{conversation_id}/messages", body), 400)
    assert error["code"] == "invalid"


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        (f"/api/conversations/{HUGE}", {}, 404),
        (f"/api/conversations/{HUGE}/messages", {}, 404),
        ("/api/conversations", {"page": HUGE}, 422),
        ("/api/memberships", {"page": HUGE}, 422),
        ("/api/conversations", {"client_id": HUGE}, 422),
    ],
)
def test_integers_beyond_64_bits_are_not_found_or_invalid(
    tenants: Tenants, url: str, params: dict[str, str], status: int
) -> None:
    admin = Api(tenants, "pa", "provider_admin")
    error_of(admin.get(url, **params), status)


def test_a_huge_id_in_a_body_is_invalid(agent: Api, conversation_id: int) -> None:
    error_of(agent.post(f"/api/conversations/{conversation_id}/assign", {"agent_id": int(HUGE)}), 422)


def test_a_username_with_a_space_is_refused_clearly(tenants: Tenants) -> None:
    admin = Api(tenants, "pa", "provider_admin")
    error = error_of(admin.post("/api/memberships", {"username": "bad name", "role": "agent"}), 422)
    assert error["field"] == "username"


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_text_that_cannot_be_stored_is_422(agent: Api, conversation_id: int, text: str) -> None:
    body = json.dumps({"body": text, "direction": "out"})  # ensure_ascii keeps the escape
    url = f"/api/conversations/{conversation_id}/messages"
    assert error_of(agent.post(url, body), 422)["field"] == "body"
    nested = json.dumps({"body": "hi", "channel_data": {"k": [text]}})
    assert error_of(agent.post(url, nested), 422)["field"] == "channel_data"
    error_of(agent.post("/api/customers", json.dumps({"name": text})), 422)
    assert agent.get(f"/api/conversations/{conversation_id}/messages").status_code == 200


@pytest.mark.parametrize("value", ["1e16", "0.001", "NaN", "Infinity", "-Infinity", '"NaN"', "1e400"])
def test_money_that_does_not_fit_is_refused_and_nothing_breaks(
    tenants: Tenants, agent: Api, conversation_id: int, value: str
) -> None:
    url = f"/api/conversations/{conversation_id}/after-sales-decision"
    error_of(agent.post(url, f'{{"order_value": {value}}}'), 422)
    assert agent.get(f"/api/conversations/{conversation_id}").status_code == 200
    assert agent.get(f"/api/conversations/{conversation_id}/messages").status_code == 200
    client_admin = Api(tenants, "ca1", "client_admin")
    assert client_admin.get("/api/conversations").status_code == 200


def test_money_that_fits_is_stored(agent: Api, conversation_id: int) -> None:
    url = f"/api/conversations/{conversation_id}/after-sales-decision"
    assert agent.post(url, '{"order_value": 9999999999.99}').status_code == 200
    assert agent.get(f"/api/conversations/{conversation_id}").json()["order_value"] in (
        "9999999999.99",
        9999999999.99,
    )


def test_http_errors_carry_a_documented_code(agent: Api, conversation_id: int) -> None:
    error = error_of(agent.post(f"/api/conversations/{conversation_id}/messages", "{not json"), 400)
    assert error["code"] == "invalid"


def _array_valued_items(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("items"), list):
            found.append(path)
        for key, value in node.items():
            found += _array_valued_items(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _array_valued_items(value, f"{path}/{index}")
    return found


def test_the_openapi_document_is_valid_and_declares_the_error_answers(db: None) -> None:
    """Generated clients need every error answer declared, with its body, and schemas they can
    read (tuples as `prefixItems`, never the old array-valued `items`)."""
    document = Client().get("/api/openapi.json").json()
    assert not _array_valued_items(document)
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    undeclared = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = {"403", "404", "422"}
            if operation.get("security"):
                expected.add("401")
            if "requestBody" in operation:
                expected |= {"400", "413"}
            if method != "get":
                expected.add("409")
            responses = operation["responses"]
            for status in expected:
                schema = responses.get(status, {}).get("content", {}).get("application/json", {})
                if schema.get("schema") != {"$ref": "#/components/schemas/Error"} and status != "413":
                    undeclared.append(f"{method.upper()} {path} {status}")
    assert not undeclared, undeclared


def test_an_unknown_api_route_and_a_wrong_method_answer_with_the_error_body(tenants: Tenants) -> None:
    api = Api(tenants, "pa", "agent")
    assert error_of(api.get("/api/nope"), 404)["code"] == "not_found"
    assert error_of(api.get("/api/conversations/1/nope"), 404)["code"] == "not_found"
    wrong = api.client.delete("/api/me", **api.auth)
    assert error_of(wrong, 405)["code"] == "method_not_allowed"
    assert "GET" in wrong["Allow"]
    # a route's own "not found" keeps its answer; pages outside the API keep theirs
    assert error_of(api.get("/api/conversations/999999999"), 404)["code"] == "not_found"
    assert not api.client.get("/no-such-page/").get("Content-Type", "").startswith("application/json")


def test_every_schema_name_in_the_openapi_document_is_one_class(db: None) -> None:
    """Two schemas with one class name share one component, so one route documents the other's
    body (the review's `AssignIn` once replaced the conversation's)."""
    from collections import defaultdict

    from ninja import Schema

    from kefu.config.api import api

    api.get_openapi_schema()
    by_name: dict[str, set[str]] = defaultdict(set)
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("kefu."):
            by_name[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
