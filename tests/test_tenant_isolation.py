"""The isolation matrix: every route that takes an object id, as every role of tenant A,
asked for tenant B's object, answers 403/404 and changes nothing.

Routes are discovered from the OpenAPI schema and the URL conf, so new routes join the
matrix by themselves; a route whose id parameter has no maker below fails the test until
one is added.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kefu.config.api import api
from kefu.connectors import services as connector_services
from kefu.core.roles import ROLES_BY_KIND
from kefu.core.scope import OrgKind
from kefu.desk import services as desk_services
from kefu.knowledge import services as knowledge_services
from kefu.reports import services as reports_services
from kefu.routing import services as routing_services
from kefu.tenancy import services as tenancy_services
from kefu.tenancy.models import Membership
from kefu.testing.plugin import Tenants, make_tenants, rows_for_the_module
from kefu.testing.snapshot import Picture
from kefu.workforce import services as workforce_services
from kefu.workforce.rostering import services as rostering


# --- objects of tenant B, by the name of the id parameter ------------------------------------
def _history_b(tenants: Tenants) -> object:
    rows = "\n".join(
        f"2026-03-{day:02d}T{hour:02d}:00:00,{day + hour}" for day in range(2, 23) for hour in range(9, 18)
    )
    return workforce_services.volume_history_import(
        tenants.scope("pb", "workforce_planner"),
        client_id=tenants.cb.pk,
        name="b",
        filename="b.csv",
        content=f"timestamp,offered\n{rows}\n".encode(),
    )


OBJECT_MAKERS: dict[str, Callable[[Tenants], int]] = {
    "membership_id": lambda t: Membership.objects.get(user=t.user("pb", "agent")).pk,
    "token_id": lambda t: tenancy_services.api_token_create(user=t.user("pb", "supervisor"), name="b")[0].pk,
    "conversation_id": lambda t: (
        desk_services.conversation_create(
            t.scope("pb", "supervisor"), channel="chat", client_id=t.cb.pk, message="你好"
        ).pk
    ),
    "history_id": lambda t: _history_b(t).pk,
    "widget_id": lambda t: (
        connector_services.widget_create(
            t.scope("pb", "provider_admin"), client_id=t.cb.pk, allowed_origins=["https://b.example.cn"]
        ).pk
    ),
    "campaign_id": lambda t: (
        workforce_services.campaign_create(
            t.scope("cb", "client_admin"),
            client_id=t.cb.pk,
            name="b",
            start_date=date(2026, 6, 18),
            end_date=date(2026, 6, 18),
        ).pk
    ),
    "plan_id": lambda t: (
        workforce_services.staffing_plan_create(
            t.scope("pb", "workforce_planner"),
            forecast_id=workforce_services.forecast_run_create(
                t.scope("pb", "workforce_planner"), history_id=_history_b(t).pk, horizon_days=1
            ).pk,
            aht_s=180,
        ).pk
    ),
    "forecast_id": lambda t: (
        workforce_services.forecast_run_create(
            t.scope("pb", "workforce_planner"), history_id=_history_b(t).pk, horizon_days=2
        ).pk
    ),
    "customer_id": lambda t: (
        desk_services.customer_create(
            t.scope("pb", "supervisor"), client_id=t.cb.pk, name="王五", phone="13900139000"
        ).pk
    ),
    "case_id": lambda t: (
        desk_services.case_create(
            t.scope("pb", "supervisor"),
            conversation_id=OBJECT_MAKERS["conversation_id"](t),
            type="refund",
        ).pk
    ),
    "policy_id": lambda t: (
        desk_services.sla_policy_create(t.scope("cb", "client_admin"), first_response_s=60).pk
    ),
    "rule_id": lambda t: (
        desk_services.after_sales_rule_create(
            t.scope("cb", "client_admin"), name="b", conditions={}, action="escalate_to_l2"
        ).pk
    ),
    "client_id": lambda t: t.cb.pk,
    "offer_id": lambda t: _offer_b(t).pk,
    "phrase_id": lambda t: (
        knowledge_services.quick_phrase_create(
            t.scope("pb", "supervisor"), client_id=t.cb.pk, title="退款", body="已退款", shortcut="tk"
        ).pk
    ),
}


def _offer_b(t: Tenants) -> Any:
    """A live offer to tenant B's agent of one of B's conversations (automatic assignment)."""
    from django.utils import timezone

    from kefu.routing.models import Offer

    queue = routing_services.queue_create(t.scope("pb", "supervisor"), client_id=t.cb.pk, name="b-售前")
    now = timezone.now()
    return Offer.all_tenants.create(
        provider=t.pb,
        client=t.cb,
        conversation_id=OBJECT_MAKERS["conversation_id"](t),
        agent=t.user("pb", "agent"),
        queue=queue,
        channel="chat",
        offered_at=now,
        expires_at=now + timezone.timedelta(hours=1),
    )


def _schedule_b(tenants: Tenants) -> Any:
    """A published schedule of tenant B with one shift of its agent (no solver: filled by hand)."""
    from kefu.workforce.models import Schedule

    planner, agent = tenants.scope("pb", "workforce_planner"), tenants.user("pb", "agent")
    monday = date(2030, 1, 7)
    made = Schedule.all_tenants.filter(provider=tenants.pb, client=tenants.cb, week_start=monday).first()
    if made is not None:  # a matrix that walks several routes in one database asks twice
        return made
    rostering.shift_template_create(planner, name="E", segments=[["09:00", "18:00"]])
    rostering.agent_profile_set(planner, user_id=agent.pk, skills=["q"])
    schedule = rostering.schedule_create(
        planner, client_id=tenants.cb.pk, week_start=monday, required={"q": [0] * 336}, solve=False
    )
    rostering.schedule_shift_edit(
        planner, schedule_id=schedule.pk, user_id=agent.pk, day=monday, template="E"
    )
    return rostering.schedule_publish(planner, schedule_id=schedule.pk)


OBJECT_MAKERS["schedule_id"] = lambda t: _schedule_b(t).pk
_QUEUE_NUMBERS = itertools.count()
OBJECT_MAKERS["queue_id"] = lambda t: (  # a new name each time: a client's queue names are unique
    routing_services.queue_create(
        t.scope("pb", "supervisor"), client_id=t.cb.pk, name=f"b-在线-{next(_QUEUE_NUMBERS)}"
    ).pk
)
OBJECT_MAKERS["agent_id"] = lambda t: t.user("pb", "agent").pk
OBJECT_MAKERS["metric_id"] = lambda t: "offered"  # a name from the dictionary, beside a client id
OBJECT_MAKERS["skill_id"] = lambda t: (
    routing_services.skill_create(t.scope("pb", "provider_admin"), kind="product", name="b").pk
)
OBJECT_MAKERS["certification_id"] = lambda t: (
    routing_services.certification_create(
        t.scope("pb", "trainer"), user_id=t.user("pb", "agent").pk, client_id=t.cb.pk
    ).pk
)
OBJECT_MAKERS["request_id"] = lambda t: (
    rostering.schedule_request_create(
        t.scope("pb", "agent"), schedule_id=_schedule_b(t).pk, kind="leave", day=date(2030, 1, 7)
    ).pk
)
OBJECT_MAKERS["template_id"] = lambda t: (
    rostering.shift_template_create(
        t.scope("pb", "workforce_planner"), name="B", segments=[["09:00", "18:00"]]
    ).pk
)

ACTORS_OF_TENANT_A = [
    *[("pa", role.value) for role in ROLES_BY_KIND[OrgKind.PROVIDER]],
    *[("ca1", role.value) for role in ROLES_BY_KIND[OrgKind.CLIENT]],
]


def _example_for(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _example_for(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "anyOf" in schema:
        return _example_for(schema["anyOf"][0], components)
    kind = schema.get("type")
    if kind == "string" and schema.get("format") in ("date", "date-time"):  # a body that validates
        return "2030-01-07" if schema["format"] == "date" else "2030-01-07T09:00:00+08:00"
    if kind == "object":
        return {
            name: _example_for(sub, components)
            for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return {"string": "agent", "integer": 1, "number": 1.0, "boolean": False, "array": []}.get(kind, "x")


def _takes_an_object_id(operation: dict[str, Any]) -> bool:
    return any(
        parameter["in"] == "path" and parameter["schema"].get("type") == "integer"
        for parameter in operation.get("parameters", [])
    )


def _api_routes() -> list[tuple[str, str, dict[str, Any] | None]]:
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    routes = []
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        for method, operation in operations.items():
            if not _takes_an_object_id(operation):
                continue  # a name from a fixed list (a metric id), not a tenant's object
            body = None
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                body = _example_for(content["schema"], components)
            routes.append((method.upper(), path, body))
    return routes


def _web_routes() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("api/", "django-admin/")):
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<int:" in route:
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return found


def _fill(path: str, made: dict[str, str]) -> str:
    """The path with tenant B's object for each id parameter (`made`: see `_world`)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        assert name in made, f"add an OBJECT_MAKERS entry for the id parameter {name!r} ({path})"
        return made[name]

    return re.sub(r"[{<]([^}>]+)[}>]", replace, path)


