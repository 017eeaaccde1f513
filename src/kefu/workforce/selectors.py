"""Reads of workforce management, always scoped."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet, Sum

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.workforce.models import Campaign, ForecastRun, StaffingPlan, VolumeHistory, VolumeInterval
from kefu.workforce.permissions import WorkforcePerm


def volume_history_list(scope: Scope) -> QuerySet[VolumeHistory]:
    scope.require(WorkforcePerm.VIEW)
    return VolumeHistory.objects.for_scope(scope).select_related("client").order_by("-created_at")


def volume_history_get(scope: Scope, *, history_id: int) -> VolumeHistory:
    return one_of(volume_history_list(scope), pk=history_id)


def volume_series(
    scope: Scope, *, history_id: int, queue: str = "", since: datetime | None = None
) -> list[tuple[datetime, float]]:
    """Offered per interval start, summed over queues unless one is named."""
    history = volume_history_get(scope, history_id=history_id)
    rows = VolumeInterval.objects.for_scope(scope).filter(history=history)
    if queue:
        rows = rows.filter(queue=queue)
    if since is not None:
        rows = rows.filter(start__gte=since)
    summed = rows.values("start").annotate(total=Sum("offered")).order_by("start")
    return [(row["start"], float(row["total"])) for row in summed]


def volume_queues(scope: Scope, *, history_id: int) -> list[str]:
    history = volume_history_get(scope, history_id=history_id)
    queues = VolumeInterval.objects.for_scope(scope).filter(history=history).values_list("queue", flat=True)
    return sorted(set(queues.distinct()) - {""})


def forecast_run_list(
    scope: Scope, *, history_id: int | None = None, client_id: int | None = None
) -> QuerySet[ForecastRun]:
    scope.require(WorkforcePerm.VIEW)
    runs = ForecastRun.objects.for_scope(scope).select_related("history", "client")
    if history_id is not None:
        runs = runs.filter(history_id=history_id)
    if client_id is not None:
        runs = runs.filter(client_id=client_id)
    return runs.order_by("-created_at")


def forecast_run_get(scope: Scope, *, forecast_id: int) -> ForecastRun:
    return one_of(forecast_run_list(scope), pk=forecast_id)


def require_view(scope: Scope) -> None:
    """For reads that touch no stored row (the staffing calculator) but are still a planner's tool."""
    scope.require(WorkforcePerm.VIEW)


def campaign_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[Campaign]:
    scope.require(WorkforcePerm.VIEW)
    campaigns = Campaign.objects.for_scope(scope).select_related("client")
    if client_id is not None:
        campaigns = campaigns.filter(client_id=client_id)
    return campaigns.order_by("-start_date")


def campaign_get(scope: Scope, *, campaign_id: int) -> Campaign:
    return one_of(campaign_list(scope), pk=campaign_id)


def staffing_plan_list(scope: Scope, *, forecast_id: int | None = None) -> QuerySet[StaffingPlan]:
    scope.require(WorkforcePerm.VIEW)
    plans = StaffingPlan.objects.for_scope(scope).select_related("forecast", "client")
    if forecast_id is not None:
        plans = plans.filter(forecast_id=forecast_id)
    return plans.order_by("-created_at")


def staffing_plan_get(scope: Scope, *, plan_id: int) -> StaffingPlan:
    return one_of(staffing_plan_list(scope), pk=plan_id)
