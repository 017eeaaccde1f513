"""A planner's week, prepared: forecasts from the replayed event log, staffing plans, and a schedule.

Runs after the desk demo, so the forecasts read the same `offered` events the reports count.
Queues are named after the shops; agents are profiled with overlapping skills.
"""

from __future__ import annotations

import datetime as dt

from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Organization
from kefu.workforce.staffing import PlanTargets

TEMPLATES = [
    ("早班", [["09:00", "18:00"]], [{"length": 60, "earliest": "11:30", "latest": "13:30"}]),
    ("中班", [["12:00", "21:00"]], [{"length": 60, "earliest": "16:30", "latest": "18:30"}]),
    ("晚班", [["15:00", "24:00"]], [{"length": 60, "earliest": "17:30", "latest": "19:30"}]),
]
MIN_HISTORY_DAYS = 14
# The shops' chat targets: 80 % answered within 30 s, 4-minute chats, three at once per agent.
CHAT_TARGETS = PlanTargets(aht_s=240, target_answer_s=30, target_sl=0.8, shrinkage=0.25, concurrency=3)


def load(*, today: dt.date, history_days: int) -> bool:
    """Returns False when there is too little history to forecast from."""
    if history_days < MIN_HISTORY_DAYS:
        return False
    from kefu.desk import demo as desk_demo
    from kefu.workforce import services
    from kefu.workforce.rostering import services as rostering_services

    chat_queues = {slug: channels["chat"] for slug, channels in desk_demo.QUEUES.items()}

    provider = Organization.objects.get(slug="dingmao")
    planner = tenancy_selectors.membership_list_for_role(provider, role="workforce_planner")[0].user
    scope = tenancy_selectors.scope_for_user(planner, organization_id=provider.pk)
    assert scope is not None
    plans: dict[str, int] = {}
    shops = {shop.slug: shop for shop in desk_demo.SHOPS}
    for slug, queue in chat_queues.items():
        client = Organization.objects.get(slug=slug)
        shop = shops[slug]
        campaign_day = today - dt.timedelta(days=shop.campaign_days_ago)
        # The shop's past campaign day, declared so the forecast learns its uplift instead of
        # mistaking it for a busy weekday.
        services.campaign_create(
            scope,
            client_id=client.pk,
            name=shop.campaign_name,
            start_date=campaign_day,
            end_date=campaign_day,
        )
        run = services.forecast_run_create_from_events(
            scope, client_id=client.pk, interval_minutes=60, horizon_days=14
        )
        plan = services.staffing_plan_create(scope, forecast_id=run.pk, **CHAT_TARGETS.as_dict())
        plans[queue] = plan.pk
    for name, segments, breaks in TEMPLATES:
        rostering_services.shift_template_create(scope, name=name, segments=segments, breaks=breaks)
    agents = [m.user for m in tenancy_selectors.membership_list_for_role(provider, role="agent")]
    shops = list(desk_demo.QUEUES)
    for index, agent in enumerate(agents):
        # Half the agents serve every shop; the others two shops each. Each shop's skill covers
        # its chat, email and phone queues (only chat is planned: it is most of the volume).
        served = shops if index < len(agents) // 2 else [shops[index % 3], shops[(index + 1) % 3]]
        skills = [name for slug in served for name in desk_demo.QUEUES[slug].values()]
        rostering_services.agent_profile_set(
            scope,
            user_id=agent.pk,
            skills=skills,
            min_hours_per_week=24,
            max_hours_per_week=40,
            hourly_cost=28.0,
        )
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    schedule = rostering_services.schedule_create(
        scope,
        client_id=None,
        week_start=next_monday,
        queues=plans,
        interval_minutes=30,
        time_limit_s=20,
        wait=True,  # solved here: the demo's agents see a published week at once
    )
    if schedule.solver_status in {"OPTIMAL", "FEASIBLE"}:
        rostering_services.schedule_publish(scope, schedule_id=schedule.pk)
    return True