@pytest.fixture(scope="module")
def _world(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Tenants, dict[str, str]]]:
    """Tenants A and B, and one object of tenant B per id parameter, made once for the module:
    thousands of cases read the same world, and making it took two thirds of each case's time.
    Each case runs in a savepoint of it, so what a case changes is undone before the next."""

    def make() -> tuple[Tenants, dict[str, str]]:
        world = make_tenants()
        return world, {name: str(maker(world)) for name, maker in OBJECT_MAKERS.items()}

    with rows_for_the_module(django_db_blocker, make) as made:
        yield made


@pytest.fixture
def tenants(_world: tuple[Tenants, dict[str, str]], db: None) -> Tenants:
    return _world[0]


@pytest.fixture
def tenant_b(_world: tuple[Tenants, dict[str, str]], db: None) -> dict[str, str]:
    """The id of tenant B's object for each id parameter."""
    return _world[1]


API_ROUTES = _api_routes()


def test_the_matrix_covers_the_known_routes() -> None:
    paths = {path for _method, path, _body in API_ROUTES}
    assert "/api/memberships/{membership_id}" in paths
    assert "/settings/members/<int:membership_id>/" in _web_routes()


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES, ids=[f"{m} {p}" for m, p, _b in API_ROUTES])
@pytest.mark.parametrize(("org", "role"), ACTORS_OF_TENANT_A)
def test_api_routes_hide_other_tenants_objects(
    tenants: Tenants,
    tenant_b: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    org: str,
    role: str,
) -> None:
    url = _fill(path, tenant_b)
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="matrix")
    picture = Picture()

    response = getattr(Client(), method.lower())(
        url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )

    assert response.status_code in (403, 404), (url, response.status_code, response.content[:300])
    assert response.json()["error"]["code"] in {"not_found", "permission_denied"}
    assert picture.after() == picture.before


