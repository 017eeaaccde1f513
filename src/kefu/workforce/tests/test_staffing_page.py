"""The staffing calculator page and API give the CLI's numbers, with definitions beside them."""

from __future__ import annotations

from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants
from kefu.workforce import staffing


def test_shared_core_matches_the_classic_example() -> None:
    # 100 calls per 30 minutes, AHT 180 s, 80% in 20 s: the textbook answer is 14 agents.
    report = staffing.staffing_report(
        staffing.StaffingQuery(
            calls=100, interval=1800, aht=180, target_answer=20, target_sl=0.8, shrinkage=0.3
        )
    )
    assert report["agents"] == 14 and report["scheduled_agents"] == 20
    assert report["traffic_erlangs"] == 10.0 and report["feasible"] is True


def test_page_solves_and_shows_the_neighbourhood(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "workforce_planner")
    response = client.get(
        "/workforce/staffing/",
        {"calls": 100, "interval": 1800, "aht": 180, "target_answer": 20, "target_sl": 0.8, "shrinkage": 0.3},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="staffing-result"' in text and ">14<" in text and ">20<" in text
    assert "A = 进线量 × AHT ÷ 时段长度。" in text  # the definition beside the number, in Chinese
    assert text.count("<tr") >= 9  # header plus N = 11 … 19


def test_page_reports_infeasible_and_bad_input(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "supervisor")
    infeasible = client.get(
        "/workforce/staffing/",
        {"calls": 100, "interval": 1800, "aht": 180, "target_answer": 0, "target_sl": 1},
    )
    assert infeasible.status_code == 200 and 'id="staffing-result"' in infeasible.content.decode()
    both = client.get(
        "/workforce/staffing/",
        {"calls": 100, "interval": 1800, "aht": 180, "target_answer": 20, "target_sl": 0.8, "agents": 12},
    )
    assert both.status_code == 422
    negative = client.get(
        "/workforce/staffing/",
        {"calls": -1, "interval": 1800, "aht": 180, "target_answer": 20, "target_sl": 0.8},
    )
    assert negative.status_code == 422


def test_api_staffing_erlang_a_and_errors(tenants: Tenants) -> None:
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "workforce_planner"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    client = Client()
    ok = client.post(
        "/api/workforce/staffing",
        {"calls": 100, "interval": 1800, "aht": 180, "target_answer": 20, "target_sl": 0.8, "patience": 120},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["model"] == "erlang_a" and body["agents"] <= 14 and body["abandon_probability"] > 0
    bad = client.post(
        "/api/workforce/staffing",
        {"calls": 100, "interval": 1800, "aht": 180, "target_answer": 20},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "target_sl"
    _token, agent_raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="t")
    denied = client.post(
        "/api/workforce/staffing",
        {"calls": 1, "interval": 1800, "aht": 180, "target_answer": 20, "target_sl": 0.8},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {agent_raw}",
    )
    assert denied.status_code == 403
