"""The metrics API: the dictionary, a figure, its drill-down, scoping and documented errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.analytics.metrics import compute
from kefu.analytics.metrics.dictionary import METRICS
from kefu.analytics.tests.builders import DAY, Day, not_measured_yet, t
from kefu.config.api import ERROR_CODES
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants


def api(tenants: Tenants, org: str, role: str) -> Client:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def figure(http: Client, metric: str, /, **params: Any) -> Any:
    params = {"from": DAY, "to": DAY, **params}
    return http.get(f"/api/metrics/{metric}", params)


def error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()["error"]
    assert body["code"] == code and body["code"] in ERROR_CODES and body["message"]
    if field is not None:
        assert body.get("field") == field, body


def test_the_dictionary_lists_every_metric_with_its_definition(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_measured_yet(monkeypatch, "qa_score")

    response = api(tenants, "ca1", "client_viewer").get("/api/metrics", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert list(rows) == list(METRICS)
    assert rows["csat"]["unit"] == "%" and rows["csat"]["direction"] == "higher"
    assert rows["qa_score"]["available"] is False and rows["qa_score"]["unavailable_reason"]
    assert "4 or 5" in rows["csat"]["definition"]


def test_a_figure_with_its_series_and_a_drilldown_that_sums_to_it(tenants: Tenants, day: Day) -> None:
    client = api(tenants, "pa", "supervisor")

    response = figure(client, "first_response_time", client=tenants.ca1.pk, interval="day")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["metric"], body["unit"], body["count"], body["median"]) == (
        "first_response_time",
        "s",
        3,
        31.0,
    )
    assert body["value"] == pytest.approx(121 / 3)
    assert body["series"] == [{"start": "2026-03-02T00:00:00+08:00", "value": body["value"], "count": 3}]
    assert body["time_zone"] == "Asia/Shanghai"
    items = client.get(body["drilldown"]).json()
    assert items["count"] == 3
    totals = compute.Totals(
        sum(i["numerator"] for i in items["items"]), sum(i["denominator"] for i in items["items"])
    )
    assert compute.value_of("mean", totals) == body["value"]
    assert {i["conversation_id"] for i in items["items"]} == {day.c2.pk, day.c3.pk, day.c6.pk}


def test_the_drilldown_pages_aggregate_to_the_value(tenants: Tenants) -> None:
    d = Day(tenants)
    for minute in range(130):  # 130 offered chats, every third answered by A within a minute
        conv = d.offered_with_message(t(f"02:{minute % 60:02d}:00"))
        if minute % 3 == 0:
            d.emit(conv, "message_out", t(f"02:{minute % 60:02d}:30"), d.a)
    client = api(tenants, "pa", "provider_admin")
    body = figure(client, "answer_rate", client=tenants.ca1.pk).json()

    pages = [client.get(f"{body['drilldown']}&page={page}").json() for page in (1, 2)]

    items = pages[0]["items"] + pages[1]["items"]
    assert pages[0]["count"] == 130 and len(items) == 130
    assert len({i["conversation_id"] for i in items}) == 130
    totals = compute.Totals(sum(i["numerator"] for i in items), sum(i["denominator"] for i in items))
    assert compute.value_of("ratio", totals) == body["value"] == pytest.approx(100 * 44 / 130)


def test_a_client_sees_its_own_figures_and_not_another_clients(tenants: Tenants, day: Day) -> None:
    mine = figure(api(tenants, "ca1", "client_manager"), "offered")  # the client is implied
    theirs = figure(api(tenants, "ca1", "client_manager"), "offered", client=tenants.cb.pk)
    ghost = figure(api(tenants, "ca1", "client_manager"), "offered", client=2_000_000_000)

    assert mine.status_code == 200 and mine.json()["value"] == 5
    error(theirs, 404, "not_found", "client")
    assert theirs.json() == ghost.json()


def test_a_provider_sees_the_clients_it_serves_and_must_choose_one(tenants: Tenants, day: Day) -> None:
    client = api(tenants, "pa", "account_manager")

    error(figure(client, "offered"), 422, "invalid", "client")  # it serves ca1 and ca2
    assert figure(client, "offered", client=tenants.ca1.pk).json()["value"] == 5
    assert figure(client, "offered", client=tenants.ca2.pk).json()["value"] == 0
    error(figure(api(tenants, "pb", "provider_admin"), "offered", client=tenants.ca1.pk), 404, "not_found")


def test_an_agent_sees_only_their_own_figures(tenants: Tenants, day: Day) -> None:
    agent = api(tenants, "pa", "agent")  # day.a

    own = figure(agent, "first_response_time", client=tenants.ca1.pk)
    asked_for_b = figure(agent, "first_response_time", client=tenants.ca1.pk, agent=day.b.pk)
    team_only = figure(agent, "offered", client=tenants.ca1.pk)

    assert own.json()["value"] == pytest.approx(45.5)  # c2 60 s, c6 31 s: A's replies
    assert asked_for_b.json()["value"] == own.json()["value"]  # forced to self
    assert "agent=" in own.json()["drilldown"]
    error(team_only, 403, "permission_denied")


@pytest.mark.parametrize(
    ("metric", "params", "status", "code", "field"),
    [
        ("no_such_metric", {}, 404, "not_found", "metric"),
        ("offered", {"from": "2026-3-2"}, 422, "invalid", "from"),
        ("offered", {"to": "2026-02-30"}, 422, "invalid", "to"),
        ("offered", {"from": "2026-03-03"}, 422, "invalid", "to"),
        ("offered", {"from": "2025-01-01", "to": "2026-03-02"}, 422, "invalid", "to"),
        ("offered", {"interval": "minute"}, 422, "invalid", "interval"),
        ("offered", {"from": "2026-01-01", "interval": "15m"}, 422, "invalid", "interval"),
        ("contacts_per_agent_day", {"interval": "hour"}, 422, "invalid", "interval"),
        ("offered", {"channel": "fax"}, 422, "invalid", "channel"),
        ("offered", {"agent": 1}, 422, "invalid", "agent"),
        ("first_response_time", {"agent": 2_000_000_000}, 404, "not_found", "agent"),
        ("csat", {"threshold_s": 20}, 422, "invalid", "threshold_s"),
        ("service_level", {"threshold_s": -1}, 422, "invalid", "threshold_s"),
        ("offered", {"client": "x"}, 422, "invalid", None),
    ],
)
def test_bad_questions_get_documented_errors(
    tenants: Tenants, metric: str, params: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    client = api(tenants, "pa", "supervisor")

    response = figure(client, metric, **{"client": tenants.ca1.pk, **params})
    items = client.get(
        f"/api/metrics/{metric}/items", {"from": DAY, "to": DAY, "client": tenants.ca1.pk, **params}
    )

    error(response, status, code, field)
    error(items, status, code, field)


def test_a_metric_not_measured_yet_gets_its_reason(tenants: Tenants, monkeypatch: pytest.MonkeyPatch) -> None:
    not_measured_yet(monkeypatch, "qa_score")
    client = api(tenants, "pa", "supervisor")

    response = figure(client, "qa_score", client=tenants.ca1.pk)
    items = client.get("/api/metrics/qa_score/items", {"from": DAY, "to": DAY, "client": tenants.ca1.pk})

    error(response, 422, "metric_unavailable")
    error(items, 422, "metric_unavailable")
