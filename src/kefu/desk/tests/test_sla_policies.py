"""Service calendars and SLA policies: the calendar the widget and the timers use."""

from __future__ import annotations

from datetime import UTC, datetime

from kefu.desk import selectors
from kefu.desk.models import ServiceCalendar
from kefu.testing.plugin import Tenants

# 2026-03-02 is a Monday; Asia/Shanghai is UTC+8.
MON_0830 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
MON_0930 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
NATIONAL_DAY = datetime(2025, 10, 1, 4, 0, tzinfo=UTC)  # 12:00 local, statutory holiday


def test_default_calendar_is_nine_to_midnight_with_holidays(tenants: Tenants) -> None:
    assert selectors.service_calendar_for(tenants.ca1.pk) is selectors.DEFAULT_CALENDAR
    assert not selectors.client_is_open(tenants.ca1.pk, MON_0830)
    assert selectors.client_is_open(tenants.ca1.pk, MON_0930)
    assert not selectors.client_is_open(tenants.ca1.pk, NATIONAL_DAY)


def test_stored_calendar_is_used_and_cached(tenants: Tenants) -> None:
    ServiceCalendar.all_tenants.create(
        client=tenants.ca1,
        weekly={"mon": ["08:00-12:00"]},
        chinese_holidays=True,
        holiday_mode="special",
        holiday_hours=["10:00-14:00"],
        overrides={"2026-03-03": ["08:00-09:00"]},
    )
    calendar = selectors.service_calendar_for(tenants.ca1.pk)
    assert selectors.service_calendar_for(tenants.ca1.pk) is calendar
    assert selectors.client_is_open(tenants.ca1.pk, MON_0830)
    assert not selectors.client_is_open(tenants.ca1.pk, datetime(2026, 3, 4, 1, 0, tzinfo=UTC))  # Wed
    assert selectors.client_is_open(tenants.ca1.pk, datetime(2026, 3, 3, 0, 30, tzinfo=UTC))  # override
    assert selectors.client_is_open(tenants.ca1.pk, NATIONAL_DAY)  # special holiday hours
    assert not selectors.client_is_open(tenants.ca2.pk, MON_0830)  # ca2 keeps the default
