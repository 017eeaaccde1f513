"""Test helpers: finished conversations on a given day and a scorecard following seed 001."""

from __future__ import annotations

from datetime import datetime

from kefu.core import clock
from kefu.desk import services as desk_services
from kefu.quality.reviews import services
from kefu.testing.plugin import Tenants

TEXT = (
    "# 问候与结束\n"
    "开场报店铺名和工号 | 10 | yn\n"
    "使用礼貌用语（您好、请问有什么可以帮您） | 10 | ynp\n"
    "结束语（感谢咨询、祝您生活愉快） | 10 | yn | na\n"
    "# 解决问题\n"
    "准确理解并解决问题 | 40 | 1-5\n"
    "# 致命项\n"
    "未泄露客户信息 | fatal\n"
    "无辱骂、讽刺客户 | fatal\n"
)


def scorecard(tenants: Tenants, *, provider: str = "pa", client: str = "ca1", channel: str = "") -> object:
    return services.scorecard_create(
        tenants.scope(provider, "qa_inspector"),
        client_id=getattr(tenants, client).pk,
        name="在线客服质检表",
        channel=channel,
        text=TEXT,
    )


def finished(
    tenants: Tenants,
    at: datetime,
    *,
    provider: str = "pa",
    client: str = "ca1",
    channel: str = "chat",
    tags: list[str] | None = None,
    agent_role: str = "agent",
) -> int:
    """A conversation of the provider's agent, answered and resolved at `at`."""
    lead, agent = tenants.scope(provider, "supervisor"), tenants.scope(provider, agent_role)
    with clock.at(at):
        conversation = desk_services.conversation_create(
            lead,
            channel=channel,
            client_id=getattr(tenants, client).pk,
            message="你好，我的快递到哪了",
            tags=tags,
        )
        desk_services.conversation_assign(lead, conversation_id=conversation.pk, agent_id=agent.user_id)
        desk_services.message_post(
            agent,
            conversation_id=conversation.pk,
            body="您好，这里是家居店客服小王，工号 8012",
            direction="out" if channel == "chat" else "note",  # an e-mail reply needs an address
        )
        desk_services.conversation_set_status(
            agent, conversation_id=conversation.pk, status="resolved", category="其他"
        )
    return conversation.pk
