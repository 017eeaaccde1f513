"""Schedule pages: list and solve, the grid editor, my schedule, requests for leads, capacity plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.tenancy import selectors as tenancy_selectors
from kefu.workforce import selectors as workforce_selectors
from kefu.workforce.permissions import WorkforcePerm
from kefu.workforce.rostering import grid, selectors, services
from kefu.workforce.rostering.forms import (
    WEEKDAYS,
    AgentProfileForm,
    DecideForm,
    ScheduleCreateForm,
    ScheduleRequestForm,
    ShiftEditForm,
    ShiftTemplateForm,
    iso_or_none,
)

if TYPE_CHECKING:
    from kefu.workforce.models import Schedule, ScheduledShift


def _errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def shift_label(shift: ScheduledShift | Any) -> dict[str, Any]:
    """What a grid cell or a my-schedule row shows: times, breaks, queues."""
    hhmm = grid.hhmm
    queues = list(dict.fromkeys(q for _a, _b, q in shift.spells))
    return {
        "shift": shift,
        "times": " + ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in shift.segments),
        "breaks": ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in shift.breaks),
        "queues": ", ".join(queues),
        "hours": shift.paid_minutes / 60,
    }


# --- schedules -----------------------------------------------------------------------------------------
@access_required(WorkforcePerm.VIEW)
def schedule_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    schedules = selectors.schedule_list(scope)
    form = None
    if scope.has(WorkforcePerm.PLAN):
        plans = [
            (p.pk, f"#{p.pk} {p.client} · {p.forecast.first_day:%Y-%m-%d}")
            for p in workforce_selectors.staffing_plan_list(scope)[:50]
        ]
        templates = [(t.pk, str(t)) for t in selectors.shift_template_list(scope, active=True)]
        form = ScheduleCreateForm(
            request.POST or None,
            clients=tenancy_selectors.client_choices(request.access),
            plans=plans,
            templates=templates,
            initial={"week_start": selectors.week_monday(timezone.localdate()) + timedelta(days=7)},
        )
        if request.method == "POST" and form.is_valid():
            try:
                created = services.schedule_create(
                    scope,
                    client_id=form.cleaned_data["client"],
                    week_start=form.cleaned_data["week_start"],
                    queues=form.queue_plans(),
                    template_ids=form.cleaned_data["templates"] or None,
                    interval_minutes=form.cleaned_data["interval_minutes"],
                    time_limit_s=form.cleaned_data["time_limit_s"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                return redirect("workforce_schedule", schedule_id=created.pk)
    return render(
        request,
        "workforce/schedule_list.html",
        {"schedules": schedules[:50], "form": form},
        status=422 if form is not None and form.errors else 200,
    )


def _coverage_charts(schedule: Schedule) -> list[dict[str, Any]]:
    origin = datetime.combine(schedule.week_start, datetime.min.time())
    step = schedule.interval_minutes
    charts = []
    for index, queue in enumerate(schedule.queues):
        required = schedule.coverage.get("required", {}).get(queue, [])
        scheduled = schedule.coverage.get("scheduled", {}).get(queue, [])
        stamps = [
            (origin + timedelta(minutes=i * step)).isoformat(timespec="minutes") for i in range(len(required))
        ]
        charts.append(
            {
                "queue": queue,
                "chart_id": f"coverage-chart-{index}",
                "json_id": f"coverage-data-{index}",
                "chart": {
                    "history": [[t, v] for t, v in zip(stamps, required, strict=True)],
                    "forecast": [[t, v] for t, v in zip(stamps, scheduled, strict=False)],
                },
            }
        )
    return charts


@access_required(WorkforcePerm.VIEW)
def schedule_detail(request: HttpRequest, schedule_id: int) -> HttpResponse:
    scope = request.access
    schedule = selectors.schedule_get(scope, schedule_id=schedule_id)
    rows = selectors.schedule_grid(scope, schedule=schedule)
    days = [schedule.week_start + timedelta(days=i) for i in range(7)]
    grid_rows = [
        {
            "row": row,
            "cells": [
                {"date": day, "label": None if c is None else shift_label(c)}
                for day, c in zip(days, row.cells, strict=True)
            ],
        }
        for row in rows
    ]
    summary = grid.coverage_summary(
        schedule.coverage.get("required", {}),
        schedule.coverage.get("scheduled", {}),
        interval=schedule.interval_minutes,
    )
    return render(
        request,
        "workforce/schedule_detail.html",
        {
            **_solve_context(schedule),
            "schedule": schedule,
            "grid": grid_rows,
            "days": list(zip(days, [label for _i, label in WEEKDAYS], strict=True)),
            "summary": summary,
            "charts": _coverage_charts(schedule),
            "can_plan": scope.has(WorkforcePerm.PLAN),
            "requests": selectors.schedule_request_list(scope, schedule_id=schedule.pk)[:20]
            if scope.has(WorkforcePerm.APPROVE_REQUESTS)
            else [],
        },
    )


def _solve_context(schedule: Schedule) -> dict[str, Any]:
    started = schedule.solve_started_at
    return {
        "busy": services.solve_busy(schedule),
        "elapsed": (clock.now() - started).total_seconds() if started else 0,
    }


@access_required(WorkforcePerm.VIEW)
def schedule_solve_status(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """The solve's progress (an htmx partial polled every 2 s); once it ends, the page reloads."""
    schedule = selectors.schedule_get(request.access, schedule_id=schedule_id)
    context = _solve_context(schedule)
    if getattr(request, "htmx", False) and not context["busy"]:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "workforce/_solve_status.html",
        {**context, "schedule": schedule, "can_plan": request.access.has(WorkforcePerm.PLAN)},
    )


