"""The isolation matrix, part two: tenant B's ids where the path matrix does not look.

Every `*_id` / `*_ids` in an API route's query string or JSON body is found in the OpenAPI
schema, so a new filter or field joins by itself (and fails until it has a maker below).
Tenant A's roles send tenant B's id there, on A's own objects in the path: the answer must
be the one an id that exists nowhere gets (so neither B's rows nor their existence leak),
a 403/404/422 for a write, and no row may change. A's own id in the same place is tried
too, so a route that refuses everything does not pass for the wrong reason.

Then the same path matrix over two providers serving one client (`multi_vendor`): pa's
roles asking for pc's work for ca1 get what they get for a missing id.

Each route is one test that loops over the roles, so the matrix costs one tenant set-up per
route, not per role.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kefu.config.api import api
from kefu.knowledge import services as knowledge_services
from kefu.routing import services as routing_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants
from kefu.testing.snapshot import database_snapshot
from tests.test_tenant_isolation import ACTORS_OF_TENANT_A, API_ROUTES, OBJECT_MAKERS, _example_for

GHOST = 2_000_000_000  # an id no table holds
ID_NAME = re.compile(r"_ids?$")
# Query parameters that carry an id under the object's bare name (`/api/metrics/…?client=&agent=`).
BARE_ID_NAMES = {"client", "agent"}


def _root_cause_b(t: Tenants) -> Any:
    """A root-cause category of tenant B's client (the complaints register)."""
    from kefu.quality.complaints import selectors as complaint_selectors
    from kefu.quality.complaints import services as complaint_services

    scope = t.scope("pb", "qa_inspector")
    found = complaint_selectors.category_list(scope, client_id=t.cb.pk).filter(name="物流").first()
    return found or complaint_services.category_create(scope, name="物流", client_id=t.cb.pk)


# Tenant B's object for an id field that is not a path parameter, by the field's name.
FIELD_MAKERS: dict[str, Callable[[Tenants], Any]] = {
    **OBJECT_MAKERS,
    "provider_id": lambda t: t.pb.pk,
    "agent_id": lambda t: t.user("pb", "agent").pk,
    "assignee_id": lambda t: t.user("pb", "agent").pk,
    "owner_id": lambda t: t.user("pb", "agent").pk,
    "user_id": lambda t: t.user("pb", "agent").pk,
    "target_user_id": lambda t: t.user("pb", "agent").pk,
    "inspector_id": lambda t: t.user("pb", "qa_inspector").pk,
    "parent_id": OBJECT_MAKERS["category_id"],
    "custom_status_id": OBJECT_MAKERS["status_id"],
    "template_ids": lambda t: [OBJECT_MAKERS["template_id"](t)],
    "client": OBJECT_MAKERS["client_id"],
    "agent": lambda t: t.user("pb", "agent").pk,
    "overflow_queue_id": OBJECT_MAKERS["queue_id"],
    "overflow_provider_id": lambda t: t.pb.pk,
    "root_cause_id": lambda t: _root_cause_b(t).pk,
    "reviewer_ids": lambda t: [t.user("pb", "qa_inspector").pk, t.user("pb", "supervisor").pk],
    "expert_id": lambda t: t.user("pb", "qa_inspector").pk,
    "coach_id": lambda t: t.user("pb", "supervisor").pk,
    "conversation_ids": lambda t: [OBJECT_MAKERS["conversation_id"](t)],
    "provider_ids": lambda t: [t.pb.pk],  # the providers a client invites to quote (quote-rfqs)
    "skill_id": lambda t: (
        routing_services.skill_create(t.scope("pb", "provider_admin"), kind="product", name="b").pk
    ),
}

# Path parameters that are names, not objects (the metric dictionary's ids), and the other query
# parameters a route needs so that the id under test decides the answer.
PATH_VALUES: dict[str, str] = {"metric": "first_response_time"}
QUERY_VALUES: dict[str, dict[str, Any]] = {
    "/api/metrics/{metric}": {"from": "2026-03-02", "to": "2026-03-02"},
    "/api/metrics/{metric}/items": {"from": "2026-03-02", "to": "2026-03-02"},
    "/api/metrics/{metric}/items/export": {"from": "2026-03-02", "to": "2026-03-02"},
    "/api/monthly-review": {"month": "2026-03"},
}

