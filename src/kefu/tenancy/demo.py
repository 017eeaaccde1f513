"""Demo organisations and people: one BPO serving three shops, plus a second BPO (multi-vendor)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kefu.core.roles import Role
from kefu.tenancy import services
from kefu.tenancy.models import Organization

DEMO_PASSWORD = "kefu-demo-2026"
MARKER_SLUG = "dingmao"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    organization: str
    display_name: str


# (slug, name, category)
PROVIDERS = [
    ("dingmao", "丁卯客服外包", "电商客服外包"),
    ("xinghe", "星河呼叫中心", "呼叫中心外包"),
    ("yunfan", "云帆客服", "电商客服外包"),  # serves nobody yet: listed in the provider directory
]
CLIENTS = [
    ("yuejia", "悦家家居旗舰店", "家居家装"),
    ("qingyu", "轻语美妆官方店", "美妆个护"),
    ("jike", "极客数码专营店", "3C数码"),
]
PLATFORM = ("kefu-platform", "客服云平台运营", "")
ENGAGEMENTS = [("dingmao", "yuejia"), ("dingmao", "qingyu"), ("dingmao", "jike"), ("xinghe", "jike")]

# (username, display name, organisation slug, role)
PEOPLE = [
    ("wanghaitao", "王海涛", "dingmao", Role.PROVIDER_ADMIN),
    ("lijing", "李静", "dingmao", Role.SUPERVISOR),
    ("huangmin", "黄敏", "dingmao", Role.QA_INSPECTOR),
    ("wufang", "吴芳", "dingmao", Role.TRAINER),
    ("zhenglei", "郑磊", "dingmao", Role.WORKFORCE_PLANNER),
    ("helin", "何琳", "dingmao", Role.ACCOUNT_MANAGER),
    ("zhangwei", "张伟", "dingmao", Role.AGENT),
    ("liuyang", "刘洋", "dingmao", Role.AGENT),
    ("chenxi", "陈曦", "dingmao", Role.AGENT),
    ("zhaomin", "赵敏", "dingmao", Role.AGENT),
    ("sunli", "孙丽", "dingmao", Role.AGENT),
    ("zhoujie", "周杰", "dingmao", Role.AGENT),
    ("xuting", "徐婷", "dingmao", Role.AGENT),
    ("mayue", "马悦", "dingmao", Role.AGENT),
    ("hanmei", "韩梅", "dingmao", Role.AGENT),
    ("fenglei", "冯磊", "dingmao", Role.AGENT),
    ("caiyun", "蔡云", "dingmao", Role.AGENT),
    ("pengfei", "彭飞", "dingmao", Role.AGENT),
    ("jiangli", "蒋丽", "dingmao", Role.AGENT),
    ("tianyu", "田雨", "dingmao", Role.AGENT),
    ("yuanhao", "袁浩", "dingmao", Role.AGENT),
    ("xiaoqing", "肖晴", "dingmao", Role.AGENT),
    ("gaofeng", "高峰", "xinghe", Role.PROVIDER_ADMIN),
    ("luoxue", "罗雪", "xinghe", Role.AGENT),
    ("zhouhang", "周航", "yunfan", Role.PROVIDER_ADMIN),
    ("linxiao", "林晓", "yuejia", Role.CLIENT_ADMIN),
    ("yj_shouhou", "杨帆（售后）", "yuejia", Role.CLIENT_L2),
    ("songqian", "宋倩", "qingyu", Role.CLIENT_ADMIN),
    ("qy_shouhou", "唐宁（售后）", "qingyu", Role.CLIENT_L2),
    ("qy_guancha", "许诺", "qingyu", Role.CLIENT_VIEWER),
    ("dengchao", "邓超", "jike", Role.CLIENT_ADMIN),
    ("jk_jingli", "方圆", "jike", Role.CLIENT_MANAGER),
    ("jk_shouhou", "韩雷（售后）", "jike", Role.CLIENT_L2),
    ("kefu_admin", "平台管理员", "kefu-platform", Role.PLATFORM_ADMIN),
]


def is_loaded() -> bool:
    return Organization.objects.filter(slug=MARKER_SLUG).exists()


def accounts() -> list[DemoAccount]:
    names = {slug: name for slug, name, _category in [*PROVIDERS, *CLIENTS, PLATFORM]}
    return [
        DemoAccount(username, DEMO_PASSWORD, role.value, names[org], display)
        for username, display, org, role in PEOPLE
    ]


def load(*, today: dt.date) -> None:
    organizations: dict[str, Organization] = {}
    for slug, name, category in PROVIDERS:
        organizations[slug] = services.organization_create(
            kind="provider", name=name, slug=slug, category=category
        )
    for slug, name, category in CLIENTS:
        organizations[slug] = services.organization_create(
            kind="client", name=name, slug=slug, category=category
        )
    slug, name, category = PLATFORM
    organizations[slug] = services.organization_create(
        kind="platform", name=name, slug=slug, category=category
    )
    for provider_slug, client_slug in ENGAGEMENTS:
        services.engagement_create(
            provider=organizations[provider_slug],
            client=organizations[client_slug],
            started_on=today - dt.timedelta(days=120),
        )
    for username, display, org, role in PEOPLE:
        services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@{org}.example.cn",
            display_name=display,
            memberships=[(organizations[org], role)],
        )
