"""Campaigns, forecasts from the event log, staffing plans and the quick seat estimate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.testing.plugin import Tenants
from kefu.workforce import services
from kefu.workforce.models import Campaign, ForecastRun, StaffingPlan
from kefu.workforce.tests.test_services_history import _csv


def _offered_events(tenants: Tenants, *, days: int = 21) -> None:
    """Offered events for client ca1: 4 per half hour 10:00–12:00, 2 per half hour 14:00–18:00."""
    rows = []
    start = dt.date(2026, 3, 2)
    for day in range(days):
        for hour, per_slot in [(10, 4), (11, 4), (14, 2), (15, 2), (16, 2), (17, 2)]:
            for minute in (0, 30):
                for n in range(per_slot):
                    at = timezone.make_aware(
                        dt.datetime.combine(start + dt.timedelta(days=day), dt.time(hour, minute + n))
                    )
                    rows.append(
                        ContactEvent(
                            provider_id=tenants.pa.pk,
                            client_id=tenants.ca1.pk,
                            type="offered",
                            at=at,
                            conversation_id=len(rows) + 1,
                            channel="chat",
                        )
                    )
    ContactEvent.all_tenants.bulk_create(rows)


def test_forecast_from_the_event_log_counts_offered_contacts(tenants: Tenants) -> None:
    _offered_events(tenants)
    scope = tenants.scope("pa", "workforce_planner")

    run = services.forecast_run_create_from_events(
        scope, client_id=tenants.ca1.pk, interval_minutes=30, horizon_days=7
    )

    assert run.source == ForecastRun.Source.EVENTS and run.history is None
    assert run.first_day == dt.date(2026, 3, 23)
    first_day = [(start, value) for start, value in run.points if start.startswith("2026-03-23")]
    # Open hours without contacts count as zero (default calendar 09:00–24:00), not as closed.
    assert [start[11:] for start, _v in first_day][:3] == ["09:00", "09:30", "10:00"]
    assert first_day[0][1] == pytest.approx(0, abs=0.01) and first_day[-1][0][11:] == "23:30"
    assert all(
        value == pytest.approx(4, abs=0.01) for start, value in first_day if start[11:13] in {"10", "11"}
    )
    with pytest.raises(NotFound):
        services.forecast_run_create_from_events(scope, client_id=tenants.cb.pk, horizon_days=7)
    with pytest.raises(Invalid):
        services.forecast_run_create_from_events(scope, client_id=tenants.ca2.pk, horizon_days=7)


def test_declared_campaign_lifts_the_forecast(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    plain = services.forecast_run_create(scope, history_id=history.pk, horizon_days=7)

    services.campaign_create(
        tenants.scope("ca1", "client_manager"),
        client_id=tenants.ca1.pk,
        name="春季大促",
        start_date=dt.date(2026, 3, 31),
        end_date=dt.date(2026, 3, 31),
        multiplier=2.0,
    )
    lifted = services.forecast_run_create(scope, history_id=history.pk, horizon_days=7)

    def day_total(run: ForecastRun, day: str) -> float:
        return sum(value for start, value in run.points if start.startswith(day))

    assert day_total(lifted, "2026-03-31") == pytest.approx(2 * day_total(plain, "2026-03-31"), rel=0.01)
    assert day_total(lifted, "2026-04-01") == pytest.approx(day_total(plain, "2026-04-01"), rel=0.01)


def test_campaign_rules(tenants: Tenants) -> None:
    planner = tenants.scope("pa", "workforce_planner")
    day = dt.date(2026, 11, 11)
    with pytest.raises(Invalid):
        services.campaign_create(
            planner,
            client_id=tenants.ca1.pk,
            name="双11",
            start_date=day,
            end_date=day - dt.timedelta(days=1),
        )
    with pytest.raises(Invalid):
        services.campaign_create(
            planner, client_id=tenants.ca1.pk, name="双11", start_date=day, end_date=day, multiplier=0
        )
    with pytest.raises(NotFound):
        services.campaign_create(planner, client_id=tenants.cb.pk, name="双11", start_date=day, end_date=day)
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            tenants.scope("pa", "supervisor"),
            client_id=tenants.ca1.pk,
            name="x",
            start_date=day,
            end_date=day,
        )
    campaign = services.campaign_create(
        planner, client_id=tenants.ca1.pk, name="双11", start_date=day, end_date=day
    )
    with pytest.raises(NotFound):
        services.campaign_delete(tenants.scope("ca2", "client_admin"), campaign_id=campaign.pk)
    services.campaign_delete(tenants.scope("ca1", "client_admin"), campaign_id=campaign.pk)
    assert Campaign.all_tenants.count() == 0


def test_staffing_plan_turns_the_forecast_into_heads(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=7)

    plan = services.staffing_plan_create(scope, forecast_id=run.pk, aht_s=180, target_sl=0.8, shrinkage=0.3)
    chat = services.staffing_plan_create(
        scope, forecast_id=run.pk, aht_s=180, target_sl=0.8, shrinkage=0.3, concurrency=3
    )

    assert len(plan.required) == len(run.points)
    assert all(heads >= agents for _start, agents, heads in plan.required)
    assert plan.peak_scheduled == max(heads for _s, _a, heads in plan.required)
    assert plan.agent_hours == pytest.approx(sum(a for _s, a, _h in plan.required) * 0.5)
    assert chat.peak_agents < plan.peak_agents
    with pytest.raises(Invalid) as bad:
        services.staffing_plan_create(scope, forecast_id=run.pk, aht_s=180, target_sl=1.5)
    assert bad.value.field == "target_sl"
    assert StaffingPlan.objects.for_scope(scope).count() == 2


def test_pages_for_plans_campaigns_and_seats(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "workforce_planner")
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )
    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=3)

    response = client.post(
        f"/workforce/forecasts/{run.pk}/",
        {"aht_s": 180, "target_answer_s": 20, "target_sl": 0.8, "shrinkage": 0.3, "concurrency": 1},
    )
    assert response.status_code == 302
    assert 'id="staffing-plan"' in client.get(f"/workforce/forecasts/{run.pk}/").content.decode()
    bad = client.post(
        f"/workforce/forecasts/{run.pk}/",
        {"aht_s": -1, "target_answer_s": 20, "target_sl": 0.8, "shrinkage": 0.3, "concurrency": 1},
    )
    assert bad.status_code == 422

    client.post(
        "/workforce/campaigns/",
        {
            "client": tenants.ca1.pk,
            "name": "618",
            "start_date": "2026-06-18",
            "end_date": "2026-06-18",
            "multiplier": "3",
        },
    )
    assert "618" in client.get("/workforce/").content.decode()

    seats = client.get(
        "/workforce/staffing/",
        {"daily_inquiries": 800, "service_hours": 15, "campaign_multiplier": 2, "campaign_days_per_month": 4},
    )
    assert seats.status_code == 200 and 'id="seat-result"' in seats.content.decode()


def test_api_forecast_plan_and_campaigns(tenants: Tenants) -> None:
    from django.test import Client

    from kefu.tenancy import services as tenancy_services

    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "workforce_planner"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    upload = client.post(
        "/api/workforce/histories",
        {"client_id": tenants.ca1.pk, "name": "api", "file": _upload()},
        **auth,
    )
    assert upload.status_code == 201, upload.content
    forecast = client.post(
        f"/api/workforce/histories/{upload.json()['id']}/forecasts",
        {"horizon_days": 2},
        content_type="application/json",
        **auth,
    )
    assert forecast.status_code == 201 and forecast.json()["source"] == "history"
    plan = client.post(
        f"/api/workforce/forecasts/{forecast.json()['id']}/staffing-plans",
        {"aht_s": 200},
        content_type="application/json",
        **auth,
    )
    assert plan.status_code == 201 and plan.json()["peak_scheduled"] >= plan.json()["peak_agents"] > 0
    campaign = client.post(
        "/api/workforce/campaigns",
        {"client_id": tenants.ca1.pk, "name": "双11", "start_date": "2026-11-11", "end_date": "2026-11-11"},
        content_type="application/json",
        **auth,
    )
    assert campaign.status_code == 201
    assert client.get("/api/workforce/campaigns", **auth).json()["count"] == 1
    assert client.delete(f"/api/workforce/campaigns/{campaign.json()['id']}", **auth).status_code == 204
    no_events = client.post(
        "/api/workforce/event-forecasts",
        {"client_id": tenants.ca2.pk},
        content_type="application/json",
        **auth,
    )
    assert no_events.status_code == 422


def _upload() -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("h.csv", _csv(days=21), content_type="text/csv")
