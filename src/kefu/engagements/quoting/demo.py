"""The demo's quoting: one engagement at each early stage, in realistic Chinese data.

- intake: 丁卯's account manager 何琳 has filled an intake with a prospect (南京优品母婴专营店)
  not in Kefu yet; not priced.
- quoted: 丁卯 sent 轻语美妆 a quote for its after-sales hotline and night chat (three options).
- comparing: 极客数码 asked both its providers (丁卯 and 星河) and 云帆客服, a provider it found in
  the provider directory, to quote on one intake; all three sent quotes, 方圆 (jk_jingli) rated
  them and compares them (丁卯's measured record counts). 云帆 (zhouhang) holds a proposed
  engagement: it sees that intake and its own quote, nothing else of 极客数码.
"""

from __future__ import annotations

from typing import Any

from kefu.core.scope import Scope
from kefu.engagements.directory import services as directory_services
from kefu.engagements.quoting import services
from kefu.tenancy import selectors as tenancy_selectors

DINGMAO_COSTS = {
    "currency": "CNY",
    "monthly_per_seat": {
        "salary": 5200,
        "social_insurance": 1560,
        "lodging_meals": 900,
        "training": 300,
        "management": 850,
        "recruiting": 250,
        "office": 600,
        "equipment": 180,
        "software": 160,
    },
    "margin": 0.18,
}
XINGHE_COSTS = {
    "currency": "CNY",
    "monthly_per_seat": {
        "salary": 4600,
        "social_insurance": 1380,
        "lodging_meals": 700,
        "training": 260,
        "management": 780,
        "recruiting": 300,
        "office": 450,
        "equipment": 160,
        "software": 220,
    },
    "margin": 0.15,
}

YUNFAN_COSTS = {
    "currency": "CNY",
    "monthly_per_seat": {
        "salary": 4900,
        "social_insurance": 1470,
        "lodging_meals": 600,
        "training": 280,
        "management": 700,
        "recruiting": 220,
        "office": 520,
        "equipment": 170,
        "software": 180,
    },
    "margin": 0.16,
}
PROFILES = {
    "yunfan": {
        "summary": "扬州、宿迁两个基地共 260 席，专做天猫、京东、抖音店铺的售前导购与售后。",
        "services": ["pre_sales", "after_sales", "order_follow_up"],
        "channels": ["chat", "phone"],
        "languages": "普通话, English",
        "qualifications": "ISO 27001 信息安全管理体系认证；阿里巴巴官方服务商",
        "references": "两家 3C 品牌旗舰店（合作 3 年以上），一家母婴品牌",
        "security": "坐席电脑禁用 USB 与外网，客户手机号脱敏，通话录音加密存储 180 天",
    },
    "dingmao": {
        "summary": "杭州基地 400 席，电商售前售后全托管，大促弹性扩容。",
        "services": ["pre_sales", "after_sales", "complaints", "membership"],
        "channels": ["chat", "phone", "email"],
        "languages": "普通话",
        "qualifications": "ISO 27001；COPC 认证",
        "references": "悦家家居、轻语美妆、极客数码",
        "security": "双因素登录，顾客联系方式按需解密并留痕",
    },
}


def _intake(name: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client_name": name,
        "business_types": ["pre_sales", "after_sales"],
        "shop_category": "",
        "channels": [
            {"channel": "chat", "share": 0.85, "aht_s": 330, "concurrency": 3},
            {"channel": "phone", "share": 0.15, "aht_s": 240},
        ],
        "service_hours": {"start": "09:00", "end": "24:00"},
        "current_agents": 0,
        "daily_inquiries": 1200,
        "campaigns": {"days_per_month": 3, "multiplier": 2.5},
        "expected_growth": 0.15,
        "quality_targets": {"service_level": 0.8, "answer_time_s": 30, "notes": "满意度不低于 95%"},
        "shrinkage": 0.3,
        "start_date": None,
        "term": {"length": 1, "unit": "years"},
        "scope": "full",
        "expected_monthly_sales": "0",
    }
    return base | changes