@pytest.mark.parametrize("path", _web_routes())
@pytest.mark.parametrize(("org", "role"), ACTORS_OF_TENANT_A)
@pytest.mark.parametrize("method", ["get", "post"])
def test_web_routes_hide_other_tenants_objects(
    tenants: Tenants, tenant_b: dict[str, str], path: str, org: str, role: str, method: str
) -> None:
    url = _fill(path, tenant_b)
    client = tenants.client_for(org, role)
    picture = Picture()

    response = getattr(client, method)(url, data={"role": "agent", "delete": "1"})

    assert response.status_code in (403, 404, 405), (url, response.status_code)
    assert picture.after() == picture.before


def _webhook_b(t: Tenants) -> Any:
    from kefu.connectors import webhooks

    return webhooks.webhook_create(t.scope("cb", "client_admin"), url="https://b.example.cn/hook")[0]


def _delivery_b(t: Tenants) -> int:
    from kefu.connectors.models import WebhookDelivery

    endpoint = _webhook_b(t)
    return WebhookDelivery.objects.create(
        client_id=endpoint.client_id,
        endpoint=endpoint,
        uid="b-delivery",
        event_type="ping",
        payload={},
        next_attempt_at=None,
        created_at=endpoint.created_at,
    ).pk


OBJECT_MAKERS["webhook_id"] = lambda t: _webhook_b(t).pk
OBJECT_MAKERS["delivery_id"] = _delivery_b


