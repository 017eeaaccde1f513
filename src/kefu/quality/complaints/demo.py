"""The complaints register in the demo: each shop's root-cause list, complaints registered by
丁卯's floor from the complaint cases of the replayed history (so `complaint_rate` has figures),
one lodged by 悦家's admin 林晓 herself, in every state: new, investigating, resolved with a
callback planned, closed after a satisfied callback, one reopened when the customer was still
unhappy."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.core import clock
from kefu.desk import selectors as desk_selectors
from kefu.quality.complaints import services
from kefu.tenancy import selectors as tenancy_selectors

CATEGORIES = ("物流配送", "商品质量", "服务态度", "退款售后", "价格与活动")
SUBJECTS = {
    "物流配送": ("快递超时未送达，顾客要求赔偿", "包裹破损，顾客投诉客服推诿"),
    "商品质量": ("收到的商品有划痕，要求换新", "同款商品色差明显"),
    "服务态度": ("顾客认为客服回复敷衍", "客服未按承诺回电"),
    "退款售后": ("退款超过承诺时效未到账", "退货已签收但迟迟未退款"),
    "价格与活动": ("大促价保未兑现", "优惠券无法使用"),
}
SEVERITIES = ("medium", "high", "low", "critical", "medium", "high")
PER_CLIENT = 6


def _scope(provider: object, role: str) -> object:
    user = tenancy_selectors.membership_list_for_role(provider, role=role)[0].user
    return tenancy_selectors.scope_for_user(user, organization_id=provider.pk)  # type: ignore[attr-defined]


def load(*, today: dt.date) -> dict[str, int]:
    from kefu.tenancy.models import Organization

    provider = Organization.objects.get(slug="dingmao")
    inspector, lead = _scope(provider, "qa_inspector"), _scope(provider, "supervisor")
    owner_id = lead.user_id  # type: ignore[attr-defined]
    tz = timezone.get_current_timezone()
    made = {"complaints": 0, "closed": 0}
    for slug in ("yuejia", "qingyu", "jike"):
        client = Organization.objects.get(slug=slug)
        categories = [
            services.category_create(inspector, name=name, client_id=client.pk) for name in CATEGORIES
        ]
        # the history's complaint chats (category 投诉/…) and complaint cases, oldest first
        cases = list(
            desk_selectors.case_list(
                lead, filters=desk_selectors.CaseFilter(type="complaint", client_id=client.pk)
            ).order_by("created_at", "id")[:PER_CLIENT]
        )
        chats = list(
            desk_selectors.conversation_list(
                lead, filters=desk_selectors.ConversationFilter(client_id=client.pk)
            )
            .filter(category__startswith="投诉")
            .order_by("created_at", "id")[: PER_CLIENT - len(cases)]
        )
        sources = [("case", c) for c in cases] + [("conversation", c) for c in chats]
        for number, (kind, source) in enumerate(sources):
            category = categories[number % len(categories)]
            subject = SUBJECTS[category.name][number % 2]
            at = min(source.created_at + dt.timedelta(minutes=20), clock.now())
            link = {"case_id": source.pk} if kind == "case" else {"conversation_id": source.pk}
            with clock.at(at):
                complaint = services.complaint_create(
                    lead, subject=subject, severity=SEVERITIES[number], category_id=category.pk,
                    owner_id=owner_id, description="顾客在会话中明确表示要投诉，已转投诉登记。", **link,
                )  # fmt: skip
            made["complaints"] += 1
            _work(inspector, complaint.pk, number, at)
            made["closed"] += number % 4 == 0
    yuejia = Organization.objects.get(slug="yuejia")
    admin_user = tenancy_selectors.membership_list_for_role(yuejia, role="client_admin")[0].user
    admin = tenancy_selectors.scope_for_user(admin_user, organization_id=yuejia.pk)
    with clock.at(dt.datetime.combine(today, dt.time(9, 15), tzinfo=tz)):
        services.complaint_create(
            admin, subject="顾客致电品牌热线：客服承诺的赠品未发", severity="high", customer_name="陈先生",
            description="顾客 11 月大促期间咨询，客服承诺赠送收纳盒，订单已签收但未收到赠品。",
        )  # fmt: skip
    made["complaints"] += 1
    return made


def _work(scope: object, complaint_id: int, number: int, start: dt.datetime) -> None:
    """Move a complaint to a state that depends on its number (the demo shows each state); a
    recent complaint's later steps happen now rather than in the future."""
    now = clock.now()
    step = number % 4

    def moment(delta: dt.timedelta) -> dt.datetime:
        return min(start + delta, now)

    if number == 5:  # stays new
        return
    with clock.at(moment(dt.timedelta(hours=1))):
        services.complaint_transition(scope, complaint_id=complaint_id, status="investigating")  # type: ignore[arg-type]
    if step == 1:  # under investigation, callback planned
        with clock.at(moment(dt.timedelta(hours=2))):
            services.complaint_callback(
                scope, complaint_id=complaint_id, planned_at=start + dt.timedelta(days=1)
            )  # type: ignore[arg-type]
        return
    with clock.at(moment(dt.timedelta(hours=5))):
        services.complaint_transition(
            scope, complaint_id=complaint_id, status="resolved",  # type: ignore[arg-type]
            resolution="已与仓库核实，补发/退款已处理，并向顾客致歉。",
        )  # fmt: skip
    if step == 2:  # resolved, callback planned for tomorrow
        with clock.at(moment(dt.timedelta(hours=5, minutes=5))):
            services.complaint_callback(
                scope, complaint_id=complaint_id, planned_at=start + dt.timedelta(days=1)
            )  # type: ignore[arg-type]
        return
    outcome = "satisfied" if step == 0 else "unsatisfied"
    with clock.at(moment(dt.timedelta(days=1))):
        services.complaint_callback(
            scope, complaint_id=complaint_id, outcome=outcome,  # type: ignore[arg-type]
            note="电话回访，顾客表示满意。" if step == 0 else "电话回访，顾客仍要求赔偿运费。",
        )  # fmt: skip
        if step == 0:
            services.complaint_transition(scope, complaint_id=complaint_id, status="closed")  # type: ignore[arg-type]
