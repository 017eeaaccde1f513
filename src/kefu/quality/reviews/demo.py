"""Quality review in the demo: scorecards following seed 001's greeting and closing standard,
丁卯's sampling rules per shop, yesterday's review tasks (what the nightly job made), the day
before reviewed by 黄敏, and appeals: one decided by 李静, one waiting."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from kefu.core import clock
from kefu.quality.reviews import selectors, services
from kefu.tenancy import selectors as tenancy_selectors

CHAT_CARD = (
    "# 开场问候\n"
    "开场报店铺名和客服名/工号（如“您好，悦家家居旗舰店客服小王为您服务”） | 10 | yn\n"
    "使用礼貌用语（您好、请问有什么可以帮您） | 10 | ynp\n"
    "# 问题处理\n"
    "准确理解顾客问题并核实订单信息 | 20 | 1-5\n"
    "给出正确、完整的解决方案 | 30 | 1-5\n"
    "及时回复，无长时间冷场 | 10 | ynp\n"
    "安抚情绪、表达同理心 | 10 | ynp | na\n"
    "# 结束语\n"
    "主动询问是否还有其他问题 | 5 | yn\n"
    "标准结束语（感谢咨询、祝您生活愉快） | 5 | yn\n"
    "# 致命项\n"
    "未泄露顾客信息（完整手机号、地址） | fatal\n"
    "无辱骂、讽刺、推诿顾客 | fatal\n"
    "未作出超出政策的退款或赔偿承诺 | fatal\n"
)
PHONE_CARD = (
    "# 开场\n"
    "接听报公司名称和工号 | 10 | yn\n"
    "# 处理\n"
    "核实顾客身份 | 15 | yn\n"
    "解决问题 | 40 | 1-5\n"
    "语速语调适中 | 15 | ynp\n"
    "# 结束\n"
    "结束语并等顾客先挂机 | 20 | yn | na\n"
    "# 致命项\n"
    "未泄露顾客信息 | fatal\n"
    "无辱骂顾客 | fatal\n"
)
# share of each channel reviewed per shop: a realistic day, not the whole history
RULES = {"chat": 8, "email": 20, "phone": 10, "api": 0}
FAIL_COMMENTS = {
    "c1": "开场没有报店铺名和工号",
    "c2": "开场没有使用“您好”",
    "c3": "没有核实订单号就答复",
    "c4": "方案不完整，没说明退款时效",
    "c5": "顾客追问后超过 2 分钟才回复",
    "c6": "顾客着急时没有安抚",
    "c7": "没有询问是否还有其他问题",
    "c8": "缺少结束语",
}


def _draw(conversation_id: int, criterion: str) -> int:
    return hashlib.sha256(f"{conversation_id}:{criterion}".encode()).digest()[0]


def _answers(review: object) -> tuple[dict, dict]:
    """Plausible answers: mostly up to standard, a few misses with a comment each."""
    definition = selectors.definition(review.scorecard)  # type: ignore[attr-defined]
    answers, comments = {}, {}
    for criterion in definition.criteria:
        roll = _draw(review.conversation_id, criterion.id)  # type: ignore[attr-defined]
        if criterion.fatal:
            answers[criterion.id] = "y"
        elif criterion.scale == "one_to_five":
            answers[criterion.id] = 5 if roll > 120 else 4 if roll > 50 else 2
        elif roll < 40:
            answers[criterion.id] = "p" if criterion.scale == "yes_no_partial" else "n"
        elif criterion.allow_na and roll > 230:
            answers[criterion.id] = "na"
        else:
            answers[criterion.id] = "y"
        answer = answers[criterion.id]
        if answer in ("n", "p", 2):
            comments[criterion.id] = FAIL_COMMENTS.get(criterion.id, "未达标")
    return answers, comments


def load(*, today: dt.date) -> dict[str, int]:
    from kefu.tenancy.models import Organization

    provider = Organization.objects.get(slug="dingmao")
    inspector_user = tenancy_selectors.membership_list_for_role(provider, role="qa_inspector")[0].user
    lead_user = tenancy_selectors.membership_list_for_role(provider, role="supervisor")[0].user
    inspector = tenancy_selectors.scope_for_user(inspector_user, organization_id=provider.pk)
    lead = tenancy_selectors.scope_for_user(lead_user, organization_id=provider.pk)
    assert inspector is not None and lead is not None
    tz = timezone.get_current_timezone()
    yesterday, before = today - dt.timedelta(days=1), today - dt.timedelta(days=2)
    made = {"scorecards": 0, "tasks": 0, "reviewed": 0, "appeals": 0}
    for slug in ("yuejia", "qingyu", "jike"):
        client = Organization.objects.get(slug=slug)
        with clock.at(dt.datetime.combine(before - dt.timedelta(days=5), dt.time(10), tzinfo=tz)):
            services.scorecard_create(
                inspector, client_id=client.pk, name="在线客服质检表", channel="chat", text=CHAT_CARD
            )
            services.scorecard_create(
                inspector, client_id=client.pk, name="电话质检表", channel="phone", text=PHONE_CARD
            )
            services.qa_policy_set(
                lead, client_id=client.pk, percent_by_channel=RULES, new_agent_days=0
            )  # the demo people were all added today: nobody counts as new
        made["scorecards"] += 2
        with clock.at(dt.datetime.combine(before, dt.time(1, 0), tzinfo=tz) + dt.timedelta(days=1)):
            made["tasks"] += services.sample_day(lead, client_id=client.pk, day=before).created
        with clock.at(dt.datetime.combine(today, dt.time(1, 0), tzinfo=tz)):
            made["tasks"] += services.sample_day(lead, client_id=client.pk, day=yesterday).created
    # the day before yesterday's sample: reviewed through the day after
    older = selectors.review_list(lead, filters=selectors.ReviewFilter(status="pending")).filter(
        sample_day=before
    )
    moment = dt.datetime.combine(yesterday, dt.time(9, 30), tzinfo=tz)
    done = []
    for review in older.order_by("id"):
        answers, comments = _answers(review)
        moment += dt.timedelta(minutes=4)
        with clock.at(moment):
            done.append(
                services.review_save(
                    inspector, review_id=review.pk, answers=answers, comments=comments, submit=True
                )
            )
    made["reviewed"] = len(done)
    # appeals: the lowest non-fatal scores of two agents; 李静 decides the first
    appealed = sorted((r for r in done if r.score is not None and r.agent_id), key=lambda r: r.score)[:2]
    for number, review in enumerate(appealed):
        agent_scope = tenancy_selectors.scope_for_user(review.agent, organization_id=provider.pk)
        if agent_scope is None:
            continue
        with clock.at(moment + dt.timedelta(hours=2 + number)):
            appeal = services.appeal_create(
                agent_scope,
                review_id=review.pk,
                reason="顾客第二句话才问订单，我在下一条消息里核实了订单号，请复核。",
            )
        made["appeals"] += 1
        if number == 0:
            failed = [k for k, v in review.answers.items() if v in ("n", "p", 2)]
            with clock.at(moment + dt.timedelta(hours=4)):
                services.appeal_decide(
                    lead,
                    appeal_id=appeal.pk,
                    outcome="amended" if failed else "upheld",
                    note="复听记录后确认客服已核实订单，改为达标。" if failed else "维持原判。",
                    answers={failed[0]: 5 if review.answers[failed[0]] == 2 else "y"} if failed else None,
                )
    return made