def _attachment_b(t: Tenants) -> int:
    """A file row of tenant B (no bytes stored: every route must refuse before reading them)."""
    import uuid

    from kefu.core import clock
    from kefu.desk.models import Attachment

    conversation_id = OBJECT_MAKERS["conversation_id"](t)
    return Attachment.all_tenants.create(
        provider_id=t.pb.pk,
        client_id=t.cb.pk,
        conversation_id=conversation_id,
        filename="b.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        storage_name=f"matrix/{uuid.uuid4().hex}",
        created_at=clock.now(),
    ).pk


OBJECT_MAKERS["attachment_id"] = _attachment_b
OBJECT_MAKERS["status_id"] = lambda t: (
    desk_services.custom_status_create(
        t.scope("cb", "client_admin"), name="等快递", maps_to="pending_customer", pauses_sla=True
    ).pk
)
OBJECT_MAKERS["category_id"] = lambda t: (
    desk_services.category_tree_ensure(t.scope("cb", "client_admin"), paths=["物流/催发货"])[0].pk
)


def _mailbox_b(t: Tenants) -> int:
    from kefu.connectors import email

    mailbox, _key = email.mailbox_create(t.scope("pb", "provider_admin"), client_id=t.cb.pk, address="b@b.cn")
    return mailbox.pk


def _cti_endpoint_b(t: Tenants) -> int:
    from kefu.connectors import cti

    return cti.cti_endpoint_create(t.scope("pb", "provider_admin"), client_id=t.cb.pk)[0].pk


OBJECT_MAKERS["mailbox_id"] = _mailbox_b
OBJECT_MAKERS["endpoint_id"] = _cti_endpoint_b


def _scorecard_b(t: Tenants) -> Any:
    from kefu.quality.reviews import services as review_services

    return review_services.scorecard_create(
        t.scope("pb", "qa_inspector"), client_id=t.cb.pk, name="b", text="# 问候\n报工号 | 10 | yn\n"
    )


def _review_b(t: Tenants) -> Any:
    """A submitted review of tenant B's agent, appealed (so appeal routes find it too)."""
    from kefu.quality.models import Review
    from kefu.quality.reviews import services as review_services

    made = Review.all_tenants.filter(provider=t.pb).first()
    if made is not None:
        return made
    _scorecard_b(t)
    lead, agent = t.scope("pb", "supervisor"), t.scope("pb", "agent")
    conversation = desk_services.conversation_create(lead, channel="chat", client_id=t.cb.pk, message="你好")
    desk_services.conversation_assign(lead, conversation_id=conversation.pk, agent_id=agent.user_id)
    inspector = t.scope("pb", "qa_inspector")
    review = review_services.review_create(inspector, conversation_id=conversation.pk)
    review_services.review_save(inspector, review_id=review.pk, answers={"c1": "y"}, submit=True)
    review_services.appeal_create(agent, review_id=review.pk, reason="不认可")
    return review


OBJECT_MAKERS["scorecard_id"] = lambda t: _scorecard_b(t).pk
OBJECT_MAKERS["review_id"] = lambda t: _review_b(t).pk
OBJECT_MAKERS["appeal_id"] = lambda t: _review_b(t).appeal.pk


def _complaint_b(t: Tenants) -> Any:
    """Tenant B's complaint, raised from one of its conversations."""
    from kefu.quality.complaints import services as complaint_services

    return complaint_services.complaint_create(
        t.scope("pb", "qa_inspector"),
        conversation_id=OBJECT_MAKERS["conversation_id"](t),
        subject="态度差",
        severity="high",
    )


OBJECT_MAKERS["complaint_id"] = lambda t: _complaint_b(t).pk


