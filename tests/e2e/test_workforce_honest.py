"""A planner's forecast page in the browser: the targets shown are the targets the form sends,
a too-small series is called so, a campaign typed wrong keeps what was typed; the favicon loads."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Organization
from kefu.workforce import services
from kefu.workforce.tests.test_services_history import _csv

pytestmark = pytest.mark.e2e


@pytest.fixture
def forecast_id(transactional_db: None) -> int:
    demo.load(today=timezone.localdate())
    provider = Organization.objects.get(slug="dingmao")
    planner = tenancy_selectors.membership_list_for_role(provider, role="workforce_planner")[0].user
    scope = tenancy_selectors.scope_for_user(planner, organization_id=provider.pk)
    assert scope is not None
    client = Organization.objects.get(slug="yuejia")
    history = services.volume_history_import(
        scope, client_id=client.pk, name="旧系统话务", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=3)
    services.staffing_plan_create(
        scope, forecast_id=run.pk, aht_s=240, target_answer_s=30, target_sl=0.8, shrinkage=0.25, concurrency=3
    )
    return run.pk


def _sign_in(page: Any, base: str) -> None:
    page.set_default_timeout(60_000)  # a shared CI machine can be slow to serve the first page
    page.goto(f"{base}/login/")
    page.fill("#id_username", "zhenglei")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")


def test_forecast_targets_and_campaign_errors_in_the_browser(
    live_server: Any, forecast_id: int, page: Any
) -> None:
    _sign_in(page, live_server.url)
    duties = page.locator("#duties a")
    assert duties.count() == 5 and "预测" in duties.first.inner_text()
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/svg+xml"

    page.goto(f"{live_server.url}/workforce/forecasts/{forecast_id}/")
    assert "80% / 30 s · AHT 240 s" in page.locator("#staffing-plan").inner_text()
    assert page.input_value("#id_aht_s") == "240" and page.input_value("#id_concurrency") == "3"
    assert page.input_value("#id_shrinkage") == "0.25" and page.input_value("#id_target_answer_s") == "30"
    assert page.locator("#too-few-contacts").count() == 0  # ~500 contacts a day: forecastable

    page.goto(f"{live_server.url}/workforce/")
    page.fill("#campaign-form #id_name", "双11预热")
    page.fill("#campaign-form #id_start_date", "2026-11-11")
    page.fill("#campaign-form #id_end_date", "2026-11-01")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("#campaign-form .errorlist")
    assert page.locator("#campaign-form .errorlist").inner_text() == "大促结束日期早于开始日期。"
    assert page.input_value("#campaign-form #id_name") == "双11预热"
    assert page.input_value("#campaign-form #id_end_date") == "2026-11-01"
    assert page.locator("ul.messages").count() == 0
