"""The service hours and SLA page: the client admin edits hours, holidays, date exceptions
(调休) and per-channel targets; the provider and the client's other members read them; bad
input is a form error; another tenant's client or policy is 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.desk import services
from kefu.desk.forms_sla import format_duration, parse_duration
from kefu.desk.models import ServiceCalendar, SlaPolicy
from kefu.testing.plugin import Tenants


def test_durations_read_as_people_write_them() -> None:
    assert [parse_duration(t) for t in ("30s", "15m", "4h", "1h30m", "2d", "45", "", " 1h 5m ")] == [
        30, 900, 14400, 5400, 172800, 2700, None, 3900,
    ]  # fmt: skip
    for bad in ("abc", "5x", "1h-3m"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert [format_duration(s) for s in (30, 5400, 86400 + 60, None)] == ["30s", "1h30m", "1d1m", ""]


CALENDAR = {
    "action": "calendar",
    "tz": "Asia/Shanghai",
    "mon": "09:00-12:00, 13:00-18:00",
    "tue": "09:00-18:00",
    "wed": "09:00-18:00",
    "thu": "09:00-18:00",
    "fri": "09:00-18:00",
    "sat": "",
    "sun": "",
    "chinese_holidays": "on",
    "holiday_mode": "special",
    "holiday_hours": "10:00-16:00",
    "overrides": "2026-10-11 09:00-18:00\n2026-12-24 closed",
    "meal_breaks": "12:00-13:00",
}


def test_client_admin_sets_hours_and_targets(tenants: Tenants) -> None:
    admin = tenants.client_for("ca1", "client_admin")
    url = reverse("desk_sla")
    page = admin.get(url).content.decode()
    assert 'id="calendar-form"' in page and 'id="add-policy"' in page and 'id="calendar-default"' in page

    assert admin.post(url, CALENDAR).status_code == 302
    row = ServiceCalendar.all_tenants.get(client=tenants.ca1)
    assert row.weekly["mon"] == ["09:00-12:00", "13:00-18:00"] and "sat" not in row.weekly
    assert row.overrides == {"2026-10-11": ["09:00-18:00"], "2026-12-24": []}
    assert (row.holiday_mode, row.holiday_hours, row.covers_meals) == ("special", ["10:00-16:00"], False)

    response = admin.post(url, {"action": "add_policy", "channel": "chat", "first_response_s": "30s",
                                "resolution_s": "4h", "warn_percent": "25"})  # fmt: skip
    assert response.status_code == 302
    policy = SlaPolicy.all_tenants.get(client=tenants.ca1)
    assert (policy.channel, policy.first_response_s, policy.resolution_s, policy.warn_ratio) == (
        "chat", 30, 14400, 0.25,
    )  # fmt: skip
    page = admin.get(url).content.decode()
    assert "30s" in page and "4h" in page and "2026-12-24" in page

    edit = reverse("desk_sla_policy", args=[policy.pk])
    assert admin.post(edit, {"first_response_s": "1m", "warn_percent": "20"}).status_code == 302
    policy.refresh_from_db()
    assert policy.first_response_s == 60
    assert admin.post(edit, {"delete": "1"}).status_code == 302
    assert not SlaPolicy.all_tenants.exists()


def test_bad_input_is_a_form_error(tenants: Tenants) -> None:
    admin = tenants.client_for("ca1", "client_admin")
    url = reverse("desk_sla")
    for bad in ({"mon": "9-18"}, {"tz": "Mars/Base"}, {"overrides": "tomorrow closed"},
                {"overrides": "2026-10-11 late"}, {"holiday_mode": "party"}):  # fmt: skip
        response = admin.post(url, {**CALENDAR, **bad})
        assert response.status_code == 422, bad
        assert 'class="errorlist' in response.content.decode()
    assert not ServiceCalendar.all_tenants.exists()
    for bad in ({"first_response_s": "soon"}, {"first_response_s": ""}, {"first_response_s": "400d"},
                {"first_response_s": "1m", "warn_percent": "150"}):  # fmt: skip
        response = admin.post(url, {"action": "add_policy", "warn_percent": "20", **bad})
        assert response.status_code == 422, bad
    services.sla_policy_create(tenants.scope("ca1", "client_admin"), channel="chat", first_response_s=60)
    response = admin.post(url, {"action": "add_policy", "channel": "chat", "first_response_s": "2m",
                                "warn_percent": "20"})  # fmt: skip
    assert response.status_code == 422 and SlaPolicy.all_tenants.count() == 1  # one per channel


def test_provider_reads_and_cannot_edit(tenants: Tenants) -> None:
    policy = services.sla_policy_create(
        tenants.scope("ca1", "client_admin"), channel="", first_response_s=120
    )
    for role in ("supervisor", "provider_admin", "agent"):
        client = tenants.client_for("pa", role)
        page = client.get(reverse("desk_sla"), {"client": tenants.ca1.pk}).content.decode()
        assert 'id="sla-read-only"' in page and "2m" in page
        assert 'id="calendar-form"' not in page and 'id="add-policy"' not in page
    supervisor = tenants.client_for("pa", "supervisor")
    response = supervisor.post(reverse("desk_sla"), {**CALENDAR, "client": tenants.ca1.pk})
    assert response.status_code == 404 and not ServiceCalendar.all_tenants.exists()
    assert supervisor.post(reverse("desk_sla_policy", args=[policy.pk]), {"delete": "1"}).status_code == 403
    # another tenant's client: not found, whichever way it is asked
    stranger = tenants.client_for("pb", "supervisor")
    assert stranger.get(reverse("desk_sla"), {"client": tenants.ca1.pk}).status_code == 404
    assert stranger.get(reverse("desk_sla"), {"client": "abc"}).status_code == 404
    other_admin = tenants.client_for("cb", "client_admin")
    assert other_admin.post(reverse("desk_sla_policy", args=[policy.pk]), {"delete": "1"}).status_code == 404
    assert SlaPolicy.all_tenants.filter(pk=policy.pk).exists()
