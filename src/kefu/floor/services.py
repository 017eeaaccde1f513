"""The floor's writes: alarm thresholds, raising and clearing alarms (the periodic job), missed
offers as lead alerts, emergency plans and their steps (run and undone by a person, logged),
notices, and the supervisor's actions on a conversation (through the desk's services).

Every change a person makes is in the audit log; the live pages hear `floor.changed` on the
provider's (and, for shared alarms, the client's) floor group after commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.connectors import selectors as connector_selectors
from kefu.connectors import services as connector_services
from kefu.connectors.permissions import ConnectorPerm
from kefu.core import clock, realtime
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import permissions_for
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.floor import selectors
from kefu.floor.models import (
    BELOW,
    Alarm,
    AlarmKind,
    AlarmRule,
    AlarmStatus,
    EmergencyPlan,
    Metric,
    Notice,
    PlanStep,
    StepKind,
    StepRun,
)
from kefu.floor.permissions import FloorPerm
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.routing.permissions import RoutingPerm
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services

log = logging.getLogger(__name__)

# The assignment step writes `missed` when an offer times out; read by its string so the floor
# does not depend on that step's enum (docs/floor.md).
MISSED_TYPES = frozenset({"missed"})
MISSED_LOOKBACK = timedelta(hours=2)


# --- realtime groups -----------------------------------------------------------------------------
def provider_group(provider_id: int) -> str:
    return f"floor.provider.{provider_id}"


def client_group(client_id: int) -> str:
    return f"floor.client.{client_id}"


def user_group(user_id: int) -> str:
    return f"floor.user.{user_id}"


def _tell(alarm_or_row: Any, kind: str = "floor.changed", *, share: bool = False) -> None:
    realtime.publish_on_commit(provider_group(alarm_or_row.provider_id), kind)
    if share and alarm_or_row.client_id is not None:
        realtime.publish_on_commit(client_group(alarm_or_row.client_id), kind)


def _require_lead(scope: Scope, permission: str = FloorPerm.MANAGE_ALARMS) -> None:
    scope.require(permission)
    if not scope.is_provider or scope.provider_id is None:
        raise PermissionDenied()


# --- thresholds ----------------------------------------------------------------------------------
@transaction.atomic
def alarm_rule_create(
    scope: Scope,
    *,
    queue_id: int,
    metric: str,
    threshold: float,
    notify_client: bool = False,
    emergency_plan_id: int | None = None,
) -> AlarmRule:
    """A threshold on a queue's live figure (waiting, longest wait, service level %, seats online)."""
    _require_lead(scope)
    queue = routing_selectors.queue_get(scope, queue_id=queue_id)
    if metric not in Metric.values:
        raise Invalid(_("Unknown figure."), field="metric")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 100000:
        raise Invalid(
            _("Must be a number from %(low)s to %(high)s.") % {"low": 0, "high": 100000}, field="threshold"
        )
    if metric == Metric.SERVICE_LEVEL and threshold > 100:
        raise Invalid(_("A service level is a percentage (0 to 100)."), field="threshold")
    plan = None
    if emergency_plan_id is not None:
        plan = selectors.plan_get(scope, emergency_plan_id=emergency_plan_id)
        if plan.client_id != queue.client_id:
            raise Invalid(_("The plan is for another client."), field="emergency_plan_id")
    rule = AlarmRule.objects.create(
        provider_id=scope.provider_id,
        client_id=queue.client_id,
        queue=queue,
        metric=metric,
        threshold=float(threshold),
        notify_client=bool(notify_client),
        plan=plan,
        created_by_id=scope.user_id,
        created_at=clock.now(),
    )
    tenancy_services.audit_record(
        scope,
        action="floor.alarm_rule_create",
        target=rule,
        client_id=queue.client_id,
        data={"queue": queue.name, "metric": metric, "threshold": float(threshold)},
    )
    return rule


@transaction.atomic
def alarm_rule_delete(scope: Scope, *, rule_id: int) -> None:
    _require_lead(scope)
    rule = selectors.alarm_rule_get(scope, rule_id=rule_id, for_update=True)
    if rule.provider_id != scope.provider_id:
        raise NotFound()
    tenancy_services.audit_record(
        scope,
        action="floor.alarm_rule_delete",
        target=rule,
        client_id=rule.client_id,
        data={"queue": rule.queue.name, "metric": rule.metric, "threshold": rule.threshold},
    )
    rule.delete()


