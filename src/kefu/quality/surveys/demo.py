"""Surveys in the demo: each shop's survey (CSAT, NPS, a question of its own), made by 黄敏 (QA)
before the history is replayed, and the replayed customers' answers: at the end of a chat, by
e-mail link after an e-mail conversation, by SMS link after a call.

The replay stands for the past: a link it answers was sent back then, so its invitation is marked
sent at that moment (no mail leaves the demo; the live `quality.surveys` job sends today's links).
"""

from __future__ import annotations

import datetime as dt
import random

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.quality import services as quality_services
from kefu.quality.models import InvitationStatus, SurveyDefinition, SurveyInvitation
from kefu.quality.surveys import selectors, services
from kefu.tenancy import selectors as tenancy_selectors

SURVEYS = {
    "yuejia": (
        "悦家家居满意度回访",
        "您对本次客服服务满意吗？",
        "您有多大可能把悦家家居推荐给亲友？",
        "您的问题解决了吗？ | choice | 已解决 / 部分解决 / 没有解决\n"
        "送装服务怎么样？ | scale | 1-5\n"
        "还有什么建议？ | text",
    ),
    "qingyu": (
        "轻语美妆服务评价",
        "您对本次服务满意吗？",
        "您有多大可能向朋友推荐轻语？",
        "您的问题解决了吗？ | choice | 已解决 / 部分解决 / 没有解决\n"
        "您通过哪里找到我们？ | choice | 天猫 / 抖音 / 小红书 / 朋友推荐",
    ),
    "jike": (
        "极客数码服务回访",
        "您对本次客服的服务满意吗？",
        "您有多大可能把极客数码推荐给朋友？",
        "您的问题解决了吗？ | choice | 已解决 / 部分解决 / 没有解决\n客服的专业程度 | scale | 1-5",
    ),
}
# the 0–10 answer follows the 1–5 one: a satisfied customer mostly recommends
NPS_BY_SCORE = {
    5: (10, 10, 9, 9, 8),
    4: (9, 8, 8, 7, 7),
    3: (7, 6, 6, 5),
    2: (5, 4, 3, 2),
    1: (3, 2, 1, 0, 0),
}
SOLVED_BY_SCORE = {5: "已解决", 4: "已解决", 3: "部分解决", 2: "没有解决", 1: "没有解决"}
LINK_MEDIUM = {"email": "email", "phone": "sms"}  # after a chat the widget asks at once


def load() -> int:
    """The shops' surveys (before the replay, so its answers keep their version); idempotent."""
    from kefu.tenancy.models import Organization

    provider = Organization.objects.get(slug="dingmao")
    inspector_user = tenancy_selectors.membership_list_for_role(provider, role="qa_inspector")[0].user
    inspector = tenancy_selectors.scope_for_user(inspector_user, organization_id=provider.pk)
    assert inspector is not None
    made = 0
    for slug, (name, csat, nps, lines) in SURVEYS.items():
        client = Organization.objects.get(slug=slug)
        if selectors.definition_list(inspector, client_id=client.pk).exists():
            continue
        services.survey_definition_create(
            inspector,
            client_id=client.pk,
            name=name,
            channel="",
            csat_text=csat,
            ask_nps=True,
            nps_text=nps,
            questions_text=lines,
            link_hours=72,
            reminder_hours=24,
        )
        made += 1
    return made


def _further(rng: random.Random, definition: SurveyDefinition, score: int) -> dict[str, object]:
    answers: dict[str, object] = {}
    for q in selectors.questions_of(definition):
        if rng.random() < 0.3:
            continue  # further questions are optional
        if q.kind == "choice" and "已解决" in q.options:
            answers[q.id] = SOLVED_BY_SCORE[score]
        elif q.kind == "choice":
            answers[q.id] = rng.choice(q.options)
        elif q.kind == "scale":
            answers[q.id] = max(q.low, min(q.high, score + rng.choice((-1, 0, 0, 0))))
    return answers


def answer_in_replay(
    rng: random.Random,
    customer: Scope,
    *,
    conversation_id: int,
    channel: str,
    score: int,
    comment: str,
    resolved: dt.datetime,
    at: dt.datetime,
    now: dt.datetime,
) -> None:
    """A replayed customer's answer with the shop's survey: through the widget after a chat, by a
    link sent at the resolution after an e-mail or a call (answered hours later)."""
    from kefu.desk import selectors as desk_selectors

    conversation = desk_selectors.conversation_get(customer, conversation_id=conversation_id)
    definition = selectors.definition_for(
        customer, provider_id=conversation.provider_id, client_id=conversation.client_id, channel=channel
    )
    if definition is None:  # no survey (a client without one): the 1–5 score alone, as before
        with clock.at(at):
            quality_services.survey_answer_record(
                customer, conversation_id=conversation_id, score=score, comment=comment
            )
        return
    nps = rng.choice(NPS_BY_SCORE[score])
    further = _further(rng, definition, score)
    medium = LINK_MEDIUM.get(channel)
    if medium is None:
        with clock.at(at):
            services.survey_answer_checked(
                customer, conversation_id=conversation_id, definition=definition, medium="chat",
                score=score, nps=nps, answers=further, comment=comment,
            )  # fmt: skip
        return
    sent = resolved + dt.timedelta(seconds=rng.uniform(30, 300))
    answered = sent + dt.timedelta(hours=rng.uniform(0.2, 20))
    if answered > now:
        return
    with clock.at(sent):
        invitation = services.survey_invitation_create(
            customer, conversation_id=conversation_id, medium=medium
        )
    SurveyInvitation.all_tenants.filter(pk=invitation.pk).update(status=InvitationStatus.SENT, sent_at=sent)
    with clock.at(answered):
        services.survey_link_answer(
            services.link_token(invitation), score=score, nps=nps, answers=further, comment=comment
        )
