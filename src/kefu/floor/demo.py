"""The demo's floor: today's published shifts for 丁卯's agents (so real-time adherence has
something to compare), thresholds on every chat queue, and an emergency plan for 悦家 linked to
its service-level alarm. The alarms are judged once at load; the worker's job keeps judging.
Runs after the routing and connectors demos (queues, presence, the widget)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.connectors import selectors as connector_selectors
from kefu.core import clock
from kefu.core.errors import KefuError
from kefu.desk import services as desk_services
from kefu.floor import services
from kefu.routing import demo as routing_demo
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.workforce.rostering import services as rostering_services

THRESHOLDS = (
    ("waiting", 3, False),
    ("longest_wait_s", 120, True),
    ("service_level", 80, True),
    ("online_seats", 2, False),
)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _todays_shifts(scope: object, agents: list, client: object) -> None:
    """A schedule of this week for the shop, published, with a shift today around now for each
    agent (a lunch break in it when it spans noon)."""
    now = timezone.localtime(clock.now())
    today = now.date()
    minute = now.hour * 60 + now.minute
    start = max(0, (minute - 180) // 30 * 30)
    end = min(1440, start + 360)
    rostering_services.shift_template_create(scope, name="现场班", segments=[[_hhmm(start), _hhmm(end)]])
    schedule = rostering_services.schedule_create(
        scope,
        client_id=client.pk,
        week_start=today - dt.timedelta(days=today.weekday()),
        required={"悦家-在线": [0] * 336},
        solve=False,
    )
    made = 0
    for agent in agents:
        try:
            rostering_services.schedule_shift_edit(
                scope, schedule_id=schedule.pk, user_id=agent.pk, day=today, template="现场班"
            )
        except KefuError:  # the labour rules say no (e.g. too little rest before next week's shift)
            continue
        made += 1
    if made:
        rostering_services.schedule_publish(scope, schedule_id=schedule.pk)


WAITING = (
    ("yuejia", "悦家-在线", "你好，我昨天下单的沙发什么时候发货？"),
    ("yuejia", "悦家-在线", "餐桌尺寸可以定制吗？"),
    ("yuejia", "悦家-在线", "优惠券用不了，帮忙看一下"),
    ("yuejia", "悦家-在线", "床垫有现货吗？"),
    ("qingyu", "轻语-在线", "精华液敏感肌能用吗？"),
    ("jike", "极客-在线", "耳机左边没声音了"),
)


def _waiting_now(scope: object) -> None:
    """Customers writing right now and not yet taken: the wallboard's queues wait and tick."""
    for slug, queue, message in WAITING:
        client = tenancy_selectors.organization_by_slug(slug)
        if client is not None:
            desk_services.conversation_create(
                scope, channel="chat", client_id=client.pk, queue=queue, message=message
            )


def _past_shifts(scope: object, agents: list, client: object, *, history_days: int) -> int:
    """Published schedules for the replayed days before this week, with the shifts the replayed
    presence follows (`routing.demo.presence_shift`), so adherence has a plan to compare with."""
    today = timezone.localdate(clock.now())
    this_monday = today - dt.timedelta(days=today.weekday())
    first = today - dt.timedelta(days=history_days)
    names = []
    for n, ((start, stop), (meal, meal_end)) in enumerate(routing_demo.SHIFTS):
        name = ("早班 09-18", "晚班 14-23")[n]  # the workforce demo has its own 早班 and 晚班
        length = meal_end - meal
        rostering_services.shift_template_create(
            scope,
            name=name,
            segments=[[_hhmm(start), _hhmm(stop)]],
            breaks=[{"length": length, "earliest": _hhmm(meal), "latest": _hhmm(meal)}],
        )
        names.append((name, meal))
    made = 0
    monday = first - dt.timedelta(days=first.weekday())
    while monday < this_monday:
        schedule = rostering_services.schedule_create(
            scope, client_id=client.pk, week_start=monday, required={"悦家-在线": [0] * 336}, solve=False
        )
        week = 0
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            if day < first:
                continue
            for index, agent in enumerate(agents):
                shift = routing_demo.presence_shift(index, day)
                if shift is None:
                    continue
                name, meal = names[routing_demo.SHIFTS.index(shift)]
                try:
                    rostering_services.schedule_shift_edit(
                        scope, schedule_id=schedule.pk, user_id=agent.pk, day=day, template=name,
                        break_starts=[meal],
                    )  # fmt: skip
                except KefuError:  # a labour rule says no, or an agent without a work profile
                    continue
                week += 1
        if week:
            rostering_services.schedule_publish(scope, schedule_id=schedule.pk)
        made += week
        monday += dt.timedelta(days=7)
    return made


def load(*, history_days: int = 0) -> None:
    provider = tenancy_selectors.organization_by_slug("dingmao")
    yuejia = tenancy_selectors.organization_by_slug("yuejia")
    if provider is None or yuejia is None:
        return
    admin = tenancy_selectors.membership_list_for_role(provider, role="provider_admin")[0].user
    scope = tenancy_selectors.scope_for_user(admin, organization_id=provider.pk)
    assert scope is not None
    agents = [m.user for m in tenancy_selectors.membership_list_for_role(provider, role="agent")]
    _past_shifts(scope, agents, yuejia, history_days=history_days)
    _todays_shifts(scope, agents, yuejia)

    queues = {q.name: q for q in routing_selectors.queue_list(scope)}
    steps = []
    if "悦家-在线" in queues:
        chat = queues["悦家-在线"]
        steps.append({"kind": "raise_concurrency", "params": {"queue_id": chat.pk, "chats": 5}})
        if "悦家-邮件" in queues:
            steps.append(
                {
                    "kind": "overflow_on",
                    "params": {
                        "queue_id": chat.pk,
                        "overflow_queue_id": queues["悦家-邮件"].pk,
                        "overflow_after_s": 90,
                    },
                }
            )
    steps.append(
        {
            "kind": "call_standby",
            "params": {"agent_ids": [a.pk for a in agents[-2:]], "message": "大促进线量激增，请立即上线支援"},
        }
    )
    widget = connector_selectors.widget_list(scope).filter(client_id=yuejia.pk).first()
    if widget is not None:
        steps.append({"kind": "widget_offline", "params": {"widget_id": widget.pk}})
    plan = services.plan_create(scope, client_id=yuejia.pk, name="大促进线激增应急预案", steps=steps)

    for name, queue in queues.items():
        if queue.channel != "chat":
            continue
        for metric, threshold, shared in THRESHOLDS:
            services.alarm_rule_create(
                scope,
                queue_id=queue.pk,
                metric=metric,
                threshold=threshold,
                notify_client=shared,
                emergency_plan_id=plan.pk if (name == "悦家-在线" and metric == "service_level") else None,
            )
    _waiting_now(scope)
    services.alarms_evaluate(scope)