# --- evaluation ----------------------------------------------------------------------------------
def figure(metric: str, stats: Any) -> float | None:
    """The live figure a rule watches, from routing's queue stats (None: not judged yet)."""
    if metric == Metric.WAITING:
        return float(stats.waiting)
    if metric == Metric.LONGEST_WAIT:
        return float(stats.longest_wait_s)
    if metric == Metric.SERVICE_LEVEL:
        sl = stats.service_level_today
        return None if sl is None else round(sl * 100, 2)
    if metric == Metric.ONLINE_SEATS:
        by_state = stats.agents_by_state
        return float(sum(by_state.get(s, 0) for s in ("online", "busy", "after_contact_work")))
    return None


def breached(metric: str, value: float | None, threshold: float) -> bool:
    if value is None:
        return False
    return value < threshold if metric in BELOW else value > threshold


def _system_scope(provider_id: int) -> Scope:
    organization = tenancy_selectors.organization_list_all().get(pk=provider_id)
    clients = tenancy_selectors.partner_ids(organization)
    return Scope.system(
        provider_id=provider_id, client_ids=clients, permissions=frozenset(permissions_for("provider_admin"))
    )


def alarms_evaluate(scope: Scope, *, now: datetime | None = None) -> dict[str, int]:
    """Compare every active rule of the provider with its queue's figures now: raise an alarm for
    a rule newly out of bounds, clear an open one back in bounds; then turn new `missed` offer
    events into lead alerts. Idempotent: running it twice changes nothing more."""
    now = now or clock.now()
    done = {"raised": 0, "cleared": 0, "missed": 0}
    rules = list(AlarmRule.objects.for_scope(scope).filter(provider_id=scope.provider_id, active=True))
    stats_by_queue: dict[int, Any] = {}
    for rule in rules:
        if rule.queue_id not in stats_by_queue:
            try:
                stats_by_queue[rule.queue_id] = routing_selectors.queue_stats(
                    scope, queue_id=rule.queue_id, now=now
                )
            except NotFound:
                continue
        value = figure(rule.metric, stats_by_queue[rule.queue_id])
        with transaction.atomic():
            open_alarm = (
                Alarm.objects.for_scope(scope)
                .select_for_update()
                .filter(rule=rule)
                .exclude(status=AlarmStatus.CLEARED)
                .first()
            )
            if breached(rule.metric, value, rule.threshold):
                if open_alarm is None:
                    alarm = Alarm.objects.create(
                        provider_id=rule.provider_id,
                        client_id=rule.client_id,
                        kind=AlarmKind.THRESHOLD,
                        rule=rule,
                        queue_id=rule.queue_id,
                        metric=rule.metric,
                        threshold=rule.threshold,
                        value=value,
                        last_value=value,
                        notify_client=rule.notify_client,
                        raised_at=now,
                    )
                    _tell(alarm, "alarm.raised", share=alarm.notify_client)
                    done["raised"] += 1
                elif open_alarm.last_value != value:
                    open_alarm.last_value = value
                    open_alarm.save(update_fields=["last_value"])
            elif open_alarm is not None:
                open_alarm.status, open_alarm.cleared_at, open_alarm.last_value = (
                    AlarmStatus.CLEARED,
                    now,
                    value,
                )
                open_alarm.save(update_fields=["status", "cleared_at", "last_value"])
                _tell(open_alarm, share=open_alarm.notify_client)
                done["cleared"] += 1
    done["missed"] = missed_offers_raise(scope, now=now)
    return done


