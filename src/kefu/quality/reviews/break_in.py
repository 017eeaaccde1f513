"""Break-in periods: dates in which an agent's (or everyone's) conversations for a client are
sampled at the policy's break-in share. Engagements set one for a new engagement's first weeks
(docs/engagements-onboarding.md); sampling reads them through `selectors.break_in_cover`."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.quality.models import BreakInPeriod
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors
from kefu.tenancy import services as tenancy_services

MIN_DAYS, MAX_DAYS = 7, 31  # one week to one month


@transaction.atomic
def break_in_create(
    scope: Scope,
    *,
    client_id: int,
    starts_on: date,
    ends_on: date,
    agent_id: int | None = None,
    note: str = "",
) -> BreakInPeriod:
    """A break-in period of 7–31 days (both ends counted) for one agent or, without one, for
    everyone answering for the client."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    keys = new_row_keys(scope, client_id=client_id)
    days = (ends_on - starts_on).days + 1
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise Invalid(
            _("A break-in period lasts from %(low)d to %(high)d days.") % {"low": MIN_DAYS, "high": MAX_DAYS},
            field="ends_on",
        )
    if agent_id is not None and agent_id not in selectors.agent_ids(scope):
        raise NotFound(_("Unknown agent."), field="agent_id")
    period = BreakInPeriod.objects.create(
        provider_id=keys.provider_id,
        client_id=keys.client_id,
        agent_id=agent_id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip()[:120],
    )
    tenancy_services.audit_record(
        scope,
        action="quality.break_in_create",
        target=period,
        client_id=keys.client_id,
        data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return period


@transaction.atomic
def break_in_delete(scope: Scope, *, period_id: int) -> None:
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    period = selectors.break_in_get(scope, period_id=period_id)
    if period.provider_id != scope.provider_id:
        raise NotFound()
    tenancy_services.audit_record(
        scope, action="quality.break_in_delete", target=period, client_id=period.client_id
    )
    period.delete()
