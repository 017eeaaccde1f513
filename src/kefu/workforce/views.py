"""Workforce pages: volume history import, forecasts with their accuracy."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import KefuError
from kefu.core.scope import OrgKind
from kefu.tenancy import selectors as tenancy_selectors
from kefu.web.decorators import access_required
from kefu.workforce import selectors, services, staffing
from kefu.workforce.forms import ForecastForm, HistoryUploadForm, StaffingForm
from kefu.workforce.permissions import WorkforcePerm


def _clients(request: HttpRequest) -> list[tuple[int, str]]:
    organizations = tenancy_selectors.organization_list(request.access).filter(kind=OrgKind.CLIENT)
    return [(o.pk, o.name) for o in organizations if o.pk in request.access.client_ids]


@access_required(WorkforcePerm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_plan = scope.has(WorkforcePerm.PLAN)
    form = (
        HistoryUploadForm(request.POST or None, request.FILES or None, clients=_clients(request))
        if can_plan
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
    return render(
        request,
        "workforce/index.html",
        {
            "histories": selectors.volume_history_list(scope)[:50],
            "forecasts": selectors.forecast_run_list(scope)[:20],
            "form": form,
        },
        status=422 if form is not None and form.errors else 200,
    )


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
    since = run.history.last_start - timedelta(days=13)
    series = selectors.volume_series(scope, history_id=run.history_id, since=since)
    chart = {"history": [[_local_iso(start), value] for start, value in series], "forecast": run.points}
    daily: dict[str, float] = {}
    for start, value in run.points:
        daily[start[:10]] = daily.get(start[:10], 0.0) + value
    return render(
        request,
        "workforce/forecast_detail.html",
        {
            "run": run,
            "chart": chart,
            "daily": sorted(daily.items()),
            "candidates": sorted(run.candidates.items()),
        },
    )


def _local_iso(moment: datetime) -> str:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="minutes")


@access_required(WorkforcePerm.VIEW)
def staffing_calculator(request: HttpRequest) -> HttpResponse:
    form = StaffingForm(request.GET or None)
    result = curve = None
    if form.is_bound and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        data.setdefault("shrinkage", 0.0)
        query = staffing.StaffingQuery(**data)
        try:
            result = staffing.staffing_report(query)
        except staffing.StaffingInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            around = result["agents"] if result["agents"] is not None else query.agents
            if around:
                curve = staffing.staffing_curve(query, around=around)
    return render(
        request,
        "workforce/staffing.html",
        {"form": form, "result": result, "curve": curve},
        status=422 if form.errors else 200,
    )
