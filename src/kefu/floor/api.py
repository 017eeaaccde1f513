"""The floor over the API: the wallboard, real-time adherence, alarms and thresholds, emergency
plans and their steps, and a lead's actions on a conversation. Errors: the API's one shape."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from kefu.floor import selectors, services
from kefu.floor.schemas import (
    AdherenceOut,
    AlarmOut,
    AlarmRuleIn,
    AlarmRuleOut,
    ConversationRefOut,
    FloorAssignIn,
    MoveIn,
    PlanIn,
    PlanOut,
    StepRunIn,
    StepRunOut,
    WallboardOut,
    WhisperIn,
)

router = Router(tags=["floor"])


def _adherence(row: Any) -> dict[str, Any]:
    return {**row.__dict__, "adherence_today": row.share}


def _plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = selectors.plan_get(request.access, emergency_plan_id=plan_id)
    return {
        "id": plan.pk,
        "client_id": plan.client_id,
        "name": plan.name,
        "steps": selectors.plan_steps(request.access, emergency_plan_id=plan.pk),
    }


@router.get("/floor/wallboard", response=WallboardOut)
def get_wallboard(request: HttpRequest) -> object:
    """The live figures the wallboard shows, as the caller may see them."""
    board = selectors.wallboard(request.access)
    return {
        "at": board.at,
        "queues": board.queues,
        "agents_by_state": board.agents_by_state,
        "agents": board.agents,
        "adherence": [_adherence(r) for r in board.adherence],
        "alarms": board.alarms,
    }


@router.get("/floor/adherence", response=list[AdherenceOut])
def get_adherence(request: HttpRequest) -> object:
    return [_adherence(r) for r in selectors.adherence_rows(request.access)]


@router.get("/floor/alarms", response=list[AlarmOut])
def list_alarms(request: HttpRequest, open_only: bool = False) -> object:
    return selectors.alarm_list(request.access, open_only=open_only)[:200]


@router.post("/floor/alarms/{alarm_id}/acknowledge", response=AlarmOut)
def acknowledge_alarm(request: HttpRequest, alarm_id: int) -> object:
    return services.alarm_acknowledge(request.access, alarm_id=alarm_id)


@router.post("/floor/alarms/{alarm_id}/clear", response=AlarmOut)
def clear_alarm(request: HttpRequest, alarm_id: int) -> object:
    return services.alarm_clear(request.access, alarm_id=alarm_id)


@router.get("/floor/alarm-rules", response=list[AlarmRuleOut])
def list_alarm_rules(request: HttpRequest) -> object:
    return selectors.alarm_rule_list(request.access)


@router.post("/floor/alarm-rules", response={201: AlarmRuleOut})
def create_alarm_rule(request: HttpRequest, payload: AlarmRuleIn) -> object:
    return Status(201, services.alarm_rule_create(request.access, **payload.dict()))


@router.delete("/floor/alarm-rules/{alarm_rule_id}", response={204: None})
def delete_alarm_rule(request: HttpRequest, alarm_rule_id: int) -> object:
    services.alarm_rule_delete(request.access, rule_id=alarm_rule_id)
    return Status(204, None)


@router.get("/floor/plans", response=list[PlanOut])
def list_plans(request: HttpRequest) -> object:
    return [_plan(request, p.pk) for p in selectors.plan_list(request.access)]


@router.post("/floor/plans", response={201: PlanOut})
def create_plan(request: HttpRequest, payload: PlanIn) -> object:
    plan = services.plan_create(
        request.access,
        client_id=payload.client_id,
        name=payload.name,
        steps=[s.dict() for s in payload.steps],
    )
    return Status(201, _plan(request, plan.pk))


@router.get("/floor/plans/{emergency_plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, emergency_plan_id: int) -> object:
    return _plan(request, emergency_plan_id)


@router.post("/floor/steps/{step_id}/run", response={201: StepRunOut})
def run_step(request: HttpRequest, step_id: int, payload: StepRunIn) -> object:
    """Confirm one step (for an alarm, or from the plan): the change is made and logged."""
    return Status(201, services.step_run(request.access, step_id=step_id, alarm_id=payload.alarm_id))


@router.post("/floor/step-runs/{run_id}/undo", response=StepRunOut)
def undo_step(request: HttpRequest, run_id: int) -> object:
    return services.step_undo(request.access, run_id=run_id)


@router.post("/floor/conversations/{conversation_id}/move", response=ConversationRefOut)
def move_conversation(request: HttpRequest, conversation_id: int, payload: MoveIn) -> object:
    return services.conversation_move(
        request.access, conversation_id=conversation_id, queue_id=payload.queue_id
    )


@router.post("/floor/conversations/{conversation_id}/assign", response=ConversationRefOut)
def assign_conversation(request: HttpRequest, conversation_id: int, payload: FloorAssignIn) -> object:
    """Hand it to an agent of the team, or (agent_id null) take it over."""
    return services.conversation_reassign(
        request.access, conversation_id=conversation_id, agent_id=payload.agent_id
    )


@router.post("/floor/conversations/{conversation_id}/whisper", response={201: ConversationRefOut})
def whisper(request: HttpRequest, conversation_id: int, payload: WhisperIn) -> object:
    message = services.whisper(request.access, conversation_id=conversation_id, body=payload.body)
    return Status(201, message.conversation)
