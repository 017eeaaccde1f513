"""The what-if simulation: a spike and absences lower the service level the plan would reach."""

from __future__ import annotations

import pytest

from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants
from kefu.workforce import whatif


def test_spike_and_absence_hurt_and_plan_agrees_with_erlang() -> None:
    result = whatif.run(
        whatif.WhatIfQuery(
            calls=60, aht=180, agents=9, intervals=6, spike_factor=1.6, spike_from=2, spike_to=4,
            absent_agents=2, absent_from=3, absent_to=5, replications=6,
        )
    )  # fmt: skip
    plan, what_if = result["plan"]["service_level"], result["what_if"]["service_level"]
    assert what_if["mean"] < plan["low"]
    # Erlang C is steady state; a simulation starting empty does at least as well.
    assert plan["high"] >= result["erlang"]["service_level"] - 0.05


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"agents": 0}, "agents"),
        ({"spike_from": 5, "spike_to": 2}, "spike_to"),
        ({"absent_agents": 50}, "absent_agents"),
        ({"calls": 10_000}, "calls"),
        ({"replications": 1}, "replications"),
    ],
)
def test_bad_input_names_the_field(changes: dict, field: str) -> None:
    base = {"calls": 60, "aht": 180, "agents": 9}
    with pytest.raises(whatif.WhatIfInputError) as info:
        whatif.run(whatif.WhatIfQuery(**{**base, **changes}))
    assert info.value.field == field


def test_page_and_api(tenants: Tenants) -> None:
    page = tenants.client_for("pa", "supervisor").get(
        "/workforce/what-if/",
        {"calls": 40, "aht": 180, "agents": 6, "interval": 1800, "intervals": 4, "answer_time": 20,
         "concurrency": 1, "spike_factor": 1.5, "spike_from": 2, "spike_to": 3, "absent_agents": 1,
         "absent_from": 2, "absent_to": 3, "replications": 3},
    )  # fmt: skip
    assert page.status_code == 200 and 'id="what-if-result"' in page.content.decode()
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "workforce_planner"), name="t")
    from django.test import Client

    bad = Client().post(
        "/api/workforce/what-if",
        {"calls": 40, "aht": 180, "agents": 0},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "agents"
