"""Service hours: a client's calendar for `desk.sla_clock` (cached per version), whether the desk
is open (the chat widget asks), and the stored settings as the settings page shows them."""

from __future__ import annotations

import threading
from datetime import datetime

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.desk import sla_clock
from kefu.desk.models import WEEKDAYS, ServiceCalendar
from kefu.desk.permissions import DeskPerm

DEFAULT_CALENDAR = sla_clock.ServiceCalendar.daily("09:00-24:00", tz="Asia/Shanghai")
"""Until a client sets its own: 09:00-24:00 every day, closed on Chinese statutory holidays
(adjusted workdays open), the usual e-commerce outsourcing contract."""


_calendars: dict[int, tuple[object, sla_clock.ServiceCalendar]] = {}
_calendars_lock = threading.Lock()


def calendar_from_row(row: ServiceCalendar) -> sla_clock.ServiceCalendar:
    """The pure calendar of a stored row (raises ValueError on malformed hours)."""
    return sla_clock.ServiceCalendar(
        tz=row.tz,
        weekly=tuple(tuple(row.weekly.get(day) or ()) for day in WEEKDAYS),
        chinese_holidays=row.chinese_holidays,
        holiday_mode=sla_clock.HolidayMode(row.holiday_mode),
        holiday_hours=tuple(row.holiday_hours or ()),
        overrides={day: tuple(hours or ()) for day, hours in (row.overrides or {}).items()},
        meal_breaks=tuple(row.meal_breaks or ()),
        covers_meals=row.covers_meals,
    )


def service_calendar_row(client_id: int) -> ServiceCalendar | None:
    """The stored calendar of a client, if any (unscoped: hours are not secret, the widget asks)."""
    return ServiceCalendar.all_tenants.filter(client_id=client_id).first()


def service_calendar_for(client_id: int) -> sla_clock.ServiceCalendar:
    """The client's service calendar for `desk.sla_clock`, or `DEFAULT_CALENDAR`.

    One calendar object per client version is kept, because sla_clock caches day totals on
    it: reusing it makes repeated timer computations cheap.
    """
    row = service_calendar_row(client_id)
    if row is None:
        return DEFAULT_CALENDAR
    with _calendars_lock:
        cached = _calendars.get(client_id)
        if cached is not None and cached[0] == row.updated_at:
            return cached[1]
    calendar = calendar_from_row(row)
    with _calendars_lock:
        _calendars[client_id] = (row.updated_at, calendar)
    return calendar


def client_is_open(client_id: int, at: datetime) -> bool:
    """Whether the client's service desk is staffed at `at` (aware datetime)."""
    return sla_clock.is_open(service_calendar_for(client_id), at)


def service_calendar_get(scope: Scope, *, client_id: int) -> ServiceCalendar | None:
    """The stored calendar of a client the actor sees (None: the default applies)."""
    scope.require(DeskPerm.VIEW)
    if client_id not in scope.client_ids and not scope.all_tenants:
        raise NotFound()
    return ServiceCalendar.objects.for_scope(scope).filter(client_id=client_id).first()


def service_calendar_view(scope: Scope, *, client_id: int) -> dict[str, object]:
    """The client's hours as configured, or the default's values (`is_default`)."""
    row = service_calendar_get(scope, client_id=client_id)
    if row is None:
        return {
            "client_id": client_id,
            "is_default": True,
            "tz": DEFAULT_CALENDAR.tz,
            "weekly": {day: ["09:00-24:00"] for day in WEEKDAYS},
            "chinese_holidays": True,
            "holiday_mode": "closed",
            "holiday_hours": [],
            "overrides": {},
            "meal_breaks": [],
            "covers_meals": True,
        }
    return {
        "client_id": client_id,
        "is_default": False,
        **{
            name: getattr(row, name)
            for name in (
                "tz", "weekly", "chinese_holidays", "holiday_mode", "holiday_hours",
                "overrides", "meal_breaks", "covers_meals",
            )
        },
    }  # fmt: skip


def client_zone_name(client_id: int) -> str:
    """The time zone of the client's service calendar (its days, its reports)."""
    return service_calendar_for(client_id).tz