def _survey_b(t: Tenants) -> Any:
    from kefu.quality.surveys import services as survey_services

    return survey_services.survey_definition_create(
        t.scope("pb", "qa_inspector"), client_id=t.cb.pk, name="b", csat_text="满意吗？", nps_text="推荐吗？"
    )


OBJECT_MAKERS["survey_id"] = lambda t: _survey_b(t).pk


# Routes that take an object id in the query string, not the path (the walks above do not see
# them): another tenant's id answers 404 (or 403 without the permission) and changes nothing.
QUERY_ID_ROUTES = [
    ("api", "/api/event-log/digests?client={client_id}"),
    ("api", "/api/event-log/export?client={client_id}&date=2026-12-05"),
    ("web", "/analytics/event-log/?client={client_id}"),
    ("api", "/api/monthly-review?client={client_id}&month=2026-03"),
    ("api", "/api/report-recipients?client={client_id}"),
    ("web", "/reports/?client={client_id}"),
    ("web", "/kpi-review/?client={client_id}&month=2026-03"),
    ("web", "/reports/recipients/?client={client_id}"),
    ("web", "/analytics/dashboards/me/?client={client_id}"),
]


@pytest.mark.parametrize(("kind", "path"), QUERY_ID_ROUTES, ids=[p for _k, p in QUERY_ID_ROUTES])
@pytest.mark.parametrize(("org", "role"), ACTORS_OF_TENANT_A)
def test_id_bearing_query_parameters_hide_other_tenants_objects(
    tenants: Tenants, tenant_b: dict[str, str], kind: str, path: str, org: str, role: str
) -> None:
    from kefu.analytics import sealing

    desk_services.conversation_create(
        tenants.scope("pb", "supervisor"), channel="chat", client_id=tenants.cb.pk
    )
    sealing.seal_pending(lag=0)  # tenant B's chain exists (its digests may or may not yet)
    url = _fill(path, tenant_b)
    if kind == "api":
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="matrix")
        picture = Picture()
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.json()["error"]["code"] in {"not_found", "permission_denied"}
    else:
        client = tenants.client_for(org, role)  # signing in stamps last_login: before the snapshot
        picture = Picture()
        response = client.get(url)

    assert response.status_code in (403, 404), (url, response.status_code)
    assert picture.after() == picture.before


# --- reports (docs/reports.md) ------------------------------------------------------------------
_RECIPIENT_NUMBERS = itertools.count()
OBJECT_MAKERS["report_id"] = lambda t: (
    reports_services.report_generate(
        t.scope("pb", "supervisor"), client_id=t.cb.pk, kind="daily", period="2026-01-05"
    )[0].pk
)
OBJECT_MAKERS["recipient_id"] = lambda t: (
    reports_services.recipient_add(
        t.scope("cb", "client_admin"), client_id=t.cb.pk, email=f"b{next(_RECIPIENT_NUMBERS)}@b.example.cn"
    ).pk
)


# --- the floor (wallboard alarms, emergency plans) --------------------------------------------
def _floor_b(t: Tenants) -> dict[str, int]:
    """Tenant B's floor: a threshold that fired, a plan with a step run, a notice to its agent."""
    from kefu.floor import selectors as floor_selectors
    from kefu.floor import services as floor_services

    lead = t.scope("pb", "supervisor")
    queue_id = OBJECT_MAKERS["queue_id"](t)
    agent = t.user("pb", "agent")
    plan = floor_services.plan_create(
        lead,
        client_id=t.cb.pk,
        name="乙的预案",
        steps=[
            {"kind": "raise_concurrency", "params": {"queue_id": queue_id, "chats": 4}},
            {"kind": "call_standby", "params": {"agent_ids": [agent.pk]}},
        ],
    )
    rule = floor_services.alarm_rule_create(lead, queue_id=queue_id, metric="online_seats", threshold=1)
    floor_services.alarms_evaluate(lead)
    steps = floor_selectors.plan_steps(lead, emergency_plan_id=plan.pk)
    run = floor_services.step_run(lead, step_id=steps[1].pk)
    return {
        "alarm_rule_id": rule.pk,
        "alarm_id": floor_selectors.alarm_list(lead).filter(rule=rule).get().pk,
        "emergency_plan_id": plan.pk,
        "step_id": steps[0].pk,
        "run_id": run.pk,
        "notice_id": run.after["notice_ids"][0],
    }