# Plain values that make a body valid, so that the id under test is what decides the answer.
BODY_VALUES: dict[str, Any] = {
    "channel": "chat",
    "type": "refund",
    "message": "你好",
    "name": "甲",
    "date": "2030-01-07",
    "week_start": "2030-01-07",
    "start_date": "2030-01-07",
    "end_date": "2030-01-07",
    "starts_on": "2030-01-07",  # a break-in period of two weeks; a contract's first day
    "ends_on": "2030-01-20",
    "template": "E",
    "kind": "leave",
    "status": "open",
    "horizon_days": 1,
    "first_response_s": 60,
}

# Where a field only counts in one variant of a body, that variant.
BODY_VALUES_FOR: dict[tuple[str, str, str], dict[str, Any]] = {
    ("POST", "/api/workforce/schedule-requests", "target_user_id"): {"kind": "swap"},  # a leave ignores it
}

# Routes whose own-tenant control must succeed for some role of A: the brief's examples.
MUST_ACCEPT_OWN = {
    ("POST", "/api/cases", "body", "conversation_id"),
    ("POST", "/api/conversations/{conversation_id}/assign", "body", "agent_id"),
    ("POST", "/api/cases/{case_id}/conversations", "body", "conversation_id"),
    ("GET", "/api/conversations", "query", "client_id"),
    ("GET", "/api/cases", "query", "conversation_id"),
    ("GET", "/api/metrics/{metric}", "query", "client"),
}


