"""Importing a client's volume history and forecasting from it, through services and pages."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants
from kefu.workforce import selectors, services
from kefu.workforce.models import ForecastRun, VolumeHistory, VolumeInterval


def _csv(days: int = 28, interval_minutes: int = 30) -> bytes:
    """Weekday-shaped volumes with a late-morning and an evening peak; weekends quieter."""
    lines = ["timestamp,offered"]
    start = datetime(2026, 3, 2)  # a Monday
    for day in range(days):
        for slot in range(9 * 60, 21 * 60, interval_minutes):
            moment = start + timedelta(days=day, minutes=slot)
            hour = slot / 60
            shape = 20 + 30 * math.exp(-((hour - 11) ** 2) / 2) + 25 * math.exp(-((hour - 20) ** 2) / 2)
            weekly = 0.7 if moment.weekday() >= 5 else 1.0
            lines.append(f"{moment:%Y-%m-%dT%H:%M:%S},{round(shape * weekly)}")
    return ("\n".join(lines) + "\n").encode()


def test_planner_imports_history_for_a_served_client(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "workforce_planner")

    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="旧系统话务", filename="calls.csv", content=_csv()
    )

    assert history.interval_minutes == 30 and history.interval_count == 28 * 24
    assert (history.provider_id, history.client_id) == (tenants.pa.pk, tenants.ca1.pk)
    rows = VolumeInterval.objects.for_scope(scope).filter(history=history)
    assert rows.count() == 28 * 24 and set(rows.values_list("client_id", flat=True)) == {tenants.ca1.pk}
    assert AuditEvent.objects.for_scope(scope).filter(action="workforce.history_imported").count() == 1


def test_import_refuses_unserved_clients_agents_and_bad_files(tenants: Tenants) -> None:
    planner = tenants.scope("pa", "workforce_planner")
    with pytest.raises(NotFound):
        services.volume_history_import(
            planner, client_id=tenants.cb.pk, name="x", filename="a.csv", content=_csv()
        )
    with pytest.raises(PermissionDenied):
        services.volume_history_import(
            tenants.scope("pa", "agent"), client_id=tenants.ca1.pk, name="x", filename="a.csv", content=_csv()
        )
    with pytest.raises(Invalid) as bad_row:
        services.volume_history_import(
            planner,
            client_id=tenants.ca1.pk,
            name="x",
            filename="a.csv",
            content=b"timestamp,offered\nyesterday,3\n",
        )
    assert bad_row.value.field == "file"
    with pytest.raises(Invalid):
        services.volume_history_import(
            planner, client_id=tenants.ca1.pk, name="x", filename="a.pdf", content=b"%PDF"
        )
    assert VolumeHistory.all_tenants.count() == 0


def test_forecast_from_imported_history_is_stored_with_its_backtest(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "workforce_planner")
    history = services.volume_history_import(
        scope, client_id=tenants.ca1.pk, name="h", filename="h.csv", content=_csv()
    )

    run = services.forecast_run_create(scope, history_id=history.pk, horizon_days=7)

    assert run.first_day.isoformat() == "2026-03-30" and run.horizon_days == 7
    assert len(run.points) == 7 * 24  # every open 30-minute interval of the week
    assert run.backtest["wape"] < run.backtest["baseline_wape"] or run.backtest["baseline_wape"] == 0
    assert selectors.forecast_run_get(tenants.scope("ca1", "client_manager"), forecast_id=run.pk) == run
    with pytest.raises(NotFound):
        selectors.forecast_run_get(tenants.scope("cb", "client_manager"), forecast_id=run.pk)
    with pytest.raises(Invalid):
        services.forecast_run_create(scope, history_id=history.pk, horizon_days=0)
    with pytest.raises(Invalid):
        services.forecast_run_create(scope, history_id=history.pk, horizon_days=7, method="crystal_ball")
    assert ForecastRun.objects.for_scope(scope).count() == 1


def test_pages_upload_forecast_and_show_the_chart(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "workforce_planner")
    upload = SimpleUploadedFile("话务.csv", _csv(), content_type="text/csv")

    response = client.post("/workforce/", {"client": tenants.ca2.pk, "name": "美妆话务", "file": upload})
    assert response.status_code == 302
    history_page = client.get(response["Location"])
    assert history_page.status_code == 200 and "美妆话务" in history_page.content.decode()

    forecast = client.post(
        response["Location"], {"horizon_days": 7, "method": "auto", "chinese_holidays": "on"}
    )
    assert forecast.status_code == 302
    page = client.get(forecast["Location"]).content.decode()
    assert "forecast-data" in page and "echarts.min.js" in page and "WAPE" in page


def test_bad_upload_is_a_form_error(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "workforce_planner")
    upload = SimpleUploadedFile(
        "bad.csv", b"timestamp,offered\n2026-01-01T09:00:00,-5\n", content_type="text/csv"
    )
    response = client.post("/workforce/", {"client": tenants.ca1.pk, "file": upload})
    assert response.status_code == 422
    assert VolumeHistory.all_tenants.count() == 0


def test_agents_have_no_workforce_pages(tenants: Tenants) -> None:
    assert tenants.client_for("pa", "agent").get("/workforce/").status_code == 403
    assert tenants.client_for("ca1", "client_manager").get("/workforce/").status_code == 200
