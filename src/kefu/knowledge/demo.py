"""Quick phrases the demo shops' agents use (the provider's own, per client)."""

from __future__ import annotations

from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Organization

# (title, body, shortcut, category); variables are filled in the reply box.
COMMON = [
    ("问候", "您好{customer_name}，我是{agent_name}，很高兴为您服务，请问有什么可以帮您？", "hi", "通用"),
    ("稍等", "好的亲，我这边帮您查询一下，请稍等1-2分钟哦~", "dd", "通用"),
    ("结束语", "还有其他可以帮您的吗？祝您生活愉快，再见~", "bye", "通用"),
    (
        "物流查询",
        "亲，您的订单{order_number}已发货，物流信息可在订单详情中查看，预计2-3天送达。",
        "wl",
        "物流",
    ),
    ("退款说明", "亲，退款申请已提交，审核通过后1-3个工作日原路退回，请您留意~", "tk", "售后"),
]
BY_CLIENT = {
    "yuejia": [("安装预约", "家具到货后师傅会在24小时内电话联系您预约上门安装时间。", "az", "售后")],
    "qingyu": [
        ("过敏处理", "请先停用产品并用清水清洁，如持续不适请及时就医，我们为您优先登记售后。", "gm", "售后")
    ],
    "jike": [
        (
            "保修政策",
            "本店数码产品享受一年保修，保修期内非人为损坏免费维修，来回运费由我们承担。",
            "bx",
            "售后",
        )
    ],
}


def load() -> int:
    from kefu.knowledge import services

    provider = Organization.objects.get(slug="dingmao")
    lead = tenancy_selectors.membership_list_for_role(provider, role="supervisor")[0].user
    scope = tenancy_selectors.scope_for_user(lead, organization_id=provider.pk)
    assert scope is not None
    created = 0
    for slug, extra in BY_CLIENT.items():
        client = Organization.objects.get(slug=slug)
        for title, body, shortcut, category in [*COMMON, *extra]:
            services.quick_phrase_create(
                scope, client_id=client.pk, title=title, body=body, shortcut=shortcut, category=category
            )
            created += 1
    return created
