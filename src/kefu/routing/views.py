"""Queue pages (leads and provider admins edit; a client's managers read theirs) and the
workspace's presence switch (a partial the workspace header loads)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.core.errors import KefuError, PermissionDenied, status_for
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.routing import selectors, services
from kefu.routing.forms import PresenceForm, QueueForm
from kefu.routing.permissions import RoutingPerm
from kefu.tenancy import selectors as tenancy_selectors


def _queue_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(q.pk, f"{q.name}") for q in selectors.queue_list(request.access)]


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
                form_error(form, exc)
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
            editing=True,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.queue_update(scope, queue_id=queue.pk, **form.service_fields())
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Queue saved."))
                return redirect("routing_queue", queue_id=queue.pk)
    context = {
        "queue": queue,
        "form": form,
        "stats": selectors.queue_stats(scope, queue_id=queue.pk),
        "providers": selectors.queue_providers(scope, queue_id=queue.pk),
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
