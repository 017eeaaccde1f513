"""What the demo's replayed chats add for the figures: abandons, pre-sales chats that end in an
order, escalations of after-sales chats, reopened conversations and satisfaction answers.

`kefu.desk.demo` calls these at the moments of each replayed conversation; each goes through the
real service (`conversation_abandon`, `conversation_link_order`, `message_post`,
`quality.services.survey_answer_record`), so the event log carries `abandoned`, `reopened`,
`escalated` and `survey_answered` exactly as production would write them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from kefu.core import clock
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import services
from kefu.quality.permissions import QualityPerm

PEAK_HOURS = frozenset({11, 20, 21, 22})
ABANDON_SHARE = {False: 0.025, True: 0.055}  # of chats, off-peak / peak: customers give up in a busy queue
SHORT_ABANDON_SHARE = 0.15  # of abandons: gone within 5 s (a stray click), the rest after a real wait

PRESALES_PREFIX = "售前咨询"
AFTER_SALES_PREFIXES = ("售后", "退换货", "退款", "投诉", "物流/破损丢件")
ESCALATION_SHARE = {"投诉": 0.25, "": 0.1}  # complaints more often; other after-sales chats
REOPEN_SHARE = 0.035  # of resolved conversations: the customer writes again a few hours later
SURVEY_SHARE = 0.36  # of conversations resolved after a real exchange (not the "no reply" ones)

# Pre-sales: the questions customers also ask, the share of chats that end in an order and what it costs.
PRESALES_QUESTIONS = {
    "yuejia": ("这款有货吗？", "这个床头柜有白色的吗？", "今天下单什么时候能送到？", "可以送货上楼吗？"),
    "qingyu": ("这款有货吗？", "敏感肌能用吗？", "这个是正品吗？保质期到什么时候？", "有没有旅行装？"),
    "jike": ("这款有货吗？", "这两款耳机有什么区别？", "今天下单明天能到吗？", "能开发票吗？支持分期吗？"),
}
PRESALES_ANSWERS = (
    "有现货的亲，今天16点前下单当天发出~",
    "有的哦，您看中的款式现在下单还有优惠~",
)
ORDER_SHARE = {"yuejia": 0.28, "qingyu": 0.42, "jike": 0.33}
ORDER_PRICES = {
    "yuejia": (399, 899, 1299, 2399, 4999),
    "qingyu": (59, 129, 189, 299, 459),
    "jike": (129, 299, 699, 1599, 2399),
}
ORDERED = ("好的，我拍下了", "已经下单了，麻烦尽快发货", "行，那我买了")

REOPEN_MESSAGES = ("不好意思，还有个问题想问一下", "刚才说的还是没解决，能再帮我看看吗？", "又出问题了")
REOPEN_ANSWERS = ("亲，我在的，您请说~", "抱歉让您久等了，我再帮您核实一下", "好的，马上为您处理")

# Satisfaction (1–5) by shop: a calm cosmetics shop, furniture with its installation troubles.
SCORE_WEIGHTS = {
    "yuejia": (3, 4, 9, 27, 57),
    "qingyu": (1, 2, 5, 22, 70),
    "jike": (2, 3, 8, 25, 62),
}
COMPLAINT_WEIGHTS = (10, 12, 23, 25, 30)  # complaints, reopened and escalated chats
COMMENTS = {
    "high": ("回复很快，很专业", "客服态度很好，点赞", "解答很耐心，谢谢", "处理得很及时", "满意"),
    "mid": ("还行吧", "一般，等了挺久", "问题解决了，但是有点慢"),
    "low": ("等了很久才回复", "问题没有解决", "答非所问，很失望", "一直在推脱"),
}


def customer_scope(system: Scope) -> Scope:
    """Who answers the satisfaction survey: the customer, through the channel (as the widget does)."""
    return Scope.system(
        provider_id=system.organization_id,
        client_ids=system.partner_ids,
        permissions=all_permissions() | {QualityPerm.RECORD_SURVEY},
    )


def is_presales(category: str) -> bool:
    return category.startswith(PRESALES_PREFIX)


def presales_question(rng: random.Random, shop_slug: str, question: str) -> str:
    """Half the pre-sales chats open with the everyday questions (这款有货吗…), half with the topic's own."""
    questions = PRESALES_QUESTIONS.get(shop_slug)
    return rng.choice(questions) if questions and rng.random() < 0.5 else question


