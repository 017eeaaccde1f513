"""Floor pages: the wallboard (first paint here, then re-fetched partials on socket hints), alarms
and thresholds, emergency plans, a conversation seen from the floor, and the header's bell."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.connectors import selectors as connector_selectors
from kefu.connectors.permissions import ConnectorPerm
from kefu.core.errors import KefuError, NotFound, PermissionDenied, status_for
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.floor import selectors, services
from kefu.floor.forms import (
    AgentStateForm,
    AlarmRuleForm,
    AssignForm,
    MoveForm,
    PlanForm,
    StepForm,
    WhisperForm,
)
from kefu.floor.permissions import FloorPerm
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.tenancy import selectors as tenancy_selectors


def _queues(request: HttpRequest, client_id: int | None = None) -> list[tuple[int, str]]:
    return [(q.pk, q.name) for q in routing_selectors.queue_list(request.access, client_id=client_id)]


def _agents(request: HttpRequest) -> list[tuple[int, str]]:
    return [(row.user_id, row.name) for row in selectors.agent_rows(request.access)]


def _wallboard_context(request: HttpRequest, state_error: dict | None = None) -> dict:
    scope = request.access
    can_supervise = scope.is_provider and scope.has(FloorPerm.SUPERVISE)
    return {
        "board": selectors.wallboard(scope),
        "can_supervise": can_supervise,
        "waiting": selectors.waiting_conversations(scope) if can_supervise else [],
        "live": selectors.live_conversations(scope) if can_supervise else [],
        "state_choices": AgentStateForm.base_fields["state"].choices,
        "reason_choices": AgentStateForm.base_fields["reason"].choices,
        "state_error": state_error,
    }


@access_required(FloorPerm.VIEW_WALLBOARD)
def wallboard(request: HttpRequest) -> HttpResponse:
    template = "floor/_wallboard.html" if request.htmx else "floor/wallboard.html"
    return render(request, template, _wallboard_context(request))


@access_required(FloorPerm.VIEW_WALLBOARD)
def alarms(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_manage = scope.is_provider and scope.has(FloorPerm.MANAGE_ALARMS)
    form = None
    if can_manage:
        form = AlarmRuleForm(
            request.POST or None,
            queues=_queues(request),
            plans=[(p.pk, p.name) for p in selectors.plan_list(scope)],
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.alarm_rule_create(
                    scope,
                    queue_id=form.cleaned_data["queue"],
                    metric=form.cleaned_data["metric"],
                    threshold=form.cleaned_data["threshold"],
                    notify_client=form.cleaned_data["notify_client"],
                    emergency_plan_id=form.cleaned_data["plan"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Threshold added."))
                return redirect("floor_alarms")
    elif request.method == "POST":
        raise PermissionDenied()
    context = {
        "form": form,
        "rules": selectors.alarm_rule_list(scope),
        "alarms": selectors.alarm_list(scope)[:100],
        "can_manage": can_manage,
    }
    return render(
        request, "floor/alarms.html", context, status=422 if form is not None and form.errors else 200
    )


@access_required(FloorPerm.VIEW_WALLBOARD)
def alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    scope = request.access
    alarm = selectors.alarm_get(scope, alarm_id=alarm_id)
    can_manage = scope.is_provider and scope.has(FloorPerm.MANAGE_ALARMS)
    steps, runs = [], []
    if can_manage and alarm.rule is not None and alarm.rule.plan_id is not None:
        steps = selectors.plan_steps(scope, emergency_plan_id=alarm.rule.plan_id)
        runs = list(selectors.step_run_list(scope, alarm_id=alarm.pk))
    return render(
        request,
        "floor/alarm_detail.html",
        {"alarm": alarm, "steps": steps, "runs": runs, "can_manage": can_manage},
    )


@require_POST
@access_required(FloorPerm.MANAGE_ALARMS)
def alarm_action(request: HttpRequest, alarm_id: int, action: str) -> HttpResponse:
    if action == "acknowledge":
        services.alarm_acknowledge(request.access, alarm_id=alarm_id)
    else:
        services.alarm_clear(request.access, alarm_id=alarm_id)
    if request.POST.get("back") == "wallboard":
        return redirect("floor_wallboard")
    return redirect("floor_alarm", alarm_id=alarm_id)


@require_POST
@access_required(FloorPerm.MANAGE_ALARMS)
def rule_delete(request: HttpRequest, alarm_rule_id: int) -> HttpResponse:
    services.alarm_rule_delete(request.access, rule_id=alarm_rule_id)
    messages.success(request, _("Threshold removed."))
    return redirect("floor_alarms")


@require_POST
@access_required(FloorPerm.MANAGE_ALARMS)
def step_run(request: HttpRequest, step_id: int) -> HttpResponse:
    alarm_id = request.POST.get("alarm")
    alarm = int(alarm_id) if alarm_id and alarm_id.isdigit() else None
    try:
        services.step_run(request.access, step_id=step_id, alarm_id=alarm)
    except KefuError as exc:
        if status_for(exc) == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Step done and logged."))
    if alarm is not None:
        return redirect("floor_alarm", alarm_id=alarm)
    return redirect(
        "floor_plan", emergency_plan_id=selectors.plan_step_get(request.access, step_id=step_id).plan_id
    )


@require_POST
@access_required(FloorPerm.MANAGE_ALARMS)
def run_undo(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.step_run_get(request.access, run_id=run_id)
    try:
        services.step_undo(request.access, run_id=run_id)
    except KefuError as exc:
        if status_for(exc) == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Step undone."))
    if run.alarm_id is not None:
        return redirect("floor_alarm", alarm_id=run.alarm_id)
    return redirect("floor_plans")


@access_required(FloorPerm.MANAGE_ALARMS)
def plans(request: HttpRequest) -> HttpResponse:
    scope = request.access
    form = PlanForm(request.POST or None, clients=tenancy_selectors.client_choices(scope))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                scope, client_id=form.cleaned_data["client"], name=form.cleaned_data["name"]
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            return redirect("floor_plan", emergency_plan_id=plan.pk)
    return render(
        request,
        "floor/plans.html",
        {"plans": selectors.plan_list(scope), "form": form},
        status=422 if form.errors else 200,
    )


@access_required(FloorPerm.MANAGE_ALARMS)
def plan_detail(request: HttpRequest, emergency_plan_id: int) -> HttpResponse:
    scope = request.access
    plan = selectors.plan_get(scope, emergency_plan_id=emergency_plan_id)
    widgets = []
    if scope.has(ConnectorPerm.VIEW):
        widgets = [
            (w.pk, w.name or str(w.pk))
            for w in connector_selectors.widget_list(scope).filter(client_id=plan.client_id)
        ]
    form = StepForm(
        request.POST or None,
        queues=_queues(request, plan.client_id),
        agents=_agents(request),
        widgets=widgets,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_step_add(
                scope, emergency_plan_id=plan.pk, kind=form.cleaned_data["kind"], params=form.params()
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Step added."))
            return redirect("floor_plan", emergency_plan_id=plan.pk)
    context = {
        "plan": plan,
        "steps": selectors.plan_steps(scope, emergency_plan_id=plan.pk),
        "runs": selectors.step_run_list(scope, emergency_plan_id=plan.pk)[:50],
        "form": form,
    }
    return render(request, "floor/plan_detail.html", context, status=422 if form.errors else 200)


@access_required(FloorPerm.SUPERVISE)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A live conversation seen from the floor: read-only, with whisper, move and hand-over."""
    scope = request.access
    seen = selectors.monitor(scope, conversation_id=conversation_id)
    current = seen["conversation"]
    queues = [(q.pk, q.name) for q in routing_selectors.queue_list(scope, client_id=current.client_id)]
    forms = {
        "move": MoveForm(queues=queues),
        "assign": AssignForm(agents=_agents(request)),
        "whisper": WhisperForm(),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        form = forms.get(action)
        if form is not None:
            form = type(form)(
                request.POST,
                **({"queues": queues} if action == "move" else {}),
                **({"agents": _agents(request)} if action == "assign" else {}),
            )
            forms[action] = form
        try:
            if action == "takeover":
                services.conversation_reassign(scope, conversation_id=conversation_id)
            elif form is not None and form.is_valid():
                if action == "move":
                    services.conversation_move(
                        scope, conversation_id=conversation_id, queue_id=form.cleaned_data["queue"]
                    )
                elif action == "assign":
                    services.conversation_reassign(
                        scope, conversation_id=conversation_id, agent_id=form.cleaned_data["agent"]
                    )
                else:
                    services.whisper(scope, conversation_id=conversation_id, body=form.cleaned_data["body"])
            else:
                status = 422
        except KefuError as exc:
            if status_for(exc) == 404 and exc.field is None:
                raise
            if form is not None:
                form_error(form, exc)
            else:
                messages.error(request, str(exc.message))
            status = status_for(exc)
        if status == 200:
            messages.success(request, _("Done."))
            return redirect("floor_conversation", conversation_id=conversation_id)
        seen = selectors.monitor(scope, conversation_id=conversation_id)
    template = "floor/_monitor_messages.html" if request.htmx else "floor/conversation.html"
    return render(request, template, {**seen, "forms": forms}, status=status)


@require_POST
@access_required(FloorPerm.SUPERVISE)
def agent_state(request: HttpRequest, agent_id: int) -> HttpResponse:
    """A lead sets an agent's state from the wallboard (routing's service: history, source "lead").
    A bad state or reason comes back as the wallboard with the error on that agent's row (422)."""
    # whose agent (404) before the input (422), as in the service
    if agent_id not in routing_selectors.staff_ids(request.access):
        raise NotFound(_("Unknown agent."), field="agent_id")
    form = AgentStateForm(request.POST)
    if form.is_valid():
        try:
            routing_services.presence_set(
                request.access,
                agent_id=agent_id,
                state=form.cleaned_data["state"],
                reason=form.cleaned_data["reason"],
            )
        except KefuError as exc:
            if status_for(exc) == 404:
                raise
            form_error(form, exc)
        else:
            return redirect("floor_wallboard")
    message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    error = {"agent_id": agent_id, "message": message}
    return render(request, "floor/wallboard.html", _wallboard_context(request, error), status=422)


@access_required()
def bell(request: HttpRequest) -> HttpResponse:
    """The header's bell: open alarms for leads, one's unread notices (a partial)."""
    return render(request, "floor/_bell.html", {"bell": selectors.bell(request.access)})


@require_POST
@access_required(FloorPerm.NOTICES)
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    services.notice_read(request.access, notice_id=notice_id)
    return render(request, "floor/_bell.html", {"bell": selectors.bell(request.access)})
