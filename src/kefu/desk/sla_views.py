"""Service hours and SLA policies of a client, as pages.

The client's administrators change them (`DeskPerm.MANAGE_SETTINGS`, a client-side grant);
the provider's staff and the client's other members read the same page without the forms,
so everyone works to the terms the client set. Rules live in `desk.services.client_settings`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.desk import selectors, services
from kefu.desk.forms import CHANNELS
from kefu.desk.forms_sla import (
    HOLIDAY_MODES,
    WEEKDAY_LABELS,
    CalendarForm,
    SlaPolicyForm,
    format_duration,
    hours_text,
)
from kefu.desk.permissions import DeskPerm
from kefu.tenancy import selectors as tenancy_selectors

CHANNEL_LABELS = {"": _("Every other channel"), **dict(CHANNELS)}


def _client(request: HttpRequest) -> tuple[list[tuple[int, str]], int | None]:
    """The clients the actor may look at and the one asked for (another's id: 404)."""
    clients = tenancy_selectors.client_choices(request.access)
    raw = request.GET.get("client") or request.POST.get("client") or ""
    ids = [pk for pk, _name in clients]
    if raw:
        if not raw.isdigit() or int(raw) not in ids:
            raise NotFound()
        return clients, int(raw)
    return clients, ids[0] if ids else None


def _can_manage(request: HttpRequest) -> bool:
    scope = request.access
    return scope.has(DeskPerm.MANAGE_SETTINGS) and scope.is_client


def _edit_ids(policy_id: int) -> str:
    """Field ids of a policy's edit form, unique on the page (several policies, one add form)."""
    return f"id_policy{policy_id}_%s"


def _policy_rows(request: HttpRequest, client_id: int, edit_forms: dict[int, SlaPolicyForm]) -> list[Any]:
    rows = []
    for policy in selectors.sla_policy_list(request.access, client_id=client_id):
        rows.append(
            {
                "policy": policy,
                "channel": CHANNEL_LABELS.get(policy.channel, policy.channel),
                "targets": [
                    format_duration(policy.first_response_s),
                    format_duration(policy.next_response_s) or "—",
                    format_duration(policy.resolution_s) or "—",
                    format_duration(policy.l2_resolution_s) or "—",
                ],
                "warn": round(policy.warn_ratio * 100),
                "form": edit_forms.get(policy.pk)
                or SlaPolicyForm(
                    editing=True, initial=SlaPolicyForm.initial_from(policy), auto_id=_edit_ids(policy.pk)
                ),
            }
        )
    return rows


def _page(
    request: HttpRequest,
    clients: list[tuple[int, str]],
    client_id: int | None,
    *,
    status: int = 200,
    calendar_form: CalendarForm | None = None,
    policy_form: SlaPolicyForm | None = None,
    edit_forms: dict[int, SlaPolicyForm] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"clients": clients, "client_id": client_id, "can_manage": _can_manage(request)}
    if client_id is not None:
        view = selectors.service_calendar_view(request.access, client_id=client_id)
        weekly = view["weekly"]
        overrides = view["overrides"]
        context.update(
            {
                "calendar": view,
                "week": [(label, hours_text(weekly.get(day)) or None) for day, label in WEEKDAY_LABELS],  # type: ignore[union-attr]
                "holiday_mode": dict(HOLIDAY_MODES).get(view["holiday_mode"], ""),  # type: ignore[arg-type]
                "overrides": [(day, hours_text(hours)) for day, hours in sorted(overrides.items())],  # type: ignore[union-attr]
                "policies": _policy_rows(request, client_id, edit_forms or {}),
                "calendar_form": calendar_form or CalendarForm(initial=CalendarForm.initial_from(view)),
                "policy_form": policy_form or SlaPolicyForm(),
            }
        )
    return render(request, "desk/sla/settings.html", context, status=status)


@access_required(DeskPerm.VIEW)
def sla_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the client's hours and targets; POST (`action` calendar | add_policy) saves."""
    clients, client_id = _client(request)
    if request.method != "POST":
        return _page(request, clients, client_id)
    if not _can_manage(request) or client_id is None:
        raise NotFound()
    action = request.POST.get("action")
    if action == "calendar":
        form: CalendarForm | SlaPolicyForm = CalendarForm(request.POST)
        slot = "calendar_form"
    elif action == "add_policy":
        form = SlaPolicyForm(request.POST)
        slot = "policy_form"
    else:
        raise NotFound()
    if form.is_valid():
        try:
            if isinstance(form, CalendarForm):
                services.service_calendar_set(request.access, client_id=client_id, **form.calendar())
                messages.success(request, _("Service hours saved."))
            else:
                services.sla_policy_create(request.access, client_id=client_id, **form.policy())
                messages.success(request, _("SLA policy added."))
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            form_error(form, exc)
    if form.errors:
        return _page(request, clients, client_id, status=422, **{slot: form})
    return redirect(f"{reverse('desk_sla')}?client={client_id}")


@require_POST
@access_required(DeskPerm.MANAGE_SETTINGS)
def sla_policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Save a policy's targets, or delete it (`delete`)."""
    scope = request.access
    policy = selectors.sla_policy_get(scope, policy_id=policy_id)
    if request.POST.get("delete"):
        services.sla_policy_delete(scope, policy_id=policy.pk)
        messages.success(request, _("SLA policy deleted."))
        return redirect(f"{reverse('desk_sla')}?client={policy.client_id}")
    form = SlaPolicyForm(request.POST, editing=True, auto_id=_edit_ids(policy.pk))
    if form.is_valid():
        try:
            services.sla_policy_update(scope, policy_id=policy.pk, **form.policy())
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            form_error(form, exc)
    if form.errors:
        clients = tenancy_selectors.client_choices(scope)
        return _page(request, clients, policy.client_id, status=422, edit_forms={policy.pk: form})
    messages.success(request, _("SLA policy saved."))
    return redirect(f"{reverse('desk_sla')}?client={policy.client_id}")
