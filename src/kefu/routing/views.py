"""Queue pages (leads and provider admins edit; a client's managers read theirs) and the
workspace's presence switch (a partial the workspace header loads)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.core.errors import KefuError, PermissionDenied, status_for
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.core.scope import Scope
from kefu.routing import selectors, services
from kefu.routing.forms import (
    CertificationForm,
    PeriodForm,
    PresenceForm,
    QueueForm,
    SharesForm,
    SkillForm,
)
from kefu.routing.permissions import RoutingPerm
from kefu.tenancy import selectors as tenancy_selectors


def _queue_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(q.pk, f"{q.name}") for q in selectors.queue_list(request.access)]


def _other_providers(scope: Scope, client_ids: set[int] | None = None) -> list[tuple[int, str]]:
    """Providers serving the client(s) besides the actor's own: where a queue may overflow to."""
    return [p for p in selectors.serving_providers(scope, client_ids=client_ids) if p[0] != scope.provider_id]


def _form_error(form: Any, exc: KefuError) -> None:
    """A service names `overflow_queue_id`; the form's field is `overflow_queue`."""
    if exc.field and exc.field not in form.fields and exc.field.removesuffix("_id") in form.fields:
        exc.field = exc.field.removesuffix("_id")
    form_error(form, exc)


@access_required(RoutingPerm.VIEW_QUEUES)
def queue_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_manage = scope.has(RoutingPerm.MANAGE_QUEUES) and scope.is_provider
    form = None
    if request.method == "POST" and not can_manage:
        raise PermissionDenied()
    if can_manage:
        form = QueueForm(
            request.POST or None,
            clients=tenancy_selectors.client_choices(scope),
            queues=_queue_choices(request),
            providers=_other_providers(scope),
        )
        if request.method == "POST" and form.is_valid():
            try:
                queue = services.queue_create(
                    scope,
                    client_id=form.cleaned_data["client"],
                    name=form.cleaned_data["name"],
                    **form.service_fields(),
                )
            except KefuError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Queue %(name)s created.") % {"name": queue.name})
                return redirect("routing_queues")
    queues = list(selectors.queue_list(scope))
    return render(
        request,
        "routing/queue_list.html",
        {"queues": queues, "form": form, "can_manage": can_manage},
        status=422 if form is not None and form.errors else 200,
    )