def _holds_ids(schema: dict[str, Any]) -> bool:
    """An integer, a list of integers, or either of them or null."""
    if "anyOf" in schema:
        return any(_holds_ids(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return _holds_ids(schema.get("items", {}))
    return schema.get("type") == "integer"


def _id_inputs() -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(method, path, "query"|"body", field, base body) for every id input of the API."""
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if (
                    parameter["in"] == "query"
                    and (ID_NAME.search(parameter["name"]) or parameter["name"] in BARE_ID_NAMES)
                    and _holds_ids(parameter["schema"])
                ):
                    found.append(
                        (method.upper(), path, "query", parameter["name"], QUERY_VALUES.get(path, {}))
                    )
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            body_schema = content["schema"]
            if "$ref" in body_schema:
                body_schema = components[body_schema["$ref"].rsplit("/", 1)[-1]]
            base = _example_for(body_schema, components)
            base.update({k: v for k, v in BODY_VALUES.items() if k in base})
            for name, field_schema in body_schema.get("properties", {}).items():
                if ID_NAME.search(name) and _holds_ids(field_schema):
                    found.append((method.upper(), path, "body", name, base))
    return found


ID_INPUTS = _id_inputs()


def _call(client: Client, method: str, path: str, where: str, field: str, value: Any, body: dict) -> Any:
    if where == "query":
        return getattr(client, method.lower())(path, data={**body, field: value})
    return getattr(client, method.lower())(path, data={**body, field: value}, content_type="application/json")


def _answer(response: Any) -> tuple[int, Any]:
    try:
        payload = response.json()
    except ValueError:
        payload = response.content
    if isinstance(payload, dict) and "error" in payload:
        payload = payload["error"].get("code")  # the message may name the id it was given
    return response.status_code, payload


def _fill_with(path: str, tenants: Tenants, made: dict[str, int] | None = None) -> str:
    """The path with the makers' objects; `made` keeps them for the next route (no route may
    change them, and some makers cannot make a second one: shortcuts are unique)."""
    made = {} if made is None else made

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        if name not in made:
            made[name] = OBJECT_MAKERS[name](tenants)
        return str(made[name])

    return re.sub(r"{([^}]+)}", replace, path)


def test_the_id_inputs_are_discovered() -> None:
    found = {(m, p, w, f) for m, p, w, f, _b in ID_INPUTS}
    assert found >= MUST_ACCEPT_OWN
    assert ("PUT", "/api/workforce/schedules/{schedule_id}/shifts", "body", "user_id") in found


@pytest.mark.parametrize(
    ("method", "path", "where", "field", "body"),
    ID_INPUTS,
    ids=[f"{m} {p} {w}:{f}" for m, p, w, f, _b in ID_INPUTS],
)
def test_other_tenants_ids_in_queries_and_bodies_get_what_a_missing_id_gets(
    tenants: Tenants, method: str, path: str, where: str, field: str, body: dict[str, Any]
) -> None:
    maker = FIELD_MAKERS.get(field)
    assert maker is not None, f"add a FIELD_MAKERS entry for {field!r} ({method} {path})"
    own = tenants.playing(pb="pa", cb="ca1")  # the makers of tenant B, building tenant A's objects
    url = _fill_with(path, own)
    body = {  # the other ids of the body are A's own, so they do not decide the answer
        name: FIELD_MAKERS[name](own) if ID_NAME.search(name) and name in FIELD_MAKERS else value
        for name, value in body.items()
    } | BODY_VALUES_FOR.get((method, path, field), {})
    theirs = maker(tenants)
    ghost = [GHOST] if isinstance(theirs, list) else GHOST
    clients = {}
    for org, role in ACTORS_OF_TENANT_A:
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="matrix")
        clients[(org, role)] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = database_snapshot()

    for (org, role), client in clients.items():
        answer = _answer(_call(client, method, url, where, field, theirs, body))
        missing = _answer(_call(client, method, url, where, field, ghost, body))

        assert answer == missing, (org, role, url, field, answer, missing)
        if method != "GET":
            assert answer[0] in (403, 404, 422), (org, role, url, field, answer)
    assert database_snapshot() == before

    mine = maker(own)
    accepted = any(  # stops at the first role that may
        _call(client, method, url, where, field, mine, body).status_code < 300 for client in clients.values()
    )
    if (method, path, where, field) in MUST_ACCEPT_OWN:
        assert accepted, (
            f"no role of A could use its own {field} on {method} {url}: the check above proves nothing"
        )


# --- two providers serving one client ----------------------------------------------------------
# Rows a client owns are shared by every provider serving it (customers, SLA policies, rules,
# statuses, categories, campaigns, webhooks): pa seeing them is the design, not a leak.
OWNED_BY_THE_CLIENT = {
    "client_id",
    "customer_id",
    "campaign_id",
    "policy_id",
    "rule_id",
    "webhook_id",
    "delivery_id",
    "status_id",
    "category_id",
    "recipient_id",  # the client's report recipients (docs/reports.md)
    "intake_id",  # a client's own intake is read by the providers quoting on it (engagements-quotes.md)
}
PROVIDER_WORK_ROUTES = [
    (method, path, body)
    for method, path, body in API_ROUTES
    if not set(re.findall(r"{([^}]+)}", path)) & OWNED_BY_THE_CLIENT
]
PROVIDER_ROLES_OF_A = [(org, role) for org, role in ACTORS_OF_TENANT_A if org == "pa"]


def test_a_provider_cannot_reach_another_providers_work_for_the_same_client(multi_vendor: Tenants) -> None:
    """pa's roles ask for pc's work for ca1 (both serve ca1) on every path route: the answer
    is that of an id that exists nowhere, and nothing changes."""
    pc_for_ca1 = multi_vendor.playing(pb="pc", cb="ca1")
    clients = {}
    for org, role in PROVIDER_ROLES_OF_A:
        _token, raw = tenancy_services.api_token_create(user=multi_vendor.user(org, role), name="matrix")
        clients[(org, role)] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    leaks = []
    made: dict[str, int] = {}

    for method, path, body in PROVIDER_WORK_ROUTES:
        url = _fill_with(path, pc_for_ca1, made)
        missing_url = re.sub(r"{[^}]+}", str(GHOST), path)
        before = database_snapshot()
        for (org, role), client in clients.items():
            call = getattr(client, method.lower())
            answer = _answer(call(url, data=body, content_type="application/json"))
            missing = _answer(call(missing_url, data=body, content_type="application/json"))
            if answer != missing or answer[0] not in (403, 404):
                leaks.append((org, role, method, path, answer, missing))
        if database_snapshot() != before:
            leaks.append(("rows changed", method, path))

    assert not leaks


def test_each_provider_sees_its_own_work_for_a_shared_client_and_the_client_sees_both(
    multi_vendor: Tenants,
) -> None:
    from kefu.desk import selectors as desk_selectors

    pa_work = multi_vendor.playing(pb="pa", cb="ca1")
    pc_work = multi_vendor.playing(pb="pc", cb="ca1")
    by_pa = {kind: OBJECT_MAKERS[kind](pa_work) for kind in ("case_id", "schedule_id", "phrase_id")}
    by_pc = {kind: OBJECT_MAKERS[kind](pc_work) for kind in ("case_id", "schedule_id")}
    by_pc["phrase_id"] = knowledge_services.quick_phrase_create(
        pc_work.scope("pb", "supervisor"), client_id=pc_work.cb.pk, title="退款", body="已退款", shortcut="pc"
    ).pk

    def seen(org: str, role: str) -> dict[str, set[int]]:
        _token, raw = tenancy_services.api_token_create(user=multi_vendor.user(org, role), name="seen")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        found: dict[str, set[int]] = {}
        for kind, url in (
            ("case_id", "/api/cases"),
            ("schedule_id", "/api/workforce/schedules"),
            ("phrase_id", "/api/quick-phrases"),
        ):
            response = client.get(url)
            payload = response.json() if response.status_code == 200 else []
            rows = payload["items"] if isinstance(payload, dict) else payload
            found[kind] = {row["id"] for row in rows}
        found["conversation"] = set(
            desk_selectors.conversation_list(multi_vendor.scope(org, role)).values_list("pk", flat=True)
        )
        return found

    pa_sees, pc_sees, client_sees = (
        seen("pa", "provider_admin"),
        seen("pc", "provider_admin"),
        seen("ca1", "client_admin"),
    )

    for kind in ("case_id", "schedule_id", "phrase_id"):
        assert by_pa[kind] in pa_sees[kind] and by_pa[kind] not in pc_sees[kind], kind
        assert by_pc[kind] in pc_sees[kind] and by_pc[kind] not in pa_sees[kind], kind
    assert not pa_sees["conversation"] & pc_sees["conversation"]
    assert len(pa_sees["conversation"]) == len(pc_sees["conversation"]) == 1  # the case's
    assert {by_pa["case_id"], by_pc["case_id"]} <= client_sees["case_id"]
    assert pa_sees["conversation"] | pc_sees["conversation"] <= client_sees["conversation"]


# --- ids in the query strings of pages -----------------------------------------------------------
# Pages that act on a GET or on the session; the two-factor set-up page stores the unconfirmed
# device it shows the QR code of.
NOT_A_READ = (
    "/login/",
    "/logout/",
    "/i18n/setlang/",
    "/organization/switch/",
    "/password-reset/",
    "/account/mfa/setup/",
)


def _pages_without_ids() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("api/", "django-admin/")):
                    walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and "<" not in route
                and not ("/" + route).startswith(NOT_A_READ)
            ):
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return found


def test_pages_given_other_tenants_ids_in_the_query_string_show_nothing_of_them(tenants: Tenants) -> None:
    """Every page without an id in its path, asked with tenant B's ids under the names pages
    filter by (`?client=`, `?customer=`, `?agent=`, `?conversation=`…): the status an id
    that exists nowhere gets, none of B's names or words on the page, no row changed."""
    conversation = OBJECT_MAKERS["conversation_id"](tenants)  # its first message says 你好
    customer = OBJECT_MAKERS["customer_id"](tenants)  # 王五
    agent = tenants.user("pb", "agent")
    theirs = {"client": tenants.cb.pk, "customer": customer, "agent": agent.pk, "conversation": conversation}
    theirs |= {"user": agent.pk, "current": conversation, "schedule": OBJECT_MAKERS["schedule_id"](tenants)}
    theirs |= {f"{name}_id": value for name, value in list(theirs.items())}
    markers = [tenants.cb.name, tenants.pb.name, agent.username, "王五"]
    ghost = dict.fromkeys(theirs, GHOST)
    leaks = []
    clients = {
        who: tenants.client_for(*who)
        for who in [("pa", "provider_admin"), ("pa", "agent"), ("ca1", "client_admin")]
    }
    before = database_snapshot()

    for (org, role), client in clients.items():
        for page in _pages_without_ids():
            answer, missing = client.get(page, data=theirs), client.get(page, data=ghost)
            shown = [m for m in markers if m in answer.content.decode(errors="replace")]
            if answer.status_code != missing.status_code or answer.status_code >= 500 or shown:
                leaks.append((org, role, page, answer.status_code, missing.status_code, shown))

    assert not leaks
    assert database_snapshot() == before
