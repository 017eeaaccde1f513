"""The demo's routing: a queue per shop and channel, agents certified for the shops they serve,
some online, some on a break. Runs after the workforce demo, whose agent profiles give the
agents their queue skills (through `routing.services.agent_queue_skills_set`)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.routing import selectors, services
from kefu.tenancy import selectors as tenancy_selectors

CONCURRENCY = {"chat": 3, "email": 1, "phone": 1}
BUSINESS = {"chat": "pre_sales", "email": "after_sales", "phone": "general"}
SPLIT = {"jike": 80}
OFFERING_SHOP = "yuejia"  # 极客数码 moves to 丁卯 gradually: 80 % planned here, the rest at 星河


def load(*, queues: dict[str, dict[str, str]], history_days: int = 0) -> None:
    """`queues`: queue names per shop slug and channel (the desk demo's `QUEUES`); the agents'
    presence history of the last `history_days` days is replayed first (`replay_presence`)."""
    provider = tenancy_selectors.organization_by_slug("dingmao")
    if provider is None:
        return
    lead = tenancy_selectors.membership_list_for_role(provider, role="supervisor")[0].user
    scope = tenancy_selectors.scope_for_user(lead, organization_id=provider.pk)
    assert scope is not None
    agents = [m.user for m in tenancy_selectors.membership_list_for_role(provider, role="agent")]
    now = clock.now()
    for slug, channels in queues.items():
        client = tenancy_selectors.organization_by_slug(slug)
        if client is None:
            continue
        for channel, name in channels.items():
            queue = services.queue_create(
                scope,
                client_id=client.pk,
                name=name,
                channel=channel,
                business_type=BUSINESS[channel],
                priority=3 if channel == "chat" else 5,
                default_chat_concurrency=CONCURRENCY[channel],
                sl_target_percent=80,
                sl_target_seconds=30 if channel == "chat" else 3600 * 4 if channel == "email" else 20,
                # 悦家's chats are offered (Accept / Decline in the workspace), the others assigned at once
                auto_accept=not (slug == OFFERING_SHOP and channel == "chat"),
                offer_timeout_s=60,
            )
            others = selectors.serving_provider_ids(scope, client_id=client.pk) - {provider.pk}
            if slug in SPLIT and others:
                shares = {provider.pk: SPLIT[slug], min(others): 100 - SPLIT[slug]}
                services.queue_providers_set(scope, queue_id=queue.pk, shares=shares)
        served = {
            u for u, queues in selectors.agents_queues(scope).items() if set(queues) & set(channels.values())
        }
        for agent in agents:
            if agent.pk in served or not served:
                services.certification_create(
                    scope,
                    user_id=agent.pk,
                    client_id=client.pk,
                    valid_from=now - dt.timedelta(days=60),
                    valid_until=now + dt.timedelta(days=300),
                    note="上岗考试通过",
                )
    if not selectors.agents_queues(scope):  # a short demo without workforce's profiles: all serve all
        admin = tenancy_selectors.membership_list_for_role(provider, role="provider_admin")[0].user
        admin_scope = tenancy_selectors.scope_for_user(admin, organization_id=provider.pk)
        assert admin_scope is not None
        names = [name for channels in queues.values() for name in channels.values()]
        for agent in agents:
            services.agent_queue_skills_set(admin_scope, user_id=agent.pk, queues=names)
    replay_presence(scope, agents, today=timezone.localdate(now), history_days=history_days)
    states = [("online", ""), ("online", ""), ("break", "meal"), ("online", ""), ("after_contact_work", "")]
    states += [("break", "training"), ("online", "")]
    for agent, (state, reason) in zip(agents, states, strict=False):
        services.presence_set(scope, agent_id=agent.pk, state=state, reason=reason)
    _skills(scope, agents, queues, now)
    _second_provider(now)


def _second_provider(now: dt.datetime) -> None:
    """星河 serves 极客数码 beside 丁卯 (the planned split): its agents are certified and online, so
    极客数码's chats go to both providers by the plan and move to 星河 when it is 星河's turn."""
    provider = tenancy_selectors.organization_by_slug("xinghe")
    client = tenancy_selectors.organization_by_slug("jike")
    if provider is None or client is None:
        return
    admins = tenancy_selectors.membership_list_for_role(provider, role="provider_admin")
    if not admins:
        return
    scope = tenancy_selectors.scope_for_user(admins[0].user, organization_id=provider.pk)
    assert scope is not None
    for membership in tenancy_selectors.membership_list_for_role(provider, role="agent"):
        services.certification_create(
            scope,
            user_id=membership.user.pk,
            client_id=client.pk,
            valid_from=now - dt.timedelta(days=30),
            valid_until=now + dt.timedelta(days=330),
            note="接手极客数码，上岗考试通过",
        )
        services.presence_set(scope, agent_id=membership.user.pk, state="online")


# The shifts the replayed presence follows (local minutes): an early and a late shift with a meal
# break, agents alternating by day so both are covered.
SHIFTS = (((9 * 60, 18 * 60), (12 * 60, 13 * 60)), ((14 * 60, 23 * 60), (18 * 60, 19 * 60)))
BLOCK_MINUTES = 30
HANDLING_SHARE = {"busy": 0.55, "after_contact_work": 0.15}  # the rest of a block: online


def presence_shift(agent_index: int, day: dt.date) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The shift (work, meal break) an agent follows that day, or None on a day off (two a week)."""
    if (day.toordinal() + agent_index) % 7 in (0, 1):
        return None
    return SHIFTS[(day.toordinal() // 7 + agent_index) % 2]


def replay_presence(
    scope: Scope, agents: list, *, today: dt.date, history_days: int, seed: int = 2026
) -> None:
    """The agents' presence over the replayed days, set through `presence_set` at the moment it
    happened: signing in a few minutes late now and then, busy, after-contact work or online in
    half-hour blocks, the meal break (sometimes overrun) and signing off. Occupancy,
    utilisation, concurrency and adherence are computed from these rows (docs/metrics.md)."""
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    end = clock.now()
    for days_ago in range(history_days, 0, -1):
        day = today - dt.timedelta(days=days_ago)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        moments: list[tuple[dt.datetime, int, str, str]] = []
        for index in range(len(agents)):
            shift = presence_shift(index, day)
            if shift is None:
                continue
            (start, stop), (meal, meal_end) = shift
            late = rng.choice((0, 0, 0, 2, 5, 12))
            overrun = rng.choice((0, 0, 0, 4, 9))
            minute = start + late
            while minute < stop:
                if meal <= minute < meal_end:
                    moments.append((midnight + dt.timedelta(minutes=minute), index, "break", "meal"))
                    minute = meal_end + overrun
                    continue
                draw, state = rng.random(), "online"
                if draw < HANDLING_SHARE["busy"]:
                    state = "busy"
                elif draw < HANDLING_SHARE["busy"] + HANDLING_SHARE["after_contact_work"]:
                    state = "after_contact_work"
                moments.append((midnight + dt.timedelta(minutes=minute), index, state, ""))
                after = minute - minute % BLOCK_MINUTES + BLOCK_MINUTES
                minute = min(after, meal if minute < meal else stop, stop)
            moments.append(
                (midnight + dt.timedelta(minutes=stop + rng.choice((0, 0, 3))), index, "offline", "")
            )
        for at, index, state, reason in sorted(moments, key=lambda m: (m[0], m[1])):
            if at >= end:
                continue
            with clock.at(at):
                services.presence_set(scope, agent_id=agents[index].pk, state=state, reason=reason)


SKILLS = [
    ("language", "英语"),
    ("language", "粤语"),
    ("product", "数码产品"),
    ("product", "家居家电"),
    ("tier", "二线"),
]


def _skills(scope: Scope, agents: list, queues: dict[str, dict[str, str]], now: dt.datetime) -> None:
    """Levels on the lead's grid, one agent's own chat limit, and a certification ending soon (the
    certifications page highlights it)."""
    made = [services.skill_define(scope, kind=kind, name=name) for kind, name in SKILLS]
    for i, agent in enumerate(agents):
        levels = {skill.pk: 1 + (i * 3 + j * 2) % 5 for j, skill in enumerate(made) if (i + j) % 3 != 2}
        services.agent_skills_put(scope, user_id=agent.pk, levels=levels)
    if agents:
        services.agent_capacity_put(scope, user_id=agents[0].pk, limits={"chat": 4})
        client = tenancy_selectors.organization_by_slug(next(iter(queues), ""))
        if client is not None:
            services.certification_create(
                scope,
                user_id=agents[-1].pk,
                client_id=client.pk,
                valid_from=now - dt.timedelta(days=350),
                valid_until=now + dt.timedelta(days=12),
                note="年度复训待考",
            )