def _scope(slug: str, role: str) -> Scope | None:
    organization = tenancy_selectors.organization_by_slug(slug)
    if organization is None:
        return None
    members = tenancy_selectors.membership_list_for_role(organization, role=role)
    if not members:
        return None
    return tenancy_selectors.scope_for_user(members[0].user, organization_id=organization.pk)


def load() -> None:
    dingmao = _scope("dingmao", "account_manager")
    xinghe = _scope("xinghe", "provider_admin")
    yunfan = _scope("yunfan", "provider_admin")
    jike = _scope("jike", "client_manager")
    qingyu = tenancy_selectors.organization_by_slug("qingyu")
    if dingmao is None or xinghe is None or yunfan is None or jike is None or qingyu is None:
        return
    d_cost = services.cost_model_save(dingmao, name="杭州基地标准坐席", data=DINGMAO_COSTS)
    x_cost = services.cost_model_save(xinghe, name="合肥中心标准坐席", data=XINGHE_COSTS)
    y_cost = services.cost_model_save(yunfan, name="扬州基地标准坐席", data=YUNFAN_COSTS)
    # the provider directory: 云帆 (serving nobody yet) and 丁卯 list themselves
    directory_services.listing_save(yunfan, listed=True, **PROFILES["yunfan"])
    directory_services.listing_save(
        _scope("dingmao", "provider_admin") or dingmao, listed=True, **PROFILES["dingmao"]
    )

    # intake: a prospect, not priced yet
    services.intake_create(
        dingmao,
        title="优品母婴 2027 全年外包",
        data=_intake(
            "南京优品母婴专营店",
            shop_category="母婴用品",
            daily_inquiries=900,
            campaigns={"days_per_month": 4, "multiplier": 3},
            start_date="2027-02-01",
            current_agents=5,
        ),
    )

    # quoted: sent to 轻语美妆, waiting for its answer
    quoted = services.intake_create(
        dingmao,
        title="轻语美妆 售后热线与夜间在线",
        client_id=qingyu.pk,
        data=_intake(
            "轻语美妆官方店",
            shop_category="美妆个护",
            business_types=["after_sales", "complaints"],
            channels=[
                {"channel": "chat", "share": 0.6, "aht_s": 300, "concurrency": 3},
                {"channel": "phone", "share": 0.3, "aht_s": 270},
                {"channel": "email", "share": 0.1, "aht_s": 480},
            ],
            service_hours={"start": "08:00", "end": "24:00"},
            daily_inquiries=700,
            term={"length": 6, "unit": "months"},
            scope="partial",
        ),
    )
    quote = services.quote_create(
        dingmao,
        intake_id=quoted.pk,
        cost_model_id=d_cost.pk,
        note="含夜间 20:00–24:00 在线值守，可按月调整坐席。",
    )
    services.quote_send(dingmao, quote_id=quote.pk)

    # comparing: 极客数码's own intake, both its providers quoted
    intake = services.intake_create(
        jike,
        title="极客数码 双十一前售前售后外包",
        data=_intake(
            "极客数码专营店",
            shop_category="3C数码",
            daily_inquiries=1500,
            campaigns={"days_per_month": 2, "multiplier": 4},
            expected_monthly_sales="3000000",
            start_date="2027-03-01",
            current_agents=8,
        ),
    )
    slugs = ("dingmao", "xinghe", "yunfan")
    providers = [o for o in (tenancy_selectors.organization_by_slug(s) for s in slugs) if o]
    rfq = services.rfq_create(jike, intake_id=intake.pk, provider_ids=[p.pk for p in providers])
    for scope, cost in ((dingmao, d_cost), (xinghe, x_cost), (yunfan, y_cost)):
        made = services.quote_create(scope, intake_id=intake.pk, cost_model_id=cost.pk)
        services.quote_send(scope, quote_id=made.pk)
    services.rfq_weigh(
        jike,
        rfq_id=rfq.pk,
        weights={
            "price": 35,
            "service_level": 20,
            "qualifications": 10,
            "references": 10,
            "security": 15,
            "measured": 10,
        },
        ratings={
            providers[0].pk: {"qualifications": 4, "references": 5, "security": 4},
            providers[1].pk: {"qualifications": 5, "references": 3, "security": 3},
            providers[2].pk: {"qualifications": 4, "references": 3, "security": 5},
        },
    )