def missed_offers_raise(scope: Scope, *, now: datetime | None = None) -> int:
    """A lead alert per `missed` offer event not yet alerted (once per event, by its id)."""
    now = now or clock.now()
    made = 0
    events = selectors.missed_offer_events(scope, since=now - MISSED_LOOKBACK, types=MISSED_TYPES)
    known = set(
        Alarm.objects.for_scope(scope)
        .filter(kind=AlarmKind.MISSED_OFFER, raised_at__gte=now - MISSED_LOOKBACK - timedelta(hours=1))
        .values_list("event_id", flat=True)
    )
    for event in events.filter(provider_id=scope.provider_id):
        if event.pk in known or (event.data or {}).get("reason") == "declined":
            continue  # a decline is the agent's choice, not a lapse: no alert
        queue = (
            routing_selectors.queue_list(scope, client_id=event.client_id).filter(name=event.queue).first()
            if event.queue and event.client_id
            else None
        )
        try:
            with transaction.atomic():
                alarm = Alarm.objects.create(
                    provider_id=event.provider_id,
                    client_id=event.client_id,
                    kind=AlarmKind.MISSED_OFFER,
                    queue=queue,
                    agent_id=event.agent_id,
                    event_id=event.pk,
                    value=float(event.conversation_id),
                    raised_at=event.at,
                )
        except IntegrityError:  # another worker alerted it first
            continue
        _tell(alarm, "alarm.raised")
        made += 1
    return made


EVALUATE_EVERY_S = 2.0
_last_evaluated: dict[int, float] = {}


def alarms_evaluate_due(provider_id: int | None) -> dict[str, int] | None:
    """Evaluate a provider's alarms now unless this process did so in the last
    `EVALUATE_EVERY_S` (a wallboard saw the figures move); None when skipped."""
    if provider_id is None:
        return None
    moment = time.monotonic()
    if moment - _last_evaluated.get(provider_id, -EVALUATE_EVERY_S) < EVALUATE_EVERY_S:
        return None
    _last_evaluated[provider_id] = moment
    return alarms_evaluate(_system_scope(provider_id))


def alarms_job(now: datetime | None = None) -> dict[str, int]:
    """The periodic job (`floor.alarms`): every provider with rules or events, in turn."""
    totals = {"raised": 0, "cleared": 0, "missed": 0}
    providers = tenancy_selectors.organization_list_all().filter(kind="provider").values_list("pk", flat=True)
    for provider_id in providers:
        try:
            found = alarms_evaluate(_system_scope(provider_id), now=now)
        except Exception:  # one provider's failure must not stop the others' alarms
            log.exception("floor alarms failed for provider %s", provider_id)
            continue
        for key, value in found.items():
            totals[key] += value
    return totals


@transaction.atomic
def alarm_acknowledge(scope: Scope, *, alarm_id: int) -> Alarm:
    """A lead has seen it: it stays open until the figure recovers or someone clears it."""
    _require_lead(scope)
    alarm = selectors.alarm_get(scope, alarm_id=alarm_id)
    if alarm.status != AlarmStatus.RAISED:
        return alarm
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by_id = (
        AlarmStatus.ACKNOWLEDGED,
        clock.now(),
        scope.user_id,
    )
    alarm.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    tenancy_services.audit_record(
        scope, action="floor.alarm_acknowledge", target=alarm, client_id=alarm.client_id
    )
    _tell(alarm, share=alarm.notify_client)
    return alarm


@transaction.atomic
def alarm_clear(scope: Scope, *, alarm_id: int) -> Alarm:
    """Close it by hand (a threshold alarm still out of bounds is raised again by the next run)."""
    _require_lead(scope)
    alarm = selectors.alarm_get(scope, alarm_id=alarm_id)
    if alarm.status == AlarmStatus.CLEARED:
        return alarm
    alarm.status, alarm.cleared_at, alarm.cleared_by_id = AlarmStatus.CLEARED, clock.now(), scope.user_id
    alarm.save(update_fields=["status", "cleared_at", "cleared_by"])
    tenancy_services.audit_record(scope, action="floor.alarm_clear", target=alarm, client_id=alarm.client_id)
    _tell(alarm, share=alarm.notify_client)
    return alarm


# --- emergency plans -----------------------------------------------------------------------------
STEP_PERMISSION = {
    StepKind.OVERFLOW_ON: RoutingPerm.MANAGE_QUEUES,
    StepKind.RAISE_CONCURRENCY: RoutingPerm.MANAGE_QUEUES,
    StepKind.CALL_STANDBY: FloorPerm.MANAGE_ALARMS,
    StepKind.WIDGET_OFFLINE: ConnectorPerm.MANAGE,
}