@require_POST
@access_required(WorkforcePerm.PLAN)
def schedule_solve(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Queue a (re-)solve of a draft; the detail page then shows its progress."""
    raw = request.POST.get("time_limit_s", "").strip()
    try:
        limit = float(raw) if raw else None
    except ValueError:
        limit = -1.0  # the service refuses it with the range in its message
    try:
        services.schedule_solve(request.access, schedule_id=schedule_id, time_limit_s=limit)
    except (Invalid, Conflict) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Solve queued: the schedule is replaced when it is done."))
    return redirect("workforce_schedule", schedule_id=schedule_id)


@access_required(WorkforcePerm.PLAN)
def schedule_cell(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """The edit form of one grid cell (an htmx partial); POST saves it and returns to the grid."""
    scope = request.access
    schedule = selectors.schedule_get(scope, schedule_id=schedule_id)
    source = request.POST if request.method == "POST" else request.GET
    day = iso_or_none(source.get("day", ""))
    try:
        agent_id = int(source.get("agent", ""))
    except ValueError:
        agent_id = None
    if day is None or agent_id is None:
        raise Invalid(_("Choose an agent and a day."))
    current = selectors.scheduled_shift_rows(schedule).filter(agent_id=agent_id, date=day).first()
    initial = {}
    if current is not None:
        initial = {
            "template": current.template,
            "queue": current.spells[0][2] if current.spells else "",
            "break_starts": ", ".join(grid.hhmm(a) for a, _b in current.breaks),
        }
    form = ShiftEditForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        templates=[t["name"] for t in schedule.templates],
        queues=list(schedule.queues),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_shift_edit(
                scope,
                schedule_id=schedule.pk,
                user_id=agent_id,
                day=day,
                template=form.cleaned_data["template"],
                queue=form.cleaned_data["queue"],
                break_starts=form.cleaned_data["break_starts"],
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Shift saved."))
            url = reverse("workforce_schedule", kwargs={"schedule_id": schedule.pk})
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    template = (
        "workforce/schedule_cell.html"
        if getattr(request, "htmx", False)
        else "workforce/schedule_cell_page.html"
    )
    return render(
        request,
        template,
        {"schedule": schedule, "form": form, "agent_id": agent_id, "day": day, "current": current},
        status=422 if form.errors else 200,
    )


@require_POST
@access_required(WorkforcePerm.PLAN)
def schedule_publish(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = services.schedule_publish(request.access, schedule_id=schedule_id)
    messages.success(request, _("Schedule published: agents see it on their schedule page."))
    return redirect("workforce_schedule", schedule_id=schedule.pk)


# --- my schedule ---------------------------------------------------------------------------------------
@access_required(WorkforcePerm.VIEW_OWN_SCHEDULE)
def my_schedule(request: HttpRequest) -> HttpResponse:
    scope = request.access
    monday = selectors.week_monday(timezone.localdate())
    shifts = list(selectors.my_shifts(scope, since=monday, until=monday + timedelta(days=14)))
    schedules = {s.schedule_id: s.schedule for s in shifts}
    choices = [(pk, f"{s.week_start:%Y-%m-%d} · {', '.join(s.queues)}") for pk, s in schedules.items()]
    form = ScheduleRequestForm(
        request.POST or None, schedules=choices, colleagues=selectors.colleagues(scope)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_request_create(
                scope,
                schedule_id=form.cleaned_data["schedule"],
                kind=form.cleaned_data["kind"],
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                target_user_id=form.cleaned_data["target_user"],
                target_template=form.cleaned_data["target_template"],
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Request sent to your team lead."))
            return redirect("workforce_my_schedule")
    weeks = []
    for start in (monday, monday + timedelta(days=7)):
        days = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            days.append({"date": day, "shifts": [shift_label(s) for s in shifts if s.date == day]})
        weeks.append({"start": start, "days": days})
    return render(
        request,
        "workforce/my_schedule.html",
        {
            "weeks": weeks,
            "form": form if choices else None,
            "requests": selectors.schedule_request_list(scope, mine=True)[:30],
        },
        status=422 if form.errors else 200,
    )


# --- requests for team leads -----------------------------------------------------------------------------
@access_required(WorkforcePerm.APPROVE_REQUESTS)
def request_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    return render(
        request,
        "workforce/schedule_requests.html",
        {
            "pending": selectors.schedule_request_list(scope, status="pending")[:100],
            "decided": selectors.schedule_request_list(scope).exclude(status="pending")[:30],
        },
    )


@require_POST
@access_required(WorkforcePerm.APPROVE_REQUESTS)
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    scope = request.access
    pending = selectors.schedule_request_get(scope, request_id=request_id)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("workforce_requests")
    try:
        decided = services.schedule_request_decide(
            scope, request_id=pending.pk, approve=form.cleaned_data["approve"], note=form.cleaned_data["note"]
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Request %(status)s.") % {"status": decided.get_status_display()})
    return redirect("workforce_requests")


# --- capacity plan -----------------------------------------------------------------------------------------
@access_required(WorkforcePerm.VIEW)
def capacity(request: HttpRequest) -> HttpResponse:
    return render(request, "workforce/capacity.html", {"rows": selectors.capacity_plan(request.access)})


# --- shift templates and agent profiles ---------------------------------------------------------------
@access_required(WorkforcePerm.VIEW)
def shift_templates(request: HttpRequest) -> HttpResponse:
    scope = request.access
    form = (
        ShiftTemplateForm(request.POST or None, clients=tenancy_selectors.client_choices(request.access))
        if scope.has(WorkforcePerm.PLAN)
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.shift_template_create(
                scope,
                name=form.cleaned_data["name"],
                segments=form.cleaned_data["segments"],
                breaks=form.cleaned_data["breaks"],
                days=form.cleaned_data["days"],
                client_id=form.cleaned_data["client"],
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Shift saved."))
            return redirect("workforce_shift_templates")
    return render(
        request,
        "workforce/schedule_templates.html",
        {"templates": selectors.shift_template_list(scope), "form": form, "weekdays": dict(WEEKDAYS)},
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@access_required(WorkforcePerm.PLAN)
def shift_template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    services.shift_template_delete(request.access, template_id=template_id)
    messages.success(request, _("Shift removed."))
    return redirect("workforce_shift_templates")


@access_required(WorkforcePerm.VIEW)
def agent_profiles(request: HttpRequest) -> HttpResponse:
    """The profiles, and the form; `?user=<id>` opens the form on that agent's saved profile
    (skills from routing, the saved cost and rules), so saving it changes only what was edited."""
    scope = request.access
    profiles = selectors.with_routing_skills(scope, selectors.agent_profile_list(scope))
    form = None
    if scope.has(WorkforcePerm.PLAN):
        agents = [(pk, str(user)) for pk, user in services.schedulable_members(scope).items()]
        editing = next((p for p in profiles if str(p.user_id) == request.GET.get("user")), None)
        form = AgentProfileForm(
            request.POST or None,
            agents=agents,
            clients=tenancy_selectors.client_choices(request.access),
            initial=AgentProfileForm.initial_of(editing) if editing is not None else None,
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.agent_profile_set(
                    scope,
                    user_id=data.pop("user"),
                    client_id=data.pop("client"),
                    **data,
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("workforce_agent_profiles")
    return render(
        request,
        "workforce/schedule_profiles.html",
        {"profiles": profiles, "form": form},
        status=422 if form is not None and form.errors else 200,
    )
