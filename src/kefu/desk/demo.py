"""Weeks of service-desk history for the demo shops, replayed through the real services.

Every conversation, message, assignment, resolution, escalation and case goes through
`desk.services` at the moment it "happened" (`core.clock.at`), so the event log, the SLA
breaches and every figure computed later agree with the rows, as they would in production.
Arrivals follow an e-commerce day (a late-morning peak and a bigger one at 20:00–23:00),
weekends run higher, and each shop had one campaign day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kefu.core import clock
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import demo_history, services
from kefu.knowledge import selectors as knowledge_selectors
from kefu.knowledge import services as knowledge_services
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Organization, User

# Arrivals per hour relative to the day's mean hour, 09:00–23:00 (service 09:00–24:00).
HOURLY_WEIGHT = {
    9: 0.5, 10: 0.9, 11: 1.25, 12: 0.9, 13: 0.7, 14: 0.8, 15: 0.85, 16: 0.75,
    17: 0.65, 18: 0.65, 19: 0.85, 20: 1.35, 21: 1.55, 22: 1.4, 23: 0.85,
}  # fmt: skip
WEEKEND_FACTOR = 1.25


@dataclass(frozen=True)
class ShopProfile:
    slug: str
    daily_conversations: int
    campaign_days_ago: int
    campaign_name: str
    campaign_factor: float
    topics: tuple[tuple[str, str, str], ...]  # (category, customer's first message, agent's answer)
    case_type: str


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鑫浩宇轩然晨曦悦"

# The provider's queue per shop and channel: agents see theirs under "My queues" (their work
# profile's skills) and the planner staffs the chat queues (kefu.workforce.demo).
QUEUES = {
    "yuejia": {"chat": "悦家-在线", "email": "悦家-邮件", "phone": "悦家-热线"},
    "qingyu": {"chat": "轻语-在线", "email": "轻语-邮件", "phone": "轻语-热线"},
    "jike": {"chat": "极客-在线", "email": "极客-邮件", "phone": "极客-热线"},
}

SHOPS = (
    ShopProfile(
        "yuejia",
        14,
        9,
        "店庆大促",
        2.6,
        (
            (
                "物流/催发货",
                "我前天下的单，怎么还没发货？",
                "亲，仓库今天会安排发出，发货后物流信息会同步给您~",
            ),
            (
                "售前咨询/商品咨询",
                "这款沙发三人位的尺寸是多少？能进电梯吗？",
                "三人位长2.1米、深0.95米，可拆靠背，常规电梯可以进的哦",
            ),
            (
                "售后/安装预约",
                "床到了，什么时候有师傅上门安装？",
                "已为您登记安装，师傅会在24小时内电话联系您预约时间",
            ),
            (
                "退换货/换货",
                "柜门有划痕，我要换货",
                "非常抱歉给您添麻烦了，麻烦拍一下划痕照片，我们马上为您办理换货",
            ),
            (
                "投诉/服务投诉",
                "安装师傅迟到两个小时，太不专业了！",
                "实在抱歉影响您的体验，已记录并反馈给安装服务商，会给您一个交代",
            ),
        ),
        "exchange",
    ),
    ShopProfile(
        "qingyu",
        18,
        13,
        "会员日",
        2.2,
        (
            ("售前咨询/商品咨询", "黄皮适合哪个色号的口红？", "黄皮亲推荐03枫叶红和05豆沙色，显白又日常~"),
            (
                "售后/产品不适",
                "用了面霜脸上起红疹了怎么办",
                "请先停用并用清水洗脸，如持续不适请就医；我们为您登记退款处理",
            ),
            ("物流/查件", "快递显示签收了但我没收到", "帮您联系快递核实，可能放在驿站了，稍后给您回复"),
            ("售前咨询/活动优惠", "现在买送小样吗？", "亲，满299送同系列小样三件套，下单自动赠送哦"),
            ("退款", "不想要了，没拆封可以退吗", "未拆封支持7天无理由退货，您在订单页申请退货即可"),
        ),
        "refund",
    ),
    ShopProfile(
        "jike",
        11,
        5,
        "新品首发",
        2.8,
        (
            (
                "售后/保修",
                "耳机左耳没声音了，还在保修期吗",
                "您的耳机在一年保修期内，帮您申请寄修，运费我们承担",
            ),
            ("售前咨询/商品咨询", "这个充电器能给笔记本充电吗？", "支持PD 65W，主流Type-C笔记本都可以充"),
            (
                "发票",
                "能开增值税专票吗",
                "可以的，请提供公司名称、税号、开户行和账号，我们3个工作日内开具",
            ),
            ("售后/激活问题", "新买的平板激活不了", "请先连接Wi-Fi并更新系统，如仍失败，我们远程协助您"),
            (
                "投诉/质量投诉",
                "刚买一周屏幕就坏点了，要求退货！",
                "非常抱歉，已为您升级处理，售后专员会尽快联系您办理退货",
            ),
        ),
        "return",
    ),
)


CATEGORY_TREE = (
    "售前咨询/商品咨询", "售前咨询/活动优惠", "物流/催发货", "物流/查件", "物流/破损丢件",
    "退换货/退货", "退换货/换货", "退款", "售后/保修", "售后/安装预约", "售后/产品不适",
    "售后/激活问题", "投诉/服务投诉", "投诉/质量投诉", "发票", "其他",
)  # fmt: skip
"""Every demo shop's category tree (问题分类); the topics above resolve into its leaves."""