for _name in ("alarm_rule_id", "alarm_id", "emergency_plan_id", "step_id", "run_id", "notice_id"):
    OBJECT_MAKERS[_name] = lambda t, _name=_name: _floor_b(t)[_name]


def _quote_b(t: Tenants) -> dict[str, int]:
    """Tenant B's intake (its client's own), cost model and a sent quote on it."""
    from kefu.engagements.quoting import services as quoting_services
    from kefu.engagements.quoting.tests.test_estimate import COST, INTAKE

    seller = t.scope("pb", "account_manager")
    intake = quoting_services.intake_create(t.scope("cb", "client_manager"), title="b", data=INTAKE)
    cost = quoting_services.cost_model_save(seller, name="b", data=COST)
    quote = quoting_services.quote_create(seller, intake_id=intake.pk, cost_model_id=cost.pk, options=[8])
    quoting_services.quote_send(seller, quote_id=quote.pk)
    rfq = quoting_services.rfq_create(
        t.scope("cb", "client_manager"), intake_id=intake.pk, provider_ids=[t.pb.pk]
    )
    return {"intake_id": intake.pk, "cost_model_id": cost.pk, "quote_id": quote.pk, "rfq_id": rfq.pk}


for _name in ("intake_id", "cost_model_id", "quote_id", "rfq_id"):
    OBJECT_MAKERS[_name] = lambda t, _name=_name: _quote_b(t)[_name]


def _contract_b(t: Tenants) -> Any:
    """Tenant B's contract with one SLA term, signed by both sides (reads of it are access-logged)."""
    from kefu.engagements.contracts import services as contract_services
    from kefu.tenancy import selectors as tenancy_selectors

    admin = t.scope("pb", "provider_admin")
    engagement = tenancy_selectors.engagement_list(admin).get(client=t.cb)
    contract = contract_services.contract_create(
        admin, engagement_id=engagement.pk, title="乙的合同", starts_on="2026-01-01", monthly_fee="50000"
    )
    term = contract_services.term_add(admin, contract_id=contract.pk, metric_id="answer_rate", target=90)
    contract_services.contract_approve(admin, contract_id=contract.pk)
    contract_services.contract_approve(t.scope("cb", "client_admin"), contract_id=contract.pk)
    return term


OBJECT_MAKERS["engagement_id"] = lambda t: t.pb.engagements_as_provider.get(client=t.cb).pk
OBJECT_MAKERS["contract_id"] = lambda t: _contract_b(t).contract_id
OBJECT_MAKERS["term_id"] = lambda t: _contract_b(t).pk


def _invoice_b(t: Tenants) -> int:
    """Tenant B's issued invoice for January 2026 (one per test: made once, then found)."""
    from kefu.engagements.billing import services as billing_services
    from kefu.engagements.billing.models import Invoice

    made = Invoice.all_tenants.filter(provider=t.pb).first()
    if made is not None:
        return made.pk
    admin = t.scope("pb", "provider_admin")
    contract_id = _contract_b(t).contract_id
    invoice = billing_services.invoice_create(admin, contract_id=contract_id, period="2026-01", months=1)
    billing_services.invoice_issue(admin, invoice_id=invoice.pk)
    return invoice.pk


OBJECT_MAKERS["invoice_id"] = _invoice_b


