"""Workforce pages: volume history import, forecasts with their accuracy."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Invalid, KefuError
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.core.scope import Scope
from kefu.tenancy import selectors as tenancy_selectors
from kefu.workforce import capacity, selectors, services, staffing
from kefu.workforce import forecast as forecasting
from kefu.workforce.forms import (
    CampaignForm,
    EventForecastForm,
    ForecastForm,
    HistoryUploadForm,
    SeatEstimateForm,
    StaffingForm,
    StaffingPlanForm,
)
from kefu.workforce.labels import method_label
from kefu.workforce.permissions import WorkforcePerm

if TYPE_CHECKING:
    from kefu.workforce.models import ForecastRun, StaffingPlan


@access_required(WorkforcePerm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    scope = request.access
    form = (
        HistoryUploadForm(
            request.POST or None,
            request.FILES or None,
            clients=tenancy_selectors.client_choices(request.access),
        )
        if scope.has(WorkforcePerm.PLAN)
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            history = services.volume_history_import(
                scope,
                client_id=form.cleaned_data["client"],
                name=form.cleaned_data["name"],
                filename=upload.name,
                content=upload.read(),
                interval_minutes=form.cleaned_data["interval_minutes"],
            )
        except KefuError as exc:
            form.add_error("file" if exc.field == "file" else None, str(exc.message))
        else:
            messages.success(request, _("Imported %(count)d intervals.") % {"count": history.interval_count})
            return redirect("workforce_history", history_id=history.pk)
    return _index_page(request, form=form)


def _index_page(
    request: HttpRequest,
    *,
    form: HistoryUploadForm | None = None,
    event_form: EventForecastForm | None = None,
    campaign_form: CampaignForm | None = None,
) -> HttpResponse:
    """The workforce home; a form that failed comes back bound, with its errors and what was typed."""
    scope = request.access
    can_plan = scope.has(WorkforcePerm.PLAN)
    clients = tenancy_selectors.client_choices(scope)
    if form is None and can_plan:
        form = HistoryUploadForm(clients=clients)
    if event_form is None and can_plan:
        event_form = EventForecastForm(clients=clients)
    # Providers' planners declare campaigns; a client's managers declare their own.
    if campaign_form is None and (can_plan or scope.is_client):
        campaign_form = CampaignForm(clients=clients)
    failed = any(f is not None and f.is_bound and f.errors for f in (form, event_form, campaign_form))
    return render(
        request,
        "workforce/index.html",
        {
            "histories": selectors.volume_history_list(scope)[:50],
            "forecasts": [
                (run, forecasting.too_few_contacts(value for _start, value in run.points))
                for run in selectors.forecast_run_list(scope)[:20]
            ],
            "campaigns": selectors.campaign_list(scope)[:50],
            "form": form,
            "event_form": event_form,
            "campaign_form": campaign_form,
        },
        status=422 if failed else 200,
    )


@require_POST
@access_required(WorkforcePerm.PLAN)
def forecast_from_events(request: HttpRequest) -> HttpResponse:
    form = EventForecastForm(request.POST, clients=tenancy_selectors.client_choices(request.access))
    if form.is_valid():
        try:
            run = services.forecast_run_create_from_events(
                request.access,
                client_id=form.cleaned_data["client"],
                interval_minutes=form.cleaned_data["interval_minutes"],
                horizon_days=form.cleaned_data["horizon_days"],
            )
        except Invalid as exc:
            form_error(form, exc)
        else:
            return redirect("workforce_forecast", forecast_id=run.pk)
    return _index_page(request, event_form=form)


@require_POST
@access_required(WorkforcePerm.VIEW)
def campaign_create(request: HttpRequest) -> HttpResponse:
    scope = request.access
    form = CampaignForm(request.POST, clients=tenancy_selectors.client_choices(scope))
    if form.is_valid():
        try:
            services.campaign_create(
                scope,
                client_id=form.cleaned_data["client"],
                name=form.cleaned_data["name"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                multiplier=form.cleaned_data["multiplier"],
            )
        except Invalid as exc:  # not allowed or not found: the error page (403/404), not a form
            form_error(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("workforce")
    return _index_page(request, campaign_form=form)


@require_POST
@access_required(WorkforcePerm.VIEW)
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    services.campaign_delete(request.access, campaign_id=campaign_id)
    messages.success(request, _("Campaign removed."))
    return redirect("workforce")


@access_required(WorkforcePerm.VIEW)
def history_detail(request: HttpRequest, history_id: int) -> HttpResponse:
    scope = request.access
    history = selectors.volume_history_get(scope, history_id=history_id)
    form = ForecastForm(request.POST or None) if scope.has(WorkforcePerm.PLAN) else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            run = services.forecast_run_create(scope, history_id=history.pk, **form.cleaned_data)
        except KefuError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("workforce_forecast", forecast_id=run.pk)
    since = history.last_start - timedelta(days=27)
    series = selectors.volume_series(scope, history_id=history.pk, since=since)
    chart = {"history": [[_local_iso(start), value] for start, value in series]}
    return render(
        request,
        "workforce/history_detail.html",
        {
            "history": history,
            "queues": selectors.volume_queues(scope, history_id=history.pk),
            "forecasts": selectors.forecast_run_list(scope, history_id=history.pk),
            "form": form,
            "chart": chart,
        },
        status=422 if form is not None and form.errors else 200,
    )


@access_required(WorkforcePerm.VIEW)
def forecast_detail(request: HttpRequest, forecast_id: int) -> HttpResponse:
    scope = request.access
    run = selectors.forecast_run_get(scope, forecast_id=forecast_id)
    plan = selectors.staffing_plan_list(scope, forecast_id=run.pk).first()
    plan_form = None
    if scope.has(WorkforcePerm.PLAN):
        # The form starts from the targets of the plan on show: what the card says is what it sends.
        targets = _plan_targets(plan) if plan is not None else staffing.PLAN_DEFAULTS
        plan_form = StaffingPlanForm(request.POST or None, targets=targets)
    if request.method == "POST" and plan_form is not None and plan_form.is_valid():
        try:
            services.staffing_plan_create(scope, forecast_id=run.pk, **plan_form.cleaned_data)
        except KefuError as exc:
            form_error(plan_form, exc)
        else:
            return redirect("workforce_forecast", forecast_id=run.pk)
    plan_chart = None
    if plan is not None:
        plan_chart = {
            "history": [[start, agents] for start, agents, _heads in plan.required],
            "forecast": [[start, heads] for start, _agents, heads in plan.required],
        }
    daily: dict[str, float] = {}
    for start, value in run.points:
        daily[start[:10]] = daily.get(start[:10], 0.0) + value
    return render(
        request,
        "workforce/forecast_detail.html",
        {
            "run": run,
            "noise": _noise(run, daily),
            "chart": {"history": _actuals(scope, run), "forecast": run.points},
            "daily": sorted(daily.items()),
            "candidates": [(name, method_label(name), acc) for name, acc in sorted(run.candidates.items())],
            "plan": plan,
            "plan_chart": plan_chart,
            "plan_form": plan_form,
        },
        status=422 if plan_form is not None and plan_form.errors else 200,
    )


def _plan_targets(plan: StaffingPlan) -> staffing.PlanTargets:
    return staffing.PlanTargets(
        aht_s=plan.aht_s,
        target_answer_s=plan.target_answer_s,
        target_sl=plan.target_sl,
        shrinkage=plan.shrinkage,
        concurrency=plan.concurrency,
    )


def _noise(run: ForecastRun, daily: dict[str, float]) -> dict[str, object]:
    """How far chance alone puts a perfect forecast off, per interval and per day (Poisson floor)."""
    return {
        "too_small": forecasting.too_few_contacts(value for _start, value in run.points),
        "interval_wape": _finite_or_none(forecasting.noise_wape(value for _start, value in run.points)),
        "daily_wape": _finite_or_none(forecasting.noise_wape(daily.values())),
        "per_day": sum(daily.values()) / len(daily) if daily else 0.0,
        "limit": forecasting.NOISE_WAPE_LIMIT,
    }


def _finite_or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _actuals(scope: Scope, run: ForecastRun) -> list[list[object]]:
    """The two weeks before the forecast, from the same source it was made from."""
    first = timezone.make_aware(datetime.combine(run.first_day - timedelta(days=14), datetime.min.time()))
    if run.history_id is not None:
        series = selectors.volume_series(scope, history_id=run.history_id, queue=run.queue, since=first)
        return [[_local_iso(start), value] for start, value in series]
    counts = analytics_selectors.offered_per_interval(
        scope, client_id=run.client_id, interval_minutes=run.interval_minutes, queue=run.queue, since=first
    )
    return [[start.isoformat(timespec="minutes"), count] for start, count in sorted(counts.items())]


def _local_iso(moment: datetime) -> str:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="minutes")


@access_required(WorkforcePerm.VIEW)
def staffing_calculator(request: HttpRequest) -> HttpResponse:
    form = StaffingForm(request.GET if "calls" in request.GET else None)
    result = curve = None
    if form.is_bound and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        data.setdefault("shrinkage", 0.0)
        query = staffing.StaffingQuery(**data)
        try:
            result = staffing.staffing_report(query)
        except staffing.StaffingInputError as exc:
            form_error(form, exc)
        else:
            around = result["agents"] if result["agents"] is not None else query.agents
            if around:
                curve = staffing.staffing_curve(query, around=around)
    seat_form = SeatEstimateForm(request.GET if "daily_inquiries" in request.GET else None)
    seats = None
    if seat_form.is_bound and seat_form.is_valid():
        try:
            seats = capacity.estimate_seats(
                **{k: v for k, v in seat_form.cleaned_data.items() if v is not None}
            )
        except ValueError as exc:
            seat_form.add_error(None, str(exc))
    return render(
        request,
        "workforce/staffing.html",
        {"form": form, "result": result, "curve": curve, "seat_form": seat_form, "seats": seats},
        status=422 if form.errors or seat_form.errors else 200,
    )