# (name, stands for, pauses SLA clocks): each shop's own statuses
CUSTOM_STATUSES = (
    ("等快递反馈", "pending_client", True),
    ("等顾客补充照片", "pending_customer", True),
    ("仓库核实中", "pending_client", False),
)


def _scope_for(user: User, organization: Organization) -> Scope:
    scope = tenancy_selectors.scope_for_user(user, organization_id=organization.pk)
    if scope is None:
        raise RuntimeError(f"{user} has no membership in {organization}")
    return scope


def _arrivals(rng: random.Random, day: dt.date, shop: ShopProfile, days_ago: int) -> Iterator[dt.datetime]:
    """Arrival times on one day: a Poisson count per hour from the shop's daily curve."""
    factor = WEEKEND_FACTOR if day.weekday() >= 5 else 1.0
    if days_ago == shop.campaign_days_ago:
        factor *= shop.campaign_factor
    mean_hour = shop.daily_conversations / len(HOURLY_WEIGHT)
    for hour, weight in HOURLY_WEIGHT.items():
        expected = mean_hour * weight * factor
        count = _poisson(rng, expected)
        for _ in range(count):
            minute = rng.uniform(0, 60)
            naive = dt.datetime.combine(day, dt.time(hour)) + dt.timedelta(minutes=minute)
            yield timezone.make_aware(naive)


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means of one shop-hour.
    limit, product, count = pow(2.718281828459045, -mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def replay_steps(history_days: int) -> int:
    """How many times `load` calls `on_day`: once per shop and replayed day (for a progress bar)."""
    return len(SHOPS) * (history_days + 1)


def load(
    *,
    today: dt.date,
    history_days: int = 28,
    seed: int = 2026,
    on_day: Callable[[int], None] | None = None,
) -> int:
    """Replay `history_days` days up to now; returns the number of conversations made.

    `on_day(conversations_so_far)` is called after each shop's day, so a command can show progress."""
    rng = random.Random(seed)
    organizations = {o.slug: o for o in Organization.objects.all()}
    provider = organizations["dingmao"]
    agents = [m.user for m in tenancy_selectors.membership_list_for_role(provider, role="agent")]
    now = timezone.now()
    created = 0
    live_turns = itertools.count()
    for shop in SHOPS:
        client = organizations[shop.slug]
        client_admin = tenancy_selectors.membership_list_for_role(client, role="client_admin")[0].user
        l2_members = tenancy_selectors.membership_list_for_role(client, role="client_l2")
        client_scope = _scope_for(client_admin, client)
        with clock.at(now - dt.timedelta(days=history_days + 1)):
            services.sla_policy_create(
                client_scope, client_id=client.pk, channel="", first_response_s=60, next_response_s=120,
                resolution_s=4 * 3600, l2_resolution_s=24 * 3600,
            )  # fmt: skip
            services.category_tree_ensure(client_scope, client_id=client.pk, paths=list(CATEGORY_TREE))
            statuses = [
                services.custom_status_create(
                    client_scope, client_id=client.pk, name=name, maps_to=maps_to, pauses_sla=pauses,
                    position=position,
                )
                for position, (name, maps_to, pauses) in enumerate(CUSTOM_STATUSES)
            ]  # fmt: skip
        waiting_photos = next(s.pk for s in statuses if s.maps_to == "pending_customer")
        system = Scope.system(
            provider_id=provider.pk, client_ids=frozenset({client.pk}), permissions=all_permissions()
        )
        agent_scopes = [_scope_for(agent, provider) for agent in agents]
        live_agent = next(
            (sc for sc, a in zip(agent_scopes, agents, strict=True) if a.username == LIVE_AGENT), None
        )
        l2_scope = _scope_for(l2_members[0].user, client) if l2_members else None
        customers: list[int] = []
        phrases = _phrase_ids(agent_scopes[0], client_id=client.pk)
        for days_ago in range(history_days, -1, -1):
            day = today - dt.timedelta(days=days_ago)
            for arrival in sorted(_arrivals(rng, day, shop, days_ago)):
                if arrival > now:
                    continue
                _replay_conversation(
                    rng, shop=shop, client=client, arrival=arrival, now=now, system=system,
                    agent_scopes=agent_scopes, l2_scope=l2_scope,
                    customers=customers, waiting_status_id=waiting_photos, phrases=phrases,
                    live_agent=live_agent, live_turns=live_turns,
                )  # fmt: skip
                created += 1
            if on_day is not None:
                on_day(created)
    return created


# The quick phrases (kefu.knowledge.demo) the replayed agents send, by shortcut: the knowledge demo
# loads first, so each use is counted by the real service and the picker's "most used" order and
# the phrase list's use counts reflect the replayed history.
HOLD_ON, CLOSING = "dd", "bye"
# Conversations that arrived this recently before the demo starts are still going: the customer
# has just answered and waits for the agent, so agents open the demo on a live day.
LIVE_WINDOW = dt.timedelta(hours=2)
LIVE_AGENT = "zhangwei"  # the agent account README.md names first


def _phrase_ids(scope: Scope, *, client_id: int) -> dict[str, tuple[int, str]]:
    """The client's demo phrases the replay sends: shortcut → (id, text)."""
    found = knowledge_selectors.quick_phrase_list(scope, client_id=client_id).filter(
        shortcut__in=[HOLD_ON, CLOSING]
    )
    return {p.shortcut: (p.pk, p.body) for p in found}


def _send_phrase(
    scope: Scope, conversation_id: int, phrases: dict[str, tuple[int, str]], shortcut: str
) -> bool:
    """Send a quick phrase as an agent does (the text, then the use counted); False without it."""
    if shortcut not in phrases:
        return False
    phrase_id, body = phrases[shortcut]
    services.message_post(scope, conversation_id=conversation_id, body=body)
    knowledge_services.quick_phrase_use(scope, phrase_ids=[phrase_id])
    return True


def _customer_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _replay_conversation(
    rng: random.Random,
    *,
    shop: ShopProfile,
    client: Organization,
    arrival: dt.datetime,
    now: dt.datetime,
    system: Scope,
    agent_scopes: list[Scope],
    l2_scope: Scope | None,
    customers: list[int],
    waiting_status_id: int | None = None,
    phrases: dict[str, tuple[int, str]] | None = None,
    live_agent: Scope | None = None,
    live_turns: Iterator[int] | None = None,
) -> None:
    phrases = phrases or {}
    live_turns = live_turns if live_turns is not None else itertools.count()
    category, question, answer = rng.choice(shop.topics)
    presales = demo_history.is_presales(category)
    if presales:  # no order yet: a share of these chats ends with one (demo_history.order_from_chat)
        question = demo_history.presales_question(rng, shop.slug, question)
    order_number = f"{arrival:%y%m%d}{rng.randrange(10**9):09d}"
    channel = rng.choices(("chat", "email", "phone"), weights=(85, 8, 7))[0]
    with clock.at(arrival):
        if customers and rng.random() < 0.2 and channel != "email":  # a reply by email needs an address
            customer_id = rng.choice(customers)
        else:
            customer = services.customer_create(
                system,
                client_id=client.pk,
                name=_customer_name(rng),
                phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                email=f"buyer{order_number}@example.cn" if channel == "email" else "",
                order_refs=[] if presales else [order_number],
            )
            customer_id = customer.pk
            customers.append(customer_id)
        conversation = services.conversation_create(
            system,
            channel=channel,
            client_id=client.pk,
            provider_id=system.provider_id,
            customer_id=customer_id,
            subject=question[:40],
            queue=QUEUES.get(shop.slug, {}).get(channel, ""),
            order_numbers=[] if presales else [order_number],
            message=question,
            order_value=None if presales else Decimal(rng.choice((59, 129, 299, 899, 2399, 4999))),
        )
    gone_after = demo_history.abandon_wait(rng, arrival, channel)
    if gone_after is not None:  # nobody answered in time: the customer left
        if arrival + dt.timedelta(seconds=gone_after) <= now:
            demo_history.abandon(system, conversation.pk, arrival + dt.timedelta(seconds=gone_after))
        return
    # Busy hours wait longer; a few waits are long enough to break the 60 s first-response target.
    wait = rng.expovariate(1 / (22 if arrival.hour in (11, 20, 21, 22) else 10))
    agent_scope = rng.choice(agent_scopes)
    live = now - arrival < LIVE_WINDOW
    if live and live_agent is not None and next(live_turns) % 2 == 0:
        agent_scope = live_agent  # every other live chat: the README's first agent opens the demo on some
    moments = _steps(arrival, wait, rng)
    if moments["assign"] > now:
        return  # still waiting in the queue: the live inbox has something unassigned
    with clock.at(moments["assign"]):
        services.conversation_assign(
            agent_scope, conversation_id=conversation.pk, agent_id=agent_scope.user_id
        )
    if moments["reply"] > now:
        return
    with clock.at(moments["reply"]):
        if rng.random() < 0.3:  # looks it up first
            _send_phrase(agent_scope, conversation.pk, phrases, HOLD_ON)
        services.message_post(agent_scope, conversation_id=conversation.pk, body=answer)
    if moments["follow_up"] > now:
        return
    with clock.at(moments["follow_up"]):
        services.message_post(system, conversation_id=conversation.pk, body="好的，谢谢", direction="in")
    outcome = rng.random()
    escalate = demo_history.escalates(rng, category) and l2_scope is not None
    if moments["done"] > now or live:
        return  # still going: the customer's answer waits for the agent
    if presales:  # between the customer's thanks and the goodbye (done is >= 15 s after the thanks)
        demo_history.order_from_chat(
            rng, agent_scope, system, conversation_id=conversation.pk, shop_slug=shop.slug,
            at=moments["follow_up"] + dt.timedelta(seconds=3),
        )  # fmt: skip
    with clock.at(moments["done"]):
        if escalate:
            services.case_create(
                agent_scope, conversation_id=conversation.pk, type=shop.case_type, order_number=order_number
            )
            services.conversation_escalate(
                agent_scope, conversation_id=conversation.pk, reason="按售后规则转甲方售后处理"
            )
        elif (
            0.06 <= outcome < 0.12
        ):  # waiting for the customer, half of them for photos (the shop's own status)
            services.conversation_set_status(
                agent_scope,
                conversation_id=conversation.pk,
                status="pending_customer",
                custom_status_id=waiting_status_id if outcome < 0.09 else None,
            )
        else:
            if not _send_phrase(agent_scope, conversation.pk, phrases, CLOSING):
                services.message_post(
                    agent_scope, conversation_id=conversation.pk, body="还有其他可以帮您的吗？祝您生活愉快~"
                )
            services.conversation_set_status(
                agent_scope, conversation_id=conversation.pk, status="resolved", category=category,
                resolution_code="answered",
            )  # fmt: skip
    if not escalate and not 0.06 <= outcome < 0.12:
        demo_history.after_resolved(
            rng, agent_scope=agent_scope, system=system, conversation_id=conversation.pk, category=category,
            shop_slug=shop.slug, resolved=moments["done"], now=now, troubled=wait > 60, channel=channel,
        )  # fmt: skip
    if not escalate and 0.06 <= outcome < 0.12 and moments["no_reply_close"] <= now:
        with clock.at(moments["no_reply_close"]):  # the customer never came back: closed the next day
            services.conversation_set_status(
                agent_scope, conversation_id=conversation.pk, status="resolved", category=category,
                resolution_code="no_reply",
            )  # fmt: skip
    if escalate and l2_scope is not None and moments["l2_back"] <= now:
        with clock.at(moments["l2_back"]):
            services.conversation_deescalate(
                l2_scope, conversation_id=conversation.pk, reason="已为顾客办理，交回服务商回访"
            )
        done = _follow_up_after_l2(agent_scope, conversation.pk, category, moments["l2_back"], now, rng)
        if done is not None:
            demo_history.after_resolved(
                rng, agent_scope=agent_scope, system=system, conversation_id=conversation.pk,
                category=category, shop_slug=shop.slug, resolved=done, now=now, troubled=True, reopen=False,
                channel=channel,
            )  # fmt: skip


def _follow_up_after_l2(
    agent_scope: Scope,
    conversation_id: int,
    category: str,
    back: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
) -> dt.datetime | None:
    """The agent calls the customer back within a couple of hours of the hand-back and resolves,
    so handed-back conversations do not stay open for weeks; returns when (None: not yet)."""
    done = back + dt.timedelta(minutes=rng.uniform(20, 150))
    if done > now:
        return None  # handed back today: on the agent's list now
    with clock.at(done):
        services.message_post(
            agent_scope,
            conversation_id=conversation_id,
            body="您好，售后已为您办理完成，请问还有其他问题吗？",
        )
        services.conversation_set_status(
            agent_scope, conversation_id=conversation_id, status="resolved", category=category,
            resolution_code="answered",
        )  # fmt: skip
    return done


def _steps(arrival: dt.datetime, wait: float, rng: random.Random) -> dict[str, dt.datetime]:
    assign = arrival + dt.timedelta(seconds=wait)
    reply = assign + dt.timedelta(seconds=rng.uniform(5, 30))
    follow_up = reply + dt.timedelta(seconds=rng.uniform(20, 180))
    done = follow_up + dt.timedelta(seconds=rng.uniform(15, 100))
    l2_back = done + dt.timedelta(hours=rng.uniform(2, 20))
    no_reply_close = done + dt.timedelta(hours=rng.uniform(24, 30))
    return {
        "assign": assign,
        "reply": reply,
        "follow_up": follow_up,
        "done": done,
        "l2_back": l2_back,
        "no_reply_close": no_reply_close,
    }