def _sales_statement_b(t: Tenants) -> int:
    """Tenant B's sales statement of January 2026, uploaded by its provider and awaiting its client
    (on a signed base + commission contract; made once, then found)."""
    from kefu.engagements.billing import statement_services
    from kefu.engagements.billing.models import SalesStatement
    from kefu.engagements.contracts import services as contract_services
    from kefu.tenancy import selectors as tenancy_selectors

    made = SalesStatement.all_tenants.filter(provider=t.pb).first()
    if made is not None:
        return made.pk
    admin = t.scope("pb", "provider_admin")
    engagement = tenancy_selectors.engagement_list(admin).get(client=t.cb)
    contract = contract_services.contract_create(
        admin,
        engagement_id=engagement.pk,
        title="乙的提成合同",
        starts_on="2026-01-01",
        monthly_fee="50000",
        pricing_model="base_commission",
        pricing_rates={"base_per_seat_month": "5000", "commission_rate": "3"},
    )
    contract_services.term_add(admin, contract_id=contract.pk, metric_id="answer_rate", target=90)
    contract_services.contract_approve(admin, contract_id=contract.pk)
    contract_services.contract_approve(t.scope("cb", "client_admin"), contract_id=contract.pk)
    content = "订单号,下单时间,实付金额\nB-1,2026-01-05 10:00,100\n".encode()
    return statement_services.statement_import(
        admin, contract_id=contract.pk, month="2026-01", filename="b.csv", content=content
    ).statement.pk


OBJECT_MAKERS["sales_statement_id"] = _sales_statement_b


def _calibration_b(t: Tenants) -> int:
    """Tenant B's closed calibration session (one sheet submitted), so report routes find it."""
    from datetime import timedelta

    from kefu.core import clock
    from kefu.quality.calibration import services as calibration_services
    from kefu.quality.models import CalibrationSession

    made = CalibrationSession.all_tenants.filter(provider=t.pb).first()
    if made is not None:
        return made.pk
    _scorecard_b(t)
    lead = t.scope("pb", "supervisor")
    conversation = desk_services.conversation_create(lead, channel="chat", client_id=t.cb.pk, message="你好")
    session = calibration_services.calibration_create(
        lead,
        client_id=t.cb.pk,
        title="b",
        conversation_ids=[conversation.pk],
        reviewer_ids=[lead.user_id, t.user("pb", "qa_inspector").pk],
        due_at=clock.now() + timedelta(days=1),
    )
    calibration_services.calibration_score_save(
        lead, session_id=session.pk, conversation_id=conversation.pk, answers={"c1": "y"}, submit=True
    )
    calibration_services.calibration_close(lead, session_id=session.pk)
    return session.pk


def _coaching_b(t: Tenants) -> int:
    from datetime import timedelta

    from kefu.quality.coaching import services as coaching_services
    from kefu.quality.reviews import selectors as review_selectors

    review = _review_b(t)
    task = coaching_services.coaching_create(
        t.scope("pb", "supervisor"), review_id=review.pk, due_on=review_selectors.today() + timedelta(days=7)
    )
    return task.pk


OBJECT_MAKERS["session_id"] = _calibration_b
OBJECT_MAKERS["task_id"] = _coaching_b


def _onboarding_b(t: Tenants) -> dict[str, int]:
    """Provider B's onboarding of client B: the checklist (with due diligence), a phase, a risk.

    Made once per test (a checklist is seeded once per engagement), whichever id asks first."""
    made: dict[str, int] | None = getattr(t, "_onboarding_b", None)
    if made is not None:
        return made
    from kefu.engagements.onboarding import selectors as onboarding_selectors
    from kefu.engagements.onboarding import services as onboarding_services
    from kefu.tenancy.models import Engagement

    engagement = Engagement.objects.get(provider=t.pb, client=t.cb)
    manager = t.scope("pb", "account_manager")
    items = onboarding_services.checklist_seed(manager, engagement_id=engagement.pk)
    phase = onboarding_services.phase_create(
        manager, engagement_id=engagement.pk, share_percent=20, starts_on=date(2030, 1, 1)
    )
    risk = onboarding_services.risk_create(
        manager,
        engagement_id=engagement.pk,
        category="attrition",
        title="乙的风险",
        likelihood=2,
        impact=2,
        owner_side="provider",
        owner_name="乙",
    )
    diligence = onboarding_selectors.diligence_list(manager, engagement=engagement)[0]
    made = {
        "checklist_item_id": items[0].pk,
        "phase_id": phase.pk,
        "risk_id": risk.pk,
        "diligence_id": diligence.pk,
    }
    t._onboarding_b = made  # type: ignore[attr-defined]
    return made


