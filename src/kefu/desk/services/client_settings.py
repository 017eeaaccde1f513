"""What a client decides for its desk: service hours (the SLA calendar), SLA policies, and the
provider's access to items escalated to the client's staff."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors, sla_clock
from kefu.desk.models import (
    WEEKDAYS,
    Channel,
    DeskSettings,
    HolidayMode,
    ProviderAccess,
    ServiceCalendar,
    SlaPolicy,
)
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _choice, _settings_client
from kefu.tenancy import services as tenancy_services


def _hours_list(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(_('Hours are a list of ranges such as "09:00-18:00".'), field=field)
    try:
        sla_clock.parse_hours(value)
    except ValueError:
        raise Invalid(_('Hours are a list of ranges such as "09:00-18:00".'), field=field) from None
    return [v.strip() for v in value]


@transaction.atomic
def service_calendar_set(
    scope: Scope,
    *,
    client_id: int | None = None,
    tz: str = "Asia/Shanghai",
    weekly: dict[str, Any] | None = None,
    chinese_holidays: bool = True,
    holiday_mode: str = HolidayMode.CLOSED,
    holiday_hours: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    meal_breaks: list[str] | None = None,
    covers_meals: bool = True,
) -> ServiceCalendar:
    """Create or replace the client's service hours; SLA timers and the chat widget follow them."""
    client = _settings_client(scope, client_id)
    weekly = weekly if weekly is not None else {day: ["09:00-24:00"] for day in WEEKDAYS}
    if not isinstance(weekly, dict) or set(weekly) - set(WEEKDAYS):
        raise Invalid(_("Weekly hours are keyed by mon, tue, wed, thu, fri, sat, sun."), field="weekly")
    clean_overrides: dict[str, list[str]] = {}
    for day, hours in (overrides or {}).items():
        try:
            key = date.fromisoformat(day).isoformat()
        except (TypeError, ValueError):
            raise Invalid(_("Override dates are written YYYY-MM-DD."), field="overrides") from None
        clean_overrides[key] = _hours_list(hours, "overrides")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(_("Unknown time zone."), field="tz") from None
    values = {
        "tz": tz,
        "weekly": {day: _hours_list(weekly[day], "weekly") for day in WEEKDAYS if day in weekly},
        "chinese_holidays": chinese_holidays,
        "holiday_mode": _choice(holiday_mode, HolidayMode, "holiday_mode"),
        "holiday_hours": _hours_list(holiday_hours or [], "holiday_hours"),
        "overrides": clean_overrides,
        "meal_breaks": _hours_list(meal_breaks or [], "meal_breaks"),
        "covers_meals": covers_meals,
    }
    row = ServiceCalendar.objects.for_scope(scope).select_for_update().filter(client_id=client).first()
    if row is None:
        row = ServiceCalendar(provider_id=None, client_id=client)
    for name, value in values.items():
        setattr(row, name, value)
    selectors.calendar_from_row(row)  # the pure calendar accepts it
    row.save()
    tenancy_services.audit_record(scope, action="desk.service_calendar_set", target=row, client_id=client)
    return row


def _target(value: int | None, field: str, *, required: bool = False) -> int | None:
    if value is None:
        if required:
            raise Invalid(_("Set a target."), field=field)
        return None
    if not 1 <= value <= 366 * 86400:
        raise Invalid(_("A target is between 1 second and a year of business time."), field=field)
    return value


@transaction.atomic
def sla_policy_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    channel: str = "",
    first_response_s: int,
    next_response_s: int | None = None,
    resolution_s: int | None = None,
    l2_resolution_s: int | None = None,
    warn_ratio: float = 0.2,
) -> SlaPolicy:
    """A client's targets for one channel (blank: every channel without its own policy)."""
    client = _settings_client(scope, client_id)
    if channel:
        _choice(channel, Channel, "channel")
    if SlaPolicy.objects.for_scope(scope).filter(client_id=client, channel=channel).exists():
        raise Conflict(_("This client already has a policy for this channel."), field="channel")
    policy = SlaPolicy(provider_id=None, client_id=client, channel=channel)
    _sla_policy_fill(
        policy,
        first_response_s=first_response_s,
        next_response_s=next_response_s,
        resolution_s=resolution_s,
        l2_resolution_s=l2_resolution_s,
        warn_ratio=warn_ratio,
    )
    policy.save()
    tenancy_services.audit_record(scope, action="desk.sla_policy_create", target=policy, client_id=client)
    return policy


def _sla_policy_fill(policy: SlaPolicy, **values: Any) -> None:
    policy.first_response_s = _target(values["first_response_s"], "first_response_s", required=True)
    policy.next_response_s = _target(values["next_response_s"], "next_response_s")
    policy.resolution_s = _target(values["resolution_s"], "resolution_s")
    policy.l2_resolution_s = _target(values["l2_resolution_s"], "l2_resolution_s")
    if not 0 <= values["warn_ratio"] < 1:
        raise Invalid(
            # xgettext:no-python-format
            _("Warn when between 0 and 100 % of the target is left."),
            field="warn_ratio",
        )
    policy.warn_ratio = values["warn_ratio"]


@transaction.atomic
def sla_policy_update(
    scope: Scope,
    *,
    policy_id: int,
    first_response_s: int,
    next_response_s: int | None = None,
    resolution_s: int | None = None,
    l2_resolution_s: int | None = None,
    warn_ratio: float = 0.2,
) -> SlaPolicy:
    """Replace the targets; running timers use the new ones from the next read."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    policy = selectors.sla_policy_get(scope, policy_id=policy_id, for_update=True)
    _settings_client(scope, policy.client_id)
    _sla_policy_fill(
        policy,
        first_response_s=first_response_s,
        next_response_s=next_response_s,
        resolution_s=resolution_s,
        l2_resolution_s=l2_resolution_s,
        warn_ratio=warn_ratio,
    )
    policy.save()
    tenancy_services.audit_record(
        scope, action="desk.sla_policy_update", target=policy, client_id=policy.client_id
    )
    return policy


@transaction.atomic
def sla_policy_delete(scope: Scope, *, policy_id: int) -> None:
    scope.require(DeskPerm.MANAGE_SETTINGS)
    policy = selectors.sla_policy_get(scope, policy_id=policy_id, for_update=True)
    _settings_client(scope, policy.client_id)
    tenancy_services.audit_record(
        scope, action="desk.sla_policy_delete", target=policy, client_id=policy.client_id
    )
    policy.delete()


@transaction.atomic
def desk_settings_set(
    scope: Scope, *, client_id: int | None = None, provider_access_when_escalated: str
) -> DeskSettings:
    """What the provider may do with items escalated to the client's staff: view or edit."""
    client = _settings_client(scope, client_id)
    access = _choice(provider_access_when_escalated, ProviderAccess, "provider_access_when_escalated")
    row = DeskSettings.objects.for_scope(scope).select_for_update().filter(client_id=client).first()
    if row is None:
        row = DeskSettings(provider_id=None, client_id=client)
    row.provider_access_when_escalated = access
    row.save()
    tenancy_services.audit_record(
        scope, action="desk.settings_set", target=row, client_id=client, data={"provider_access": access}
    )
    return row
