"""The demo's contracts: 丁卯 → 悦家 live (signed in the spring, SLA terms measured from the replayed
history, billed base + commission on the shop's confirmed sales statements with last month's
invoice issued, an amendment in draft), 丁卯 → 轻语
contracted and onboarding (signed, starts in two weeks), and 丁卯 → 极客 awaiting the client's
approval. Runs after the desk's replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kefu.core.scope import Scope
from kefu.engagements.billing import demo as billing_demo
from kefu.engagements.contracts import services
from kefu.tenancy import selectors as tenancy_selectors

COMMON = {
    "channels": ["chat", "email"],
    "payment_terms": "quarterly",
    "training_support": "甲方提供产品资料与培训视频，乙方组织岗前培训（3天）与每月新品培训。",
    "quality_method": (
        "乙方质检按周抽检每名客服不少于 30 条会话；甲方每月复核 50 条，争议以双方共同复核为准。"
    ),
    "reporting_duties": (
        "乙方每日 9:00 前发送前一日日报（接待量、接起率、首次响应、售后单）；每月 5 日前召开月度经营复盘会。"
    ),
    "confidentiality": ("双方对合作中知悉的客户信息、订单数据、价格政策严格保密，保密期限至合同终止后三年。"),
    "data_processing": (
        "乙方仅为履行本合同处理顾客个人信息，遵守《个人信息保护法》；数据存放于境内，离职人员当日停用账号。"
    ),
}
LIVE_TERMS = (
    {
        "metric_id": "answer_rate", "target": 95, "consequence": "credit", "step": 1, "rate_pct": 1,
        "cap_pct": 5, "floor_window": "day", "floor_target": 85, "floor_rate_pct": 0.5,
        "earn_back_periods": 2, "exclusions": "平台故障、甲方系统停机及不可抗力期间的会话不计入。",
    },
    {
        "metric_id": "first_response_time", "target": 30, "consequence": "penalty", "step": 10,
        "rate_pct": 1, "cap_pct": 3, "exclusions": "非服务时间（0:00–9:00）进线的会话按 9:00 起算。",
    },
    {"metric_id": "csat", "target": 90, "consequence": "bonus", "step": 1, "rate_pct": 0.5, "cap_pct": 3},
    {"metric_id": "abandon_rate", "target": 5, "consequence": "none"},
    {"metric_id": "service_level", "target": 80, "threshold_s": 30, "consequence": "none"},
)  # fmt: skip


def _scope(org_slug: str, role: str) -> Scope | None:
    organization = tenancy_selectors.organization_by_slug(org_slug)
    if organization is None:
        return None
    members = tenancy_selectors.membership_list_for_role(organization, role=role)
    if not members:
        return None
    return tenancy_selectors.scope_for_user(members[0].user, organization_id=organization.pk)


def _engagement(scope: Scope, client_slug: str) -> int | None:
    for engagement in tenancy_selectors.engagement_list(scope):
        if engagement.client.slug == client_slug:
            return engagement.pk
    return None


def _contract(
    provider: Scope, client: Scope | None, client_slug: str, fields: dict[str, Any], terms: Any
) -> Any:
    engagement = _engagement(provider, client_slug)
    if engagement is None:
        return None
    contract = services.contract_create(provider, engagement_id=engagement, **COMMON, **fields)
    for term in terms:
        services.term_add(provider, contract_id=contract.pk, **term)
    services.contract_approve(provider, contract_id=contract.pk)
    if client is not None:
        services.contract_approve(client, contract_id=contract.pk)
    return contract


def load(*, today: dt.date) -> None:
    provider = _scope("dingmao", "provider_admin")
    if provider is None:
        return
    spring = (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
    live = _contract(
        provider,
        _scope("yuejia", "client_admin"),
        "yuejia",
        {
            "title": "悦家家居旗舰店 客服外包服务合同",
            "scope_of_work": (
                "天猫/京东旗舰店售前咨询、售后处理（退换货、物流查询、投诉安抚）及大促期间加班支持。"
            ),
            "service_hours": "每日 09:00–24:00（大促期间 24 小时）",
            "seats": 10,
            "service_types": "售前、售后、投诉处理",
            "handover_method": "分三阶段接管：第 1 周 20% 流量，第 2 周 50%，第 3 周起 100%。",
            "monthly_fee": "86000",
            # 底薪+提成: the commission is billed on the shop's confirmed sales statement (billing/demo.py)
            "pricing_model": "base_commission",
            "pricing_rates": {
                "base_per_seat_month": "7800",
                "commission_rate": "1.5",
                "vat_pct": "6",
                "hours_per_seat_month": "176",
            },
            "at_risk_pct": "10",
            "bonus_cap_pct": "3",
            "starts_on": spring.isoformat(),
            "renews_on": (spring + dt.timedelta(days=365)).isoformat(),
            "ends_on": (spring + dt.timedelta(days=364)).isoformat(),
            "notice_days": 60,
        },
        LIVE_TERMS,
    )
    if live is not None:
        billing_demo.load(provider, live, today=today)  # last month's statement and invoice
        amendment = services.contract_amend(provider, contract_id=live.pk)
        services.contract_update(
            provider,
            contract_id=amendment.pk,
            seats=12,
            monthly_fee="98000",
            service_hours="每日 08:00–24:00",
        )
    start = today + dt.timedelta(days=14)
    _contract(
        provider,
        _scope("qingyu", "client_admin"),
        "qingyu",
        {
            "title": "轻语美妆官方店 在线客服外包合同",
            "scope_of_work": "官方店售前咨询（肤质推荐、成分解答）与售后（过敏退换、物流）。",
            "service_hours": "每日 09:00–23:00",
            "seats": 6,
            "service_types": "售前、售后",
            "handover_method": "试运行两周：先接管夜班（18:00–23:00），验收后接管全天。",
            "monthly_fee": "52000",
            "at_risk_pct": "8",
            "starts_on": start.isoformat(),
            "renews_on": (start + dt.timedelta(days=180)).isoformat(),
            "ends_on": (start + dt.timedelta(days=179)).isoformat(),
        },
        LIVE_TERMS[:2],
    )
    _contract(
        provider,
        None,  # the client has not approved yet
        "jike",
        {
            "title": "极客数码专营店 客服外包合同（草案）",
            "scope_of_work": "3C 数码产品售前参数咨询、以旧换新与售后维修登记。",
            "service_hours": "每日 10:00–22:00",
            "seats": 4,
            "monthly_fee": "36000",
            "starts_on": (today + dt.timedelta(days=30)).isoformat(),
        },
        LIVE_TERMS[:1],
    )
