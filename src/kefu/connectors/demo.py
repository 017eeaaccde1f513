"""A chat widget per demo shop, so the embed snippet and the offline form can be tried."""

from __future__ import annotations

from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Organization

GREETINGS = {
    "yuejia": "您好，欢迎光临悦家家居旗舰店，有什么可以帮您？",
    "qingyu": "亲爱的，欢迎来到轻语美妆，想了解哪款产品呢？",
    "jike": "您好，极客数码为您服务，请描述您的问题~",
}


def load(*, origins: list[str]) -> list[str]:
    """Returns the widget keys made."""
    from kefu.connectors import services
    from kefu.desk import demo as desk_demo

    provider = Organization.objects.get(slug="dingmao")
    admin = tenancy_selectors.membership_list_for_role(provider, role="provider_admin")[0].user
    scope = tenancy_selectors.scope_for_user(admin, organization_id=provider.pk)
    assert scope is not None
    keys = []
    for slug, greeting in GREETINGS.items():
        client = Organization.objects.get(slug=slug)
        widget = services.widget_create(
            scope,
            client_id=client.pk,
            allowed_origins=origins,
            greeting=greeting,
            name=client.name,
            queue=desk_demo.QUEUES.get(slug, {}).get("chat", ""),
        )
        keys.append(widget.widget_key)
    return keys