for _name in ("checklist_item_id", "phase_id", "risk_id", "diligence_id"):
    OBJECT_MAKERS[_name] = lambda t, _name=_name: _onboarding_b(t)[_name]


# --- business reviews and renewal (docs/engagements-reviews.md) -------------------------------
def _reviews_b(t: Tenants) -> dict[str, int]:
    """Provider B's review of client B's January (an action, a comment) and a stored renewal
    recommendation; made once per test, whichever id asks first."""
    made: dict[str, int] | None = getattr(t, "_reviews_b", None)
    if made is not None:
        return made
    from kefu.engagements.reviews import selectors as review_selectors
    from kefu.engagements.reviews import services as review_services

    contract_id = _contract_b(t).contract_id
    manager = t.scope("pb", "account_manager")
    review = review_services.review_generate(manager, contract_id=contract_id, month="2026-01")
    owner = review_selectors.owner_choices(review)[0][0]
    action = review_services.action_create(
        manager, business_review_id=review.pk, title="乙的改进", owner_id=owner, due_on="2026-02-15"
    )
    review_services.comment_add(manager, business_review_id=review.pk, body="乙的评论")
    recommendation = review_services.renewal_store(manager, contract_id=contract_id)
    made = {"business_review_id": review.pk, "review_action_id": action.pk, "renewal_id": recommendation.pk}
    t._reviews_b = made  # type: ignore[attr-defined]
    return made


for _name in ("business_review_id", "review_action_id", "renewal_id"):
    OBJECT_MAKERS[_name] = lambda t, _name=_name: _reviews_b(t)[_name]


# --- the provider directory: an invitation to quote opens nothing else ---------------------------
def _listing_b(t: Tenants) -> int:
    """Tenant B's provider with a directory profile it has not listed: nobody else reads it."""
    from kefu.engagements.directory import services as directory_services

    directory_services.listing_save(t.scope("pb", "provider_admin"), listed=False, summary="乙")
    return t.pb.pk


OBJECT_MAKERS["provider_id"] = _listing_b


@pytest.fixture
def invited(tenants: Tenants) -> Tenants:
    """Tenant A's provider `pa`, listed in the directory, invited by tenant B's client `cb` to
    quote on one of cb's intakes: pa holds a proposed engagement with cb and has quoted."""
    from kefu.engagements.directory import services as directory_services
    from kefu.engagements.quoting import services as quoting_services
    from kefu.engagements.quoting.tests import factories as quoting_factories

    directory_services.listing_save(
        tenants.scope("pa", "provider_admin"), listed=True, summary="甲", services=["pre_sales"]
    )
    intake = quoting_factories.intake(tenants.scope("cb", "client_manager"))
    quoting_services.rfq_create(
        tenants.scope("cb", "client_manager"), intake_id=intake.pk, provider_ids=[tenants.pa.pk]
    )
    quoting_factories.quote(tenants.scope("pa", "account_manager"), intake, options=[8], send=True)
    return tenants


INVITED_ACTORS = [("pa", "provider_admin"), ("pa", "account_manager")]


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES, ids=[f"{m} {p}" for m, p, _b in API_ROUTES])
@pytest.mark.parametrize(("org", "role"), INVITED_ACTORS)
def test_an_invitation_to_quote_opens_no_other_api_object(
    invited: Tenants,
    tenant_b: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    org: str,
    role: str,
) -> None:
    test_api_routes_hide_other_tenants_objects(invited, tenant_b, method, path, body, org, role)


@pytest.mark.parametrize("path", _web_routes())
@pytest.mark.parametrize(("org", "role"), INVITED_ACTORS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_invitation_to_quote_opens_no_other_page(
    invited: Tenants, tenant_b: dict[str, str], path: str, org: str, role: str, method: str
) -> None:
    test_web_routes_hide_other_tenants_objects(invited, tenant_b, path, org, role, method)
