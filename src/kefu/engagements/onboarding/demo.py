"""The demo's onboarding: 丁卯 taking over 极客数码 from 星河. The checklist is half done (the
quick phrases imported from the shop's export), the handover is at 50 % (20 % three weeks ago,
50 % last week, 100 % in two weeks), everyone on the shop is in a break-in period, and the risk
register holds a few believable risks with a due-diligence checklist the shop has started.
Runs after the routing demo (the shop's queues and their split) and the quality demo."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from kefu.core import clock
from kefu.engagements.onboarding import selectors, services
from kefu.engagements.onboarding.models import DiligenceStatus, ItemStatus
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Engagement

PROVIDER, CLIENT = "dingmao", "jike"

PHRASES_CSV = """快捷键,标题,内容,分类
/hy,欢迎语,您好，欢迎光临极客数码专营店，我是客服{agent_name}，请问有什么可以帮您？,通用
/fh,发货时间,亲，现货商品下单后48小时内发货，预售商品以详情页写明的时间为准哦。,物流
/kd,快递说明,默认顺丰发货，偏远地区可能转EMS，发货后可在订单详情查看物流单号。,物流
/bj,保价说明,下单后15天内降价可申请保价，请提供订单号{order_number}，我们为您核实差价。,售前
/sh,售后政策,支持7天无理由退货（激活后不支持）、15天质量问题换货、1年全国联保。,售后
/fp,发票,可开具电子普通发票和增值税专用发票，下单时在备注中填写抬头和税号即可。,售前
"""

RISKS = (
    ("data_leak", "坐席私下截图买家手机号与地址外传", 2, 5, "provider", "何琳",
     "屏幕水印；手机入柜；订单页敏感字段脱敏显示；每月抽查录屏", 0),
    ("quality_drop", "交接期新坐席不熟数码参数，错答率上升", 3, 4, "provider", "黄敏",
     "交接期质检抽检100%；参数速查表；每日下班前复盘错答", 14),
    ("attrition", "双11后新人流失率超过30%", 4, 3, "provider", "李静",
     "老带新结对；大促后安排调休；满三个月发留任奖金", 21),
    ("system_outage", "店铺后台接口限流导致查单失败", 2, 3, "client", "方圆",
     "接口降级方案；人工查单备用流程；限流时在工作台置顶公告", 30),
    ("key_person_loss", "熟悉极客售后规则的组长离职", 2, 4, "client", "方圆",
     "售后规则写入知识库；两名组长交叉备份", 30),
)  # fmt: skip


def _scope(organization: object, role: str) -> object:
    member = tenancy_selectors.membership_list_for_role(organization, role=role)[0]
    scope = tenancy_selectors.scope_for_user(member.user, organization_id=organization.pk)  # type: ignore[attr-defined]
    assert scope is not None
    return scope


def load(*, today: dt.date) -> None:
    with translation.override("zh-hans"):  # the seeded due-diligence questions are stored as text
        _load(today)


def _load(today: dt.date) -> None:
    provider = tenancy_selectors.organization_by_slug(PROVIDER)
    client = tenancy_selectors.organization_by_slug(CLIENT)
    if provider is None or client is None:
        return
    engagement = Engagement.objects.get(provider=provider, client=client)
    manager, admin = _scope(provider, "account_manager"), _scope(provider, "provider_admin")
    shop, shop_manager = _scope(client, "client_admin"), _scope(client, "client_manager")

    services.checklist_seed(manager, engagement_id=engagement.pk, due_on=today + dt.timedelta(days=10))
    services.phrases_import(
        shop, engagement_id=engagement.pk, content=PHRASES_CSV.encode(), filename="极客快捷短语导出.csv"
    )
    items = {i.kind: i for i in selectors.checklist(shop, engagement=engagement)}
    notes = {
        "product_material": (ItemStatus.DONE, "2026款笔记本、耳机、智能手表参数表已上传网盘", "https://pan.example.com/jike/product"),
        "faq": (ItemStatus.DONE, "常见问题128条，已导入知识库", ""),
        "after_sales": (ItemStatus.IN_PROGRESS, "以旧换新规则待法务确认", ""),
        "order_remarks": (ItemStatus.DONE, "备注格式：【客服名】+ 处理结果 + 日期", ""),
        "flag_colours": (ItemStatus.TODO, "", ""),
        "shipping_times": (ItemStatus.TODO, "", ""),
        "couriers": (ItemStatus.TODO, "", ""),
        "schedules": (ItemStatus.IN_PROGRESS, "星河现行排班表已发，待对齐大促班次", ""),
    }  # fmt: skip
    for kind, (status, note, link) in notes.items():
        services.item_update(shop, item_id=items[kind].pk, status=status, note=note, link=link)
    services.item_update(
        manager, item_id=items["account_managers"].pk, status=ItemStatus.DONE, note="丁卯：何琳；极客：方圆"
    )

    first = services.phase_create(
        manager, engagement_id=engagement.pk, share_percent=20, starts_on=today - dt.timedelta(days=21)
    )
    second = services.phase_create(
        manager, engagement_id=engagement.pk, share_percent=50, starts_on=today - dt.timedelta(days=7)
    )
    services.phase_create(
        manager, engagement_id=engagement.pk, share_percent=100, starts_on=today + dt.timedelta(14)
    )
    for phase in (first, second):
        moment = timezone.make_aware(dt.datetime.combine(phase.starts_on, dt.time(8, 0)))
        with clock.at(moment):
            services.phase_start(manager, phase_id=phase.pk)
    services.break_in_add(
        admin,
        engagement_id=engagement.pk,
        starts_on=today - dt.timedelta(days=7),
        ends_on=today + dt.timedelta(13),
    )

    for category, title, likelihood, impact, side, owner, mitigations, review_in in RISKS:
        services.risk_create(
            shop_manager if side == "client" else manager,
            engagement_id=engagement.pk,
            category=category,
            title=title,
            likelihood=likelihood,
            impact=impact,
            owner_side=side,
            owner_name=owner,
            mitigations=mitigations,
            next_review_on=today + dt.timedelta(days=review_in),
        )
    findings = (
        (DiligenceStatus.SATISFACTORY, "抽查12份保密协议，均已签署"),
        (DiligenceStatus.SATISFACTORY, "现场查看：工位无USB口，手机统一入柜"),
        (DiligenceStatus.CONCERN, "离职账号回收需2天，要求改为当天"),
        (DiligenceStatus.SATISFACTORY, "2024、2025年审计报告已收到"),
    )
    for item, (status, note) in zip(
        selectors.diligence_list(shop, engagement=engagement), findings, strict=False
    ):
        services.diligence_update(shop_manager, item_id=item.pk, status=status, note=note)