def _int(params: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = params.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(
            _("Must be a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=key
        )
    return value


def _clean_step(scope: Scope, plan: EmergencyPlan, kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check a step's parameters against what the plan's client has; the adder must hold the
    permission the change needs (they authorise it; whoever confirms it later only confirms)."""
    if kind not in StepKind.values:
        raise Invalid(_("Unknown step."), field="kind")
    scope.require(STEP_PERMISSION[StepKind(kind)])
    params = params if isinstance(params, Mapping) else {}
    if kind in (StepKind.OVERFLOW_ON, StepKind.RAISE_CONCURRENCY):
        queue_id = _int(params, "queue_id", 1, 2**62)
        queue = routing_selectors.queue_get(scope, queue_id=queue_id)
        if queue.client_id != plan.client_id:
            raise NotFound(_("Unknown queue."), field="queue_id")
        if kind == StepKind.RAISE_CONCURRENCY:
            return {"queue_id": queue_id, "chats": _int(params, "chats", 1, 20)}
        target = _int(params, "overflow_queue_id", 1, 2**62)
        other = routing_selectors.queue_get(scope, queue_id=target)
        if other.client_id != plan.client_id or other.pk == queue.pk:
            raise NotFound(_("Unknown queue."), field="overflow_queue_id")
        return {
            "queue_id": queue_id,
            "overflow_queue_id": target,
            "overflow_after_s": _int(params, "overflow_after_s", 0, 3600),
        }
    if kind == StepKind.CALL_STANDBY:
        raw = params.get("agent_ids") or []
        ids = sorted({int(v) for v in raw if str(v).isdigit()}) if isinstance(raw, (list, tuple)) else []
        if not ids or not set(ids) <= routing_selectors.staff_ids(scope):
            raise Invalid(_("Choose agents of your team."), field="agent_ids")
        message = str(params.get("message") or "")[:200]
        return {"agent_ids": ids, "message": message}
    widget_id = _int(params, "widget_id", 1, 2**62)
    widget = connector_selectors.widget_get(scope, widget_id=widget_id)
    if widget.client_id != plan.client_id:
        raise NotFound(_("Unknown widget."), field="widget_id")
    return {"widget_id": widget_id}


@transaction.atomic
def plan_create(
    scope: Scope, *, client_id: int, name: str, steps: Sequence[Mapping[str, Any]] = ()
) -> EmergencyPlan:
    """A plan for one client with its ordered steps ({"kind", "params"})."""
    _require_lead(scope)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(_("Give the plan a name (at most 120 characters)."), field="name")
    plan = EmergencyPlan.objects.create(
        provider_id=scope.provider_id,
        client_id=client_id,
        name=name,
        created_by_id=scope.user_id,
        created_at=clock.now(),
    )
    for step in steps:
        plan_step_add(
            scope, emergency_plan_id=plan.pk, kind=step.get("kind", ""), params=step.get("params") or {}
        )
    tenancy_services.audit_record(
        scope, action="floor.plan_create", target=plan, client_id=client_id, data={"name": name}
    )
    return plan


@transaction.atomic
def plan_step_add(scope: Scope, *, emergency_plan_id: int, kind: str, params: Mapping[str, Any]) -> PlanStep:
    _require_lead(scope)
    plan = selectors.plan_get(scope, emergency_plan_id=emergency_plan_id)
    clean = _clean_step(scope, plan, kind, params)
    last = plan.steps.order_by("-position").values_list("position", flat=True).first() or 0
    step = PlanStep.objects.create(
        provider_id=plan.provider_id,
        client_id=plan.client_id,
        plan=plan,
        position=last + 1,
        kind=kind,
        params=clean,
    )
    tenancy_services.audit_record(
        scope,
        action="floor.plan_step_add",
        target=plan,
        client_id=plan.client_id,
        data={"kind": kind, **clean},
    )
    return step


@transaction.atomic
def plan_step_delete(scope: Scope, *, step_id: int) -> None:
    _require_lead(scope)
    step = selectors.plan_step_get(scope, step_id=step_id)
    tenancy_services.audit_record(
        scope,
        action="floor.plan_step_delete",
        target=step.plan,
        client_id=step.client_id,
        data={"kind": step.kind},
    )
    step.delete()


def _widget_scope(step: PlanStep) -> Scope:
    """The widget switch acts with the rights its plan's author proved when adding the step."""
    return connector_services.operator_scope(client_id=step.client_id, provider_id=step.provider_id)


def _apply(scope: Scope, step: PlanStep, alarm: Alarm | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Make the step's change through the owning app's service; (before, after)."""
    p = step.params
    if step.kind == StepKind.OVERFLOW_ON:
        queue = routing_selectors.queue_get(scope, queue_id=p["queue_id"])
        before = {"overflow_queue_id": queue.overflow_queue_id, "overflow_after_s": queue.overflow_after_s}
        after = {"overflow_queue_id": p["overflow_queue_id"], "overflow_after_s": p["overflow_after_s"]}
        routing_services.queue_update(scope, queue_id=queue.pk, **after)
        return before, after
    if step.kind == StepKind.RAISE_CONCURRENCY:
        queue = routing_selectors.queue_get(scope, queue_id=p["queue_id"])
        before = {"default_chat_concurrency": queue.default_chat_concurrency}
        after = {"default_chat_concurrency": p["chats"]}
        routing_services.queue_update(scope, queue_id=queue.pk, **after)
        return before, after
    if step.kind == StepKind.CALL_STANDBY:
        text = p.get("message") or str(_("Please come to the floor: the queues need you now."))
        ids = []
        for user_id in p["agent_ids"]:
            notice = Notice.objects.create(
                provider_id=step.provider_id,
                client_id=step.client_id,
                user_id=user_id,
                text=text[:300],
                sent_by_id=scope.user_id,
                created_at=clock.now(),
            )
            realtime.publish_on_commit(user_group(user_id), "notice.created", id=notice.pk)
            ids.append(notice.pk)
        return {}, {"notified": p["agent_ids"], "notice_ids": ids}
    widget_scope = _widget_scope(step)
    widget = connector_selectors.widget_get(widget_scope, widget_id=p["widget_id"])
    before = {"offline_now": widget.offline_now}
    connector_services.widget_update(widget_scope, widget_id=widget.pk, offline_now=True)
    return before, {"offline_now": True}


def _undo(scope: Scope, run: StepRun) -> None:
    step = run.step
    if step is None:
        raise Conflict(_("The step was deleted from its plan; change this by hand."))
    if run.kind in (StepKind.OVERFLOW_ON, StepKind.RAISE_CONCURRENCY):
        routing_services.queue_update(scope, queue_id=step.params["queue_id"], **run.before)
    elif run.kind == StepKind.CALL_STANDBY:
        Notice.objects.for_scope(scope).filter(
            pk__in=run.after.get("notice_ids", []), read_at__isnull=True
        ).update(read_at=clock.now())
        for user_id in run.after.get("notified", []):
            realtime.publish_on_commit(user_group(user_id), "notice.created")
    else:
        connector_services.widget_update(
            _widget_scope(step), widget_id=step.params["widget_id"], **run.before
        )


@transaction.atomic
def step_run(scope: Scope, *, step_id: int, alarm_id: int | None = None) -> StepRun:
    """A person confirms one step (for an alarm, or from the plan): the change is made now and
    logged with what it was before, so it can be undone."""
    _require_lead(scope)
    step = selectors.plan_step_get(scope, step_id=step_id)
    alarm = None
    if alarm_id is not None:
        alarm = selectors.alarm_get(scope, alarm_id=alarm_id)
        if alarm.rule is None or alarm.rule.plan_id != step.plan_id:
            raise NotFound(_("This step is not in the alarm's plan."), field="step_id")
    before, after = _apply(scope, step, alarm)
    run = StepRun.objects.create(
        provider_id=step.provider_id,
        client_id=step.client_id,
        step=step,
        alarm=alarm,
        kind=step.kind,
        before=before,
        after=after,
        done_by_id=scope.user_id,
        done_at=clock.now(),
    )
    tenancy_services.audit_record(
        scope,
        action="floor.plan_step_run",
        target=step.plan,
        client_id=step.client_id,
        data={"kind": step.kind, "before": before, "after": after},
    )
    _tell(run)
    return run


@transaction.atomic
def step_undo(scope: Scope, *, run_id: int) -> StepRun:
    _require_lead(scope)
    run = selectors.step_run_get(scope, run_id=run_id, for_update=True)
    if run.undone_at is not None:
        raise Conflict(_("This step was already undone."))
    _undo(scope, run)
    run.undone_at, run.undone_by_id = clock.now(), scope.user_id
    run.save(update_fields=["undone_at", "undone_by"])
    tenancy_services.audit_record(
        scope,
        action="floor.plan_step_undo",
        target=run.step.plan if run.step else None,
        client_id=run.client_id,
        data={"kind": run.kind, "restored": run.before},
    )
    _tell(run)
    return run


@transaction.atomic
def notice_send(
    *, provider_id: int | None, client_id: int | None, user_id: int, message: str, params: dict[str, Any]
) -> Notice:
    """A notice from the system (no sender) to one person's bell, live: the reminders other apps'
    periodic jobs raise (overdue complaints, coaching due: docs/quality-complaints.md). The
    caller's job decides who and when; the tenant keys are the row it reminds of.

    `message` is the English source marked with `gettext_noop` and `params` its values (JSON):
    the bell translates it for each reader. `text` keeps it in the active language (the job's
    reports language) for the API and the admin."""
    notice = Notice.objects.create(
        provider_id=provider_id,
        client_id=client_id,
        user_id=user_id,
        text=(gettext(message) % params)[:300],
        message=message,
        params=params,
        sent_by_id=None,
        created_at=clock.now(),
    )
    realtime.publish_on_commit(user_group(user_id), "notice.created", id=notice.pk)
    return notice


def notice_read(scope: Scope, *, notice_id: int) -> None:
    rows = selectors.notice_list(scope).filter(pk=notice_id)
    if not rows.exists():
        raise NotFound()
    rows.filter(read_at__isnull=True).update(read_at=clock.now())


# --- supervisor actions --------------------------------------------------------------------------
@transaction.atomic
def conversation_move(scope: Scope, *, conversation_id: int, queue_id: int) -> Any:
    """Move a waiting contact to another queue of its client."""
    _require_lead(scope, FloorPerm.SUPERVISE)
    current = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    queue = routing_selectors.queue_get(scope, queue_id=queue_id)
    if current.client_id != queue.client_id:
        raise NotFound(_("Unknown queue."), field="queue_id")
    conversation = desk_services.conversation_move_queue(
        scope, conversation_id=conversation_id, queue=queue.name
    )
    tenancy_services.audit_record(
        scope,
        action="floor.conversation_move",
        target=conversation,
        client_id=conversation.client_id,
        data={"to": queue.name},
    )
    return conversation


@transaction.atomic
def conversation_reassign(scope: Scope, *, conversation_id: int, agent_id: int | None = None) -> Any:
    """Hand a conversation to another agent, or take it over (agent_id None: the lead themself)."""
    _require_lead(scope, FloorPerm.SUPERVISE)
    target = agent_id if agent_id is not None else scope.user_id
    if target != scope.user_id and target not in routing_selectors.staff_ids(scope):
        raise Invalid(_("Choose an agent of your team."), field="agent_id")
    conversation = desk_services.conversation_assign(scope, conversation_id=conversation_id, agent_id=target)
    tenancy_services.audit_record(
        scope,
        action="floor.conversation_takeover" if target == scope.user_id else "floor.conversation_reassign",
        target=conversation,
        client_id=conversation.client_id,
        data={"agent_id": target},
    )
    return conversation


@transaction.atomic
def whisper(scope: Scope, *, conversation_id: int, body: str) -> Any:
    """An internal note to the agent on the conversation (the customer never sees notes)."""
    _require_lead(scope, FloorPerm.SUPERVISE)
    message = desk_services.message_post(
        scope,
        conversation_id=conversation_id,
        body=body,
        direction="note",
        channel_data={"whisper": True},
    )
    conversation = message.conversation
    if conversation.assignee_id is not None and conversation.assignee_id != scope.user_id:
        realtime.publish_on_commit(user_group(conversation.assignee_id), "whisper", id=conversation.pk)
    tenancy_services.audit_record(
        scope,
        action="floor.whisper",
        target=conversation,
        client_id=conversation.client_id,
        data={"seq": message.seq},
    )
    return message
