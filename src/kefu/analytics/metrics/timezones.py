"""The client's time zone, which decides where a metric's calendar days begin.

It lives with the client's service calendar in the desk (`desk.ServiceCalendar.tz`). Analytics
imports no domain app (every app writes events into it), so the desk registers the lookup at
start-up (`DeskConfig.ready`) and analytics asks it here; without a registered source (an
installation without the desk) the site's `TIME_ZONE` applies.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

_source: list[Callable[[int], str]] = []


def register_client_time_zone(source: Callable[[int], str]) -> None:
    """`source(client_id)` answers the IANA name of the client's time zone (no scope: a time
    zone is not tenant data worth hiding, and the caller has already checked the client)."""
    _source[:] = [source]


def client_time_zone(client_id: int) -> ZoneInfo:
    name = _source[0](client_id) if _source else settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)