def abandon_wait(rng: random.Random, arrival: dt.datetime, channel: str) -> float | None:
    """Seconds a chat customer waits before leaving unanswered, or None when they stay (3–6 % leave,
    more in the peak hours; phone abandons come from the CTI, e-mail has no queue to leave)."""
    if channel != "chat" or rng.random() >= ABANDON_SHARE[arrival.hour in PEAK_HOURS]:
        return None
    return rng.uniform(1, 5) if rng.random() < SHORT_ABANDON_SHARE else rng.uniform(25, 240)


def abandon(system: Scope, conversation_id: int, at: dt.datetime) -> None:
    with clock.at(at):
        services.conversation_abandon(system, conversation_id=conversation_id)


def escalates(rng: random.Random, category: str) -> bool:
    """After-sales chats go to the client's L2 at a believable rate; the others never do."""
    if not category.startswith(AFTER_SALES_PREFIXES):
        return False
    share = ESCALATION_SHARE["投诉"] if category.startswith("投诉") else ESCALATION_SHARE[""]
    return rng.random() < share


def order_from_chat(
    rng: random.Random,
    agent_scope: Scope,
    system: Scope,
    *,
    conversation_id: int,
    shop_slug: str,
    at: dt.datetime,
) -> bool:
    """A share of pre-sales chats ends with the customer ordering and the agent linking the order."""
    if rng.random() >= ORDER_SHARE.get(shop_slug, 0.3):
        return False
    number = f"{at:%y%m%d}{rng.randrange(10**9):09d}"
    with clock.at(at):
        services.message_post(
            system, conversation_id=conversation_id, body=rng.choice(ORDERED), direction="in"
        )
    with clock.at(at + dt.timedelta(seconds=rng.uniform(3, 10))):
        services.conversation_link_order(
            agent_scope,
            conversation_id=conversation_id,
            order_number=number,
            order_value=Decimal(rng.choice(ORDER_PRICES.get(shop_slug, (99,)))),
        )
    return True


def after_resolved(
    rng: random.Random,
    *,
    agent_scope: Scope,
    system: Scope,
    conversation_id: int,
    category: str,
    shop_slug: str,
    resolved: dt.datetime,
    now: dt.datetime,
    troubled: bool = False,
    reopen: bool = True,
    channel: str = "chat",
) -> None:
    """What may follow a resolution: the customer writes again (reopened, answered, resolved again)
    and, a third of the time, answers the satisfaction survey."""
    reopened = False
    if reopen and rng.random() < REOPEN_SHARE:
        back = resolved + dt.timedelta(hours=rng.uniform(1, 18))
        answer = back + dt.timedelta(seconds=rng.uniform(20, 240))
        again = answer + dt.timedelta(seconds=rng.uniform(60, 600))
        if again <= now:  # only whole episodes: the live desk's open chats stay today's
            with clock.at(back):
                services.message_post(
                    system, conversation_id=conversation_id, body=rng.choice(REOPEN_MESSAGES), direction="in"
                )
            with clock.at(answer):
                services.message_post(
                    agent_scope, conversation_id=conversation_id, body=rng.choice(REOPEN_ANSWERS)
                )
            with clock.at(again):
                services.conversation_set_status(
                    agent_scope, conversation_id=conversation_id, status="resolved", category=category,
                    resolution_code="answered",
                )  # fmt: skip
            resolved, reopened = again, True
    if rng.random() >= SURVEY_SHARE:
        return
    at = resolved + dt.timedelta(seconds=rng.uniform(10, 900))
    if at > now:
        return
    weights = (
        COMPLAINT_WEIGHTS if troubled or reopened or category.startswith("投诉") else SCORE_WEIGHTS[shop_slug]
    )
    score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
    band = "high" if score >= 4 else "mid" if score == 3 else "low"
    comment = rng.choice(COMMENTS[band]) if rng.random() < (0.25 if band == "high" else 0.6) else ""
    from kefu.quality.surveys import demo as survey_demo  # the shop's survey: NPS, e-mail and SMS links

    survey_demo.answer_in_replay(
        rng, customer_scope(system), conversation_id=conversation_id, channel=channel, score=score,
        comment=comment, resolved=resolved, at=at, now=now,
    )  # fmt: skip