@access_required(RoutingPerm.VIEW_QUEUES)
def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    scope = request.access
    queue = selectors.queue_get(scope, queue_id=queue_id)
    can_manage = scope.has(RoutingPerm.MANAGE_QUEUES) and queue.provider_id == scope.provider_id
    if request.method == "POST" and not can_manage:
        raise PermissionDenied()
    form = None
    if can_manage:
        initial = {
            "client": queue.client_id,
            "name": queue.name,
            "overflow_queue": queue.overflow_queue_id,
            "overflow_provider": queue.overflow_provider_id,
            **{
                f: getattr(queue, f)
                for f in (
                    "business_type",
                    "channel",
                    "priority",
                    "sl_target_percent",
                    "sl_target_seconds",
                    "default_chat_concurrency",
                    "offer_timeout_s",
                    "auto_accept",
                    "overflow_after_s",
                    "active",
                )
            },
        }
        form = QueueForm(
            request.POST or None,
            initial=initial,
            clients=tenancy_selectors.client_choices(scope),
            queues=[c for c in _queue_choices(request) if c[0] != queue.pk],
            providers=_other_providers(scope, {queue.client_id}),
            editing=True,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.queue_update(scope, queue_id=queue.pk, **form.service_fields())
            except KefuError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Queue saved."))
                return redirect("routing_queue", queue_id=queue.pk)
    providers = selectors.queue_providers(scope, queue_id=queue.pk)
    context = {
        "queue": queue,
        "form": form,
        "shares_form": _shares_form(scope, queue, providers) if can_manage else None,
        "stats": selectors.queue_stats(scope, queue_id=queue.pk),
        "providers": providers,
        "required": selectors.queue_required_skills(scope, queue_id=queue.pk) if scope.is_provider else [],
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "routing/queue_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@access_required(RoutingPerm.PRESENCE_OWN)
def presence_switch(request: HttpRequest) -> HttpResponse:
    """The one-click switch in the workspace header: GET renders it, POST sets the caller's state."""
    scope = request.access
    error = ""
    status = 200
    if request.method == "POST":
        form = PresenceForm(request.POST)
        if form.is_valid() and scope.user_id is not None:
            try:
                services.presence_set(
                    scope,
                    agent_id=scope.user_id,
                    state=form.cleaned_data["state"],
                    reason=(form.cleaned_data["reason"] or "")
                    if form.cleaned_data["state"] == "break"
                    else "",
                )
            except KefuError as exc:
                error, status = str(exc.message), status_for(exc)
        else:
            error, status = _("Choose a state."), 422
        if not request.htmx and not error:
            return redirect("desk_inbox")
    current = selectors.presence_get(scope, user_id=scope.user_id) if scope.user_id else None
    return render(
        request,
        "routing/_presence_switch.html",
        {"current": current, "choices": PresenceForm.base_fields["reason"].choices, "error": error},
        status=status,
    )


# --- the planned split and how it came out --------------------------------------------------------
def _shares_form(scope: Scope, queue: Any, providers: list, data: Any = None) -> SharesForm:
    serving = dict(selectors.serving_providers(scope, client_ids={queue.client_id}))
    for row in providers:
        serving.setdefault(row.provider_id, row.provider.name)
    return SharesForm(
        data,
        providers=sorted(serving.items(), key=lambda item: (item[0] != scope.provider_id, item[1])),
        initial_shares={row.provider_id: row.share_percent for row in providers},
    )


@require_http_methods(["POST"])
@access_required(RoutingPerm.MANAGE_QUEUES)
def queue_shares(request: HttpRequest, queue_id: int) -> HttpResponse:
    """Save the planned split (the queue's page shows the form, and again with errors)."""
    scope = request.access
    queue = selectors.queue_get(scope, queue_id=queue_id)
    if queue.provider_id != scope.provider_id:
        raise PermissionDenied()
    providers = selectors.queue_providers(scope, queue_id=queue.pk)
    form = _shares_form(scope, queue, providers, request.POST)
    if form.is_valid():
        try:
            services.queue_providers_set(
                scope, queue_id=queue.pk, shares={k: v for k, v in form.shares().items() if v}
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Planned split saved."))
            return redirect("routing_queue", queue_id=queue.pk)
    context = {
        "queue": queue,
        "form": None,
        "shares_form": form,
        "stats": selectors.queue_stats(scope, queue_id=queue.pk),
        "providers": providers,
        "required": selectors.queue_required_skills(scope, queue_id=queue.pk),
    }
    return render(request, "routing/queue_detail.html", context, status=422)


@access_required(RoutingPerm.VIEW_QUEUES)
def queue_split(request: HttpRequest, queue_id: int) -> HttpResponse:
    """Planned against realised split of one queue over a period (default: the last seven days)."""
    scope = request.access
    queue = selectors.queue_get(scope, queue_id=queue_id)
    form = PeriodForm(request.GET or None)
    report, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 422
    else:
        dates = form.cleaned_data if form.is_bound else {}
        try:
            start, end = selectors.report_period(
                dates.get("date_from") and dates["date_from"].isoformat(),
                dates.get("date_to") and dates["date_to"].isoformat(),
            )
        except KefuError as exc:
            form.add_error("date_from" if exc.field == "from" else "date_to", str(exc.message))
            status = 422
        else:
            report = selectors.queue_split(scope, queue_id=queue.pk, start=start, end=end)
            if not form.is_bound:
                form = PeriodForm(
                    initial={"date_from": start.date(), "date_to": (end - timedelta(days=1)).date()}
                )
    return render(
        request, "routing/queue_split.html", {"queue": queue, "form": form, "report": report}, status=status
    )


# --- skills, the agent × skill grid, certifications ----------------------------------------------
@access_required(RoutingPerm.MANAGE_SKILLS)
def skill_list(request: HttpRequest) -> HttpResponse:
    """The provider's skills: add one, rename one or change its kind."""
    scope = request.access
    form = SkillForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            skill = services.skill_define(
                scope, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Skill %(name)s added.") % {"name": skill.name})
            return redirect("routing_skills")
    return _skill_page(request, form, None, status=422 if form.errors else 200)


def _skill_page(
    request: HttpRequest, form: SkillForm, editing: tuple[int, SkillForm] | None, status: int
) -> HttpResponse:
    skills = list(selectors.skills_for_managers(request.access))
    rows = []
    for skill in skills:
        if editing is not None and editing[0] == skill.pk:
            rows.append((skill, editing[1]))
        else:
            rows.append(
                (skill, SkillForm(prefix=f"s{skill.pk}", initial={"kind": skill.kind, "name": skill.name}))
            )
    return render(request, "routing/skill_list.html", {"form": form, "rows": rows}, status=status)


@require_http_methods(["POST"])
@access_required(RoutingPerm.MANAGE_SKILLS)
def skill_edit(request: HttpRequest, skill_id: int) -> HttpResponse:
    scope = request.access
    skill = selectors.skill_get(scope, skill_id=skill_id)
    form = SkillForm(request.POST, prefix=f"s{skill.pk}")
    if form.is_valid():
        try:
            services.skill_update(
                scope, skill_id=skill.pk, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Skill saved."))
            return redirect("routing_skills")
    return _skill_page(request, SkillForm(prefix="new"), (skill.pk, form), status=422)


GRID_CHANNELS = ("chat", "email", "phone")


@access_required(RoutingPerm.MANAGE_SKILLS)
def skill_grid(request: HttpRequest) -> HttpResponse:
    """Agents × skills (levels 1–5, blank: none) and each agent's own limit per channel."""
    scope = request.access
    kind = request.GET.get("kind") or None
    grid = selectors.skill_grid(scope, kind=kind)
    errors: dict[str, str] = {}
    grid_error = ""
    posted: dict[str, str] = {}
    if request.method == "POST":
        levels: dict[tuple[int, int], int | None] = {}
        capacity: dict[tuple[int, str], int | None] = {}
        for user in grid.agents:
            for skill in grid.skills:
                name = f"level-{user.pk}-{skill.pk}"
                if name in request.POST:
                    posted[name] = request.POST[name].strip()
                    levels[(user.pk, skill.pk)] = _cell(posted[name], 1, 5, name, errors)
            for channel in GRID_CHANNELS:
                name = f"cap-{user.pk}-{channel}"
                if name in request.POST:
                    posted[name] = request.POST[name].strip()
                    capacity[(user.pk, channel)] = _cell(posted[name], 1, 20, name, errors)
        if not errors:
            try:
                changed = services.skill_grid_save(scope, levels=levels, capacity=capacity)
            except KefuError as exc:
                grid_error = str(exc.message)
            else:
                messages.success(request, _("Saved: %(n)s changes.") % {"n": changed})
                return redirect(request.get_full_path())
    rows = []
    for user in grid.agents:
        cells = []
        for skill in grid.skills:
            name = f"level-{user.pk}-{skill.pk}"
            stored = grid.levels.get((user.pk, skill.pk))
            cells.append(
                (name, posted.get(name, "" if stored is None else str(stored)), errors.get(name), skill.name)
            )
        caps = []
        labels = dict(QueueForm.base_fields["channel"].choices)
        for channel in GRID_CHANNELS:
            name = f"cap-{user.pk}-{channel}"
            stored = grid.capacity.get((user.pk, channel))
            caps.append(
                (
                    name,
                    posted.get(name, "" if stored is None else str(stored)),
                    errors.get(name),
                    labels[channel],
                )
            )
        rows.append((user, cells, caps))
    context = {
        "grid": grid,
        "rows": rows,
        "kind": kind or "",
        "kinds": SkillForm.base_fields["kind"].choices,
        "channels": [
            (c, label) for c, label in QueueForm.base_fields["channel"].choices if c in GRID_CHANNELS
        ],
        "levels": range(1, 6),
        "errors": errors,
        "grid_error": grid_error,
    }
    return render(request, "routing/skill_grid.html", context, status=422 if errors or grid_error else 200)


def _cell(text: str, low: int, high: int, name: str, errors: dict[str, str]) -> int | None:
    """A grid cell: blank is None, else a whole number within [low, high] (else an error kept)."""
    if text == "":
        return None
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    errors[name] = _("Must be a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return None


@access_required(RoutingPerm.CERTIFY)
def certification_list(request: HttpRequest) -> HttpResponse:
    """Certifications of the provider's agents, expiring ones highlighted; certify and revoke."""
    scope = request.access
    agents = [(u.pk, u.display_name or u.username) for u in selectors.staff_list(scope)]
    form = CertificationForm(
        request.POST or None,
        agents=agents,
        clients=tenancy_selectors.client_choices(scope),
        initial={"valid_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        until = data["valid_until"]
        try:
            services.certification_create(
                scope,
                user_id=data["user"],
                client_id=data["client"],
                valid_from=datetime.combine(data["valid_from"], time.min, tzinfo=tz),
                valid_until=None
                if until is None
                else datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz),
                note=data["note"],
            )
        except KefuError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Certification recorded."))
            return redirect("routing_certifications")
    now = timezone.now()
    client_filter = request.GET.get("client", "")
    rows = [
        (c, selectors.certification_status(c, now=now))
        for c in selectors.certifications_for_managers(
            scope, client_id=int(client_filter) if client_filter.isdigit() else None
        )
    ]
    # what needs a trainer's attention first: ending soon (soonest first), then the rest
    rank = {"expiring": 0, "upcoming": 1, "valid": 2, "expired": 3, "revoked": 4}
    rows.sort(key=lambda row: (rank[row[1]], row[0].valid_until or datetime.max.replace(tzinfo=now.tzinfo)))
    context = {
        "form": form,
        "rows": rows,
        "clients": tenancy_selectors.client_choices(scope),
        "client_filter": client_filter,
        "soon_days": selectors.EXPIRING_SOON_DAYS,
        "expiring": sum(1 for _c, status in rows if status == "expiring"),
    }
    return render(request, "routing/certification_list.html", context, status=422 if form.errors else 200)


@require_http_methods(["POST"])
@access_required(RoutingPerm.CERTIFY)
def certification_revoke(request: HttpRequest, certification_id: int) -> HttpResponse:
    services.certification_revoke(request.access, certification_id=certification_id)
    messages.success(request, _("Certification revoked."))
    return redirect("routing_certifications")
