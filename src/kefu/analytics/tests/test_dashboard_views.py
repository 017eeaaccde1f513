"""Dashboard pages and API: status for each role, the permission matrix, what the pages link to."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from kefu.analytics.metrics.dictionary import METRICS
from kefu.analytics.tests.builders import DAY, Day
from kefu.core.roles import ROLES_BY_KIND
from kefu.core.scope import OrgKind
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

PERIOD = f"from={DAY}&to={DAY}"
TEAM_ROLES = {
    "provider_admin",
    "supervisor",
    "qa_inspector",
    "trainer",
    "workforce_planner",
    "account_manager",
}
TEAM_ROLES |= {"client_admin", "client_manager", "client_viewer"}
ROLES = [("pa", role.value) for role in ROLES_BY_KIND[OrgKind.PROVIDER]] + [
    ("ca1", role.value) for role in ROLES_BY_KIND[OrgKind.CLIENT]
]


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(("org", "role"), ROLES)
def test_the_entry_leads_each_role_to_its_dashboard(tenants: Tenants, org: str, role: str) -> None:
    client = tenants.client_for(org, role)

    response = client.get("/analytics/dashboards/")

    if role not in TEAM_ROLES:  # agents and the client's L2 staff: their own card
        assert response.status_code == 302 and response["Location"] == "/analytics/dashboards/me/"
        assert client.get("/analytics/dashboards/me/").status_code == 200
    elif org == "ca1":
        assert response.status_code == 302
        assert response["Location"] == f"/analytics/dashboards/clients/{tenants.ca1.pk}/"
    else:
        assert response.status_code == 200 and 'id="operations"' in response.content.decode()


@pytest.mark.parametrize(("org", "role"), ROLES)
def test_the_client_and_team_pages_are_for_those_who_read_everybodys_figures(
    tenants: Tenants, day: Day, org: str, role: str
) -> None:
    client = tenants.client_for(org, role)

    page = client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/?{PERIOD}")
    team = client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/teams/?{PERIOD}")
    other = client.get(f"/analytics/dashboards/clients/{tenants.cb.pk}/?{PERIOD}")

    expected = 200 if role in TEAM_ROLES else 403
    assert (page.status_code, team.status_code) == (expected, expected)
    assert other.status_code in (403, 404)


def test_the_client_dashboard_shows_each_figure_with_its_definition_and_records(
    tenants: Tenants, day: Day
) -> None:
    client = english(tenants.client_for("ca1", "client_manager"))

    html = client.get(
        f"/analytics/dashboards/clients/{tenants.ca1.pk}/?{PERIOD}&interval=hour"
    ).content.decode()

    card = re.search(r'<div class="card kpi" id="kpi-offered".*?</div>\s*</div>', html, re.S)
    assert card, html[:2000]
    assert '<a class="kpi-value" href="/analytics/dashboards/clients/' in card.group(0)
    assert ">5</a>" in card.group(0)
    assert 'href="/analytics/metrics/#metric-offered"' in card.group(0)
    assert "Conversations created in the period" in card.group(0)  # the definition on hover
    with translation.override("en"):
        reasons = [str(m.unavailable_reason) for m in METRICS.values() if not m.available]
    assert all(escape(reason) in html for reason in reasons)  # named, with the reason
    assert not reasons or "not available yet" in html
    data = json.loads(
        re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert data["metric"] == "offered" and len(data["points"]) == 24
    assert data["drill"].startswith(f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/offered/?")
    assert "<script>" not in html and "nonce" not in html.split("<main>")[1]  # no inline script needed


def test_a_figures_records_link_to_their_conversations(tenants: Tenants, day: Day) -> None:
    client = english(tenants.client_for("ca1", "client_manager"))
    url = f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/first_response_time/?{PERIOD}"

    html = client.get(url).content.decode()
    point = client.get(url + "&interval=hour&bucket=2026-03-02T00%3A00%3A00%2B08%3A00").content.decode()

    # (the hand-built day writes events only; tests/e2e opens a real conversation from here)
    links = re.findall(r'href="/desk/c/(\d+)/"', html)
    assert sorted(map(int, links)) == sorted([day.c2.pk, day.c3.pk, day.c6.pk])
    assert re.search(r'id="drill-value">40 s<', html)  # 121 s / 3
    assert re.findall(r'href="/desk/c/(\d+)/"', point) == [str(day.c2.pk)]


def test_bad_filters_get_a_message_not_an_error_page(tenants: Tenants, day: Day) -> None:
    client = english(tenants.client_for("pa", "supervisor"))

    page = client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/?from=2026-03-05&to=2026-03-01")
    items = client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/nope/?{PERIOD}")

    odd = [
        client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/offered/?{PERIOD}&{q}")
        for q in ("page=¹", "agent=99999999999999999999", "threshold_s=x")
    ]

    assert page.status_code == 200 and "The period ends before it starts." in page.content.decode()
    assert [r.status_code for r in odd] == [404, 404, 422]
    assert items.status_code == 404


def test_a_metric_not_measured_yet_gets_a_message(
    tenants: Tenants, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every metric is measured today; one marked unavailable must still answer with its reason.
    not_yet = dataclasses.replace(METRICS["sla_compliance"], available=False, unavailable_reason="not yet")
    monkeypatch.setitem(METRICS, "sla_compliance", not_yet)
    client = english(tenants.client_for("pa", "supervisor"))

    unavailable = client.get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/sla_compliance/?{PERIOD}")

    assert unavailable.status_code == 422


def test_an_agent_sees_their_own_card_and_nobody_elses(tenants: Tenants, day: Day) -> None:
    agent = english(tenants.client_for("pa", "agent"))  # day.a
    base = f"/analytics/dashboards/clients/{tenants.ca1.pk}/agents"

    own = agent.get(f"{base}/{day.a.pk}/?{PERIOD}")
    other = agent.get(f"{base}/{day.b.pk}/?{PERIOD}")
    lead = tenants.client_for("pa", "supervisor").get(f"{base}/{day.a.pk}/?{PERIOD}")
    me = agent.get(f"/analytics/dashboards/me/?client={tenants.ca1.pk}&{PERIOD}").content.decode()

    assert own.status_code == 200 and lead.status_code == 200
    assert other.status_code == 404
    assert 'id="kpi-first_response_time"' in me and 'id="kpi-offered"' not in me
    assert re.search(r'id="kpi-first_response_time".*?<a class="kpi-value"[^>]*>46 s</a>', me, re.S)  # 45.5


def test_today_is_a_partial_for_polling(tenants: Tenants, day: Day) -> None:
    response = tenants.client_for("ca1", "client_manager").get(
        f"/analytics/dashboards/clients/{tenants.ca1.pk}/today/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="today-figures">')


def test_the_team_page_draws_control_charts(tenants: Tenants, day: Day) -> None:
    html = (
        english(tenants.client_for("pa", "supervisor"))
        .get(f"/analytics/dashboards/clients/{tenants.ca1.pk}/teams/?from=2026-03-01&to={DAY}")
        .content.decode()
    )
    data = json.loads(
        re.search(r'<script id="spc-first_response_time" type="application/json">(.*?)</script>', html).group(
            1
        )
    )
    assert data["values"] == pytest.approx([180.0, 121 / 3]) and data["counts"] == [1, 3]
    assert 'id="spc-card-qa_score"' in html and 'id="spc-card-autoqa_score"' in html


def test_the_clients_home_opens_with_its_figures(tenants: Tenants, day: Day) -> None:
    manager = tenants.client_for("ca1", "client_manager").get("/").content.decode()
    provider = tenants.client_for("pa", "provider_admin").get("/").content.decode()

    assert 'id="home-figures"' in manager and manager.index('id="home-figures"') < manager.index(
        'id="duties"'
    )
    assert 'id="kpi-csat"' in manager
    assert 'id="home-figures"' not in provider


def test_the_dashboard_api_gives_figures_with_target_and_previous_period(tenants: Tenants, day: Day) -> None:
    _token, raw = tenancy_services.api_token_create(user=tenants.user("ca1", "client_manager"), name="t")
    http = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    body = http.get(f"/api/dashboards/{tenants.ca1.pk}", {"from": DAY, "to": DAY}).json()
    charts = http.get(
        f"/api/dashboards/{tenants.ca1.pk}/control-charts", {"from": "2026-03-01", "to": DAY}
    ).json()
    other = http.get(f"/api/dashboards/{tenants.cb.pk}", {"from": DAY, "to": DAY})

    offered = next(f for f in body["figures"] if f["metric"] == "offered")
    assert (offered["value"], offered["previous"], offered["change"]) == (5, 1, 4)
    assert offered["drilldown"].startswith("/api/metrics/offered/items?")
    assert body["previous_period"] == {"from": "2026-03-01", "to": "2026-03-01"}
    assert {u["metric"] for u in body["unavailable"]} == {m.id for m in METRICS.values() if not m.available}
    frt = next(c for c in charts if c["metric"] == "first_response_time")
    assert frt["values"] == pytest.approx([180.0, 121 / 3])
    qa = next(c for c in charts if c["metric"] == "qa_score")
    assert (qa["available"], qa["counts"]) == (True, [0, 0])
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
