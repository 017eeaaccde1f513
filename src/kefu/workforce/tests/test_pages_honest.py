"""The workforce pages say what they mean: targets shown = targets submitted, no duplicate
sections, form errors as form errors, and a plain warning when a series is too small to forecast."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kefu.testing.plugin import Tenants
from kefu.workforce import forecast as forecasting
from kefu.workforce import services, staffing
from kefu.workforce.models import Campaign
from kefu.workforce.tests.test_plans_campaigns import _offered_events
from kefu.workforce.tests.test_services_history import _csv


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_plan_form_submits_the_targets_the_card_shows(tenants: Tenants) -> None:
    # given a forecast with a chat plan made at other targets than the defaults
    client = tenants.client_for("pa", "workforce_planner")
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=3)
    fresh = client.get(f"/workforce/forecasts/{run.pk}/").content.decode()
    assert float(_input_value(fresh, "aht_s")) == staffing.PLAN_DEFAULTS.aht_s
    assert int(_input_value(fresh, "concurrency")) == staffing.PLAN_DEFAULTS.concurrency
    services.staffing_plan_create(
        scope, forecast_id=run.pk, aht_s=240, target_answer_s=30, target_sl=0.8, shrinkage=0.25, concurrency=3
    )

    # when the page is opened
    html = client.get(f"/workforce/forecasts/{run.pk}/").content.decode()

    # then the form holds the plan's own targets, so recalculating without edits reproduces it
    assert "80% / 30 s · AHT 240 s" in html
    values = {name: float(_input_value(html, name)) for name in staffing.PLAN_DEFAULTS.as_dict()}
    assert values == dict(aht_s=240, target_answer_s=30, target_sl=0.8, shrinkage=0.25, concurrency=3)


def test_service_schema_and_form_share_one_set_of_defaults(tenants: Tenants) -> None:
    import inspect

    from kefu.workforce.forms import StaffingPlanForm
    from kefu.workforce.schemas import StaffingPlanIn

    signature = inspect.signature(services.staffing_plan_create).parameters
    form = StaffingPlanForm()
    for name, value in staffing.PLAN_DEFAULTS.as_dict().items():
        assert signature[name].default == value
        assert form.initial[name] == value
        if name != "aht_s":
            assert StaffingPlanIn.model_fields[name].default == value


def test_seat_estimate_is_on_the_staffing_page_once(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "workforce_planner")
    html = client.get(
        "/workforce/staffing/",
        {"daily_inquiries": 800, "service_hours": 15, "campaign_multiplier": 2, "campaign_days_per_month": 4},
    ).content.decode()
    assert html.count('id="seat-form"') == 1
    assert html.count('id="seat-result"') == 1


def test_campaign_ending_before_it_starts_is_a_form_error_that_keeps_the_input(tenants: Tenants) -> None:
    client = _english(tenants.client_for("pa", "workforce_planner"))

    response = client.post(
        "/workforce/campaigns/",
        {"client": tenants.ca1.pk, "name": "双11预热", "start_date": "2026-11-11", "end_date": "2026-11-01"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    form = html[html.index('id="campaign-form"') :]
    assert 'class="errorlist"' in form and "The campaign ends before it starts." in form
    assert 'value="双11预热"' in form and 'value="2026-11-11"' in form and 'value="2026-11-01"' in form
    assert 'class="messages"' not in html  # not in the (green) message banner
    assert 'id="history-upload"' in html and 'id="event-forecast"' in html  # the rest of the page is there
    assert Campaign.all_tenants.count() == 0


def test_event_forecast_without_events_is_a_form_error(tenants: Tenants) -> None:
    client = _english(tenants.client_for("pa", "workforce_planner"))
    response = client.post(
        "/workforce/forecasts/from-events/",
        {"client": tenants.ca2.pk, "interval_minutes": 60, "horizon_days": 9},
    )
    html = response.content.decode()
    assert response.status_code == 422
    form = html[html.index('id="event-forecast"') :]
    assert 'class="alert"' in form and 'value="9"' in form


def test_workforce_home_says_where_forecast_history_comes_from(tenants: Tenants) -> None:
    client = _english(tenants.client_for("pa", "workforce_planner"))
    html = client.get("/workforce/").content.decode()
    assert "No history imported yet" not in html
    assert 'id="history-sources"' in html and "event log" in html


@pytest.mark.parametrize(
    ("expected", "mad"),
    # E|X − λ| of Poisson(λ), from the definition summed numerically
    [(0.5, 0.6065306597), (1.0, 0.7357588823), (3.0, 1.3442508459), (10.0, 2.5022007144)],
)
def test_poisson_mean_absolute_deviation_is_exact(expected: float, mad: float) -> None:
    ks = np.arange(0, 200)
    log_pmf = -expected + ks * math.log(expected) - np.array([math.lgamma(k + 1) for k in ks])
    direct = float((np.abs(ks - expected) * np.exp(log_pmf)).sum())
    assert forecasting.poisson_mean_absolute_deviation(expected) == pytest.approx(direct, rel=1e-9)
    assert forecasting.poisson_mean_absolute_deviation(expected) == pytest.approx(mad, rel=1e-9)


@hypothesis_settings(max_examples=50, deadline=None)
@given(st.floats(min_value=0.05, max_value=500))
def test_noise_floor_falls_with_volume(expected: float) -> None:
    assert forecasting.noise_wape([expected * 2]) < forecasting.noise_wape([expected])


def test_too_few_contacts_threshold() -> None:
    # the demo shops: ~15 chats a day over 15 hourly intervals is about 1 an interval
    assert forecasting.too_few_contacts([1.0] * 15)
    assert forecasting.noise_wape([1.0] * 15) == pytest.approx(0.7358, abs=1e-4)
    # ~12 an interval (180 a day) is forecastable per interval
    assert not forecasting.too_few_contacts([12.0] * 15)
    assert forecasting.too_few_contacts([])  # no volume: nothing to forecast


def test_small_series_is_flagged_on_the_forecast_page(tenants: Tenants) -> None:
    # given a forecast from the event log of a client with ~36 contacts a day
    _offered_events(tenants)
    scope = tenants.scope("pa", "workforce_planner")
    run = services.forecast_run_create_from_events(
        scope, client_id=tenants.ca1.pk, interval_minutes=30, horizon_days=7
    )
    client = _english(tenants.client_for("pa", "workforce_planner"))

    # when the planner opens it and the home page
    html = client.get(f"/workforce/forecasts/{run.pk}/").content.decode()
    home = client.get("/workforce/").content.decode()

    # then both say plainly that it is too small to forecast per interval
    assert 'id="too-few-contacts"' in html and "Too few contacts" in html
    assert "too few contacts" in home


def test_large_series_is_not_flagged(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=3)
    client = _english(tenants.client_for("pa", "workforce_planner"))
    html = client.get(f"/workforce/forecasts/{run.pk}/").content.decode()
    assert not forecasting.too_few_contacts(v for _s, v in run.points)
    assert 'id="too-few-contacts"' not in html


def test_forecast_methods_are_shown_in_words_in_both_languages() -> None:
    """Every method a run can store has words of its own, translated; no code reaches a page."""
    from django.utils import translation

    from kefu.workforce import forecast
    from kefu.workforce.labels import method_label

    for code in (forecast.AUTO, *forecast.METHODS):
        with translation.override("en"):
            english = method_label(code)
        with translation.override("zh-hans"):
            chinese = method_label(code)
        assert english != code and chinese != english, code
    assert method_label("retired_method") == "retired_method"


def test_forecast_pages_name_the_method_in_words(tenants: Tenants) -> None:
    client = _english(tenants.client_for("pa", "workforce_planner"))
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=3)
    pages = [client.get(url).content.decode() for url in (f"/workforce/forecasts/{run.pk}/", "/workforce/")]
    for html in pages:
        assert run.method_label in html
        assert f">{run.method}<" not in html and f"· {run.method}<" not in html
