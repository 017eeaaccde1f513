"""Calibration and coaching in the demo: a closed calibration session for 悦家家居 (黄敏, 李静 as the
expert, 王海涛 and the shop's 林晓 scored five chats blind) with its report, one open session this
week, and coaching tasks in each state, from reviews, an appeal outcome and a follow-up."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from typing import Any

from django.utils import timezone

from kefu.core import clock
from kefu.core.errors import KefuError
from kefu.core.scope import Scope
from kefu.quality import scoring
from kefu.quality.calibration import selectors, services
from kefu.quality.coaching import services as coaching_services
from kefu.quality.reviews import selectors as review_selectors
from kefu.tenancy import selectors as tenancy_selectors

# how each reviewer leans, as a share of answers moved one step stricter (+) or milder (−)
LEAN = {"huangmin": 0, "lijing": 0, "wanghaitao": -1, "linxiao": 1}
COMMENTS = {
    "c1": "开场没有报店铺名和工号",
    "c2": "开场没有使用“您好”",
    "c3": "没有核实订单号",
    "c4": "方案不完整，没说明退款时效",
    "c5": "顾客追问后回复偏慢",
    "c6": "顾客着急时没有安抚",
    "c7": "没有询问是否还有其他问题",
    "c8": "缺少结束语",
}
NOTES = {
    "c1": "开场白练习：“您好，悦家家居旗舰店客服小王为您服务”，连续三天抽查开场。",
    "c4": "退款时效话术：说明原路退回 1–3 个工作日，并核对退款金额。",
    "c6": "同理心表达：先回应情绪（“理解您着急”），再给处理时间。",
}


def _roll(*parts: object) -> int:
    return hashlib.sha256(":".join(map(str, parts)).encode()).digest()[0]


def _answers(definition: scoring.Definition, conversation_id: int, who: str) -> tuple[dict, dict]:
    """One reviewer's plausible answers: the conversation decides the truth, the reviewer's
    lean and a little noise move some answers."""
    answers: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for c in definition.criteria:
        truth = _roll(conversation_id, c.id)
        noise = _roll(conversation_id, c.id, who) % 11 - 5 + LEAN.get(who, 0)  # −6..6
        if c.fatal:
            answers[c.id] = "y"
        elif c.scale == "one_to_five":
            base = 5 if truth > 140 else 4 if truth > 60 else 3
            answers[c.id] = max(1, min(5, base - (noise >= 4) + (noise <= -4)))
        elif c.allow_na and truth > 235:
            answers[c.id] = "na"
        else:
            good = truth > 45
            flipped = (noise >= 4 and good) or (noise <= -4 and not good)
            ok = good != flipped
            answers[c.id] = "y" if ok else ("p" if c.scale == "yes_no_partial" else "n")
        if scoring.is_failed(c, answers[c.id]):
            comments[c.id] = COMMENTS.get(c.id, "未达标")
    return answers, comments


def _scope(user: Any, organization_id: int) -> Scope:
    scope = tenancy_selectors.scope_for_user(user, organization_id=organization_id)
    assert scope is not None
    return scope


def load(*, today: dt.date) -> dict[str, int]:
    from kefu.tenancy.models import Organization

    provider = Organization.objects.get(slug="dingmao")
    client = Organization.objects.get(slug="yuejia")
    people = {
        m.user.username: m.user
        for org, roles in (
            (provider, ("supervisor", "qa_inspector", "provider_admin")),
            (client, ("client_admin",)),
        )
        for role in roles
        for m in tenancy_selectors.membership_list_for_role(org, role=role)
    }
    lead = _scope(people["lijing"], provider.pk)
    scopes = {
        name: _scope(people[name], client.pk if name == "linxiao" else provider.pk)
        for name in LEAN
        if name in people
    }
    tz = timezone.get_current_timezone()
    made = {"sessions": 0, "sheets": 0, "coaching": 0}
    finished = selectors.conversation_choices(lead, client_id=client.pk, limit=200)
    chats = [c for c in finished if c.channel == "chat" and c.assignee_id][:8]
    if len(chats) < 4:
        return made
    start = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9), tzinfo=tz)
    for number, (title, sample, closing) in enumerate(
        (
            ("12月第1周 在线客服校准", chats[:5], True),
            ("本周校准：退款类咨询", chats[5:8] or chats[:3], False),
        )
    ):
        opened = start + dt.timedelta(days=number * 2)
        with clock.at(opened):
            session = services.calibration_create(
                lead,
                client_id=client.pk,
                title=title,
                conversation_ids=[c.pk for c in sample],
                reviewer_ids=[people[n].pk for n in scopes],
                due_at=opened + dt.timedelta(days=2),
                expert_id=people["lijing"].pk,
            )
        definition = review_selectors.definition(session.scorecard)
        made["sessions"] += 1
        for k, (name, scope) in enumerate(scopes.items()):
            for j, conversation in enumerate(sample):
                if not closing and (name in ("wanghaitao", "linxiao") or j > 1):
                    continue  # the open session: half done
                answers, comments = _answers(definition, conversation.pk, name)
                with clock.at(opened + dt.timedelta(hours=2 + k, minutes=6 * j)):
                    services.calibration_score_save(
                        scope,
                        session_id=session.pk,
                        conversation_id=conversation.pk,
                        answers=answers,
                        comments=comments,
                        submit=True,
                    )
                made["sheets"] += 1
        if closing:
            with clock.at(opened + dt.timedelta(days=1, hours=8)):
                services.calibration_close(lead, session_id=session.pk)
    made["coaching"] = _coaching(lead, today)
    return made


def _coaching(lead: Scope, today: dt.date) -> int:
    """Coaching tasks in each state from the demo's reviews and appeals."""
    reviews = list(
        review_selectors.review_list(lead, filters=review_selectors.ReviewFilter(status="submitted"))
        .exclude(agent__isnull=True)
        .order_by("submitted_at", "id")
    )
    decided = review_selectors.appeal_list(lead).exclude(status="open").first()
    by_agent: dict[tuple[int, int], list[Any]] = {}  # a follow-up is for the same client
    for review in reviews:
        by_agent.setdefault((review.agent_id, review.client_id), []).append(review)
    count = 0
    # followed up: an agent with two reviews, coached between them
    twice = next(
        (rs for rs in by_agent.values() if len(rs) >= 2 and rs[0].score is not None and rs[0].score < 100),
        None,
    )
    used: set[int] = set()
    if twice is not None:
        first, later = twice[0], twice[-1]
        with clock.at(first.submitted_at + dt.timedelta(minutes=1)):
            task = coaching_services.coaching_create(
                lead, review_id=first.pk, due_on=today, notes=_note(first), criteria=_focus(first)
            )
            _acknowledge(first.agent, lead, task.pk)
            coaching_services.coaching_done(lead, task_id=task.pk, notes="已一对一沟通，重听了录音。")
        if later.submitted_at > task.created_at:
            with contextlib.suppress(KefuError):  # a later review without the focus criteria: stays done
                coaching_services.coaching_follow_up(lead, task_id=task.pk, review_id=later.pk)
        used.add(first.agent_id)
        count += 1
    if decided is not None and decided.review.agent_id not in used:
        coaching_services.coaching_create(
            lead,
            appeal_id=decided.pk,
            due_on=today + dt.timedelta(days=2),
            notes="复核结果已沟通，巩固订单核实流程。",
        )
        used.add(decided.review.agent_id)
        count += 1
    low = sorted(
        (r for r in reviews if r.score is not None and r.agent_id not in used), key=lambda r: r.score
    )
    states = ("scheduled", "open", "done", "overdue")
    for state, review in zip(states, low, strict=False):
        if review.agent_id in used:
            continue
        due = today - dt.timedelta(days=1) if state == "overdue" else today + dt.timedelta(days=3)
        with clock.at(review.submitted_at + dt.timedelta(minutes=5)):
            task = coaching_services.coaching_create(
                lead,
                review_id=review.pk,
                due_on=due,
                notes=_note(review),
                criteria=_focus(review),
            )
        if state in ("scheduled", "done"):
            _acknowledge(review.agent, lead, task.pk)
        if state == "scheduled":
            at = dt.datetime.combine(
                today + dt.timedelta(days=1), dt.time(14), tzinfo=timezone.get_current_timezone()
            )
            coaching_services.coaching_schedule(lead, task_id=task.pk, at=at)
        if state == "done":
            coaching_services.coaching_done(lead, task_id=task.pk, notes="已辅导，等待下一次抽检。")
        used.add(review.agent_id)
        count += 1
    return count


def _acknowledge(agent: Any, lead: Scope, task_id: int) -> None:
    scope = tenancy_selectors.scope_for_user(agent, organization_id=lead.provider_id)
    if scope is not None:
        coaching_services.coaching_acknowledge(scope, task_id=task_id)


def _focus(review: Any) -> list[str]:
    definition = review_selectors.definition(review.scorecard)
    failed = [c.id for c in definition.criteria if scoring.is_failed(c, review.answers.get(c.id))]
    return failed[:3] or [definition.criteria[0].id]


def _note(review: Any) -> str:
    return next((NOTES[c] for c in _focus(review) if c in NOTES), "针对未达标项一对一辅导，下次抽检复查。")
