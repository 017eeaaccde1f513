"""The demo's business review: 丁卯 → 悦家's live contract gets last month's review, published,
with two improvement actions (one for each side) and a comment from each side. Runs after the
contracts' demo."""

from __future__ import annotations

import datetime as dt

from kefu.core.scope import Scope
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.reviews import services
from kefu.tenancy import selectors as tenancy_selectors


def _scope(org_slug: str, role: str) -> Scope | None:
    organization = tenancy_selectors.organization_by_slug(org_slug)
    if organization is None:
        return None
    members = tenancy_selectors.membership_list_for_role(organization, role=role)
    if not members:
        return None
    return tenancy_selectors.scope_for_user(members[0].user, organization_id=organization.pk)


def load(*, today: dt.date) -> None:
    provider = _scope("dingmao", "account_manager") or _scope("dingmao", "provider_admin")
    client = _scope("yuejia", "client_admin")
    if provider is None or client is None:
        return
    live = next(
        (c for c in contract_selectors.contract_list(provider, status="signed") if c.client.slug == "yuejia"),
        None,
    )
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if live is None or last_month < live.starts_on.replace(day=1):
        return
    review = services.review_generate(provider, contract_id=live.pk, month=last_month)
    services.action_create(
        provider,
        business_review_id=review.pk,
        title="晚间 20:00–24:00 增派 2 名客服，接起率回到 95% 以上",
        owner_id=provider.user_id,
        due_on=today + dt.timedelta(days=14),
    )
    services.action_create(
        client,
        business_review_id=review.pk,
        title="更新大促售后规则与退换货话术，同步给外包团队",
        owner_id=client.user_id,
        due_on=today + dt.timedelta(days=7),
    )
    services.comment_add(
        provider,
        business_review_id=review.pk,
        body="上月接起率受晚高峰影响未达标，已调整排班；首次响应与满意度保持稳定。",
    )
    services.comment_add(
        client,
        business_review_id=review.pk,
        body="认可改进方向。请在下次复盘时给出晚高峰接起率的日趋势。",
    )
    services.review_publish(provider, business_review_id=review.pk)
