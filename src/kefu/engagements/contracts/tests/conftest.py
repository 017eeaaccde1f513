"""A drafted contract between pa and ca1, and one worked day for its standing.

ca1 on Tuesday 2026-03-10 (Asia/Shanghai), served by pa: c1 (chat) answered after 10 s, c2
(chat) answered after 60 s, c3 (e-mail) never answered. So the answer rate is 2/3 = 66.67 %
and the ASA (mean wait of the answered) is 35 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from kefu.desk import services as desk_services
from kefu.engagements.contracts import services
from kefu.engagements.contracts.models import Contract
from kefu.testing.plugin import Tenants

START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NEXT_MORNING = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)

CONTRACT = {
    "title": "悦家 2026 客服外包合同",
    "scope_of_work": "售前售后在线咨询",
    "channels": ["chat", "email"],
    "service_hours": "09:00–24:00",
    "seats": 8,
    "payment_terms": "quarterly",
    "monthly_fee": "100000",
    "at_risk_pct": "10",
    "starts_on": "2026-03-01",
    "renews_on": "2027-02-01",
    "ends_on": "2027-02-28",
}
ANSWER_RATE = {
    "metric_id": "answer_rate", "target": 80, "consequence": "credit", "step": 1, "rate_pct": 1,
    "cap_pct": 5, "floor_window": "day", "floor_target": 50, "floor_rate_pct": 0.5, "earn_back_periods": 2,
}  # fmt: skip
ASA = {"metric_id": "asa", "target": 30, "consequence": "penalty", "step": 10, "rate_pct": 2}


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def draft(tenants: Tenants) -> Contract:
    """pa's draft for ca1 with two terms (answer rate with a daily floor, ASA)."""
    admin = tenants.scope("pa", "provider_admin")
    with at(START - timedelta(days=20)):
        contract = services.contract_create(admin, engagement_id=engagement_of(tenants), **CONTRACT)
        services.term_add(admin, contract_id=contract.pk, **ANSWER_RATE)
        services.term_add(admin, contract_id=contract.pk, **ASA)
    return contract


def engagement_of(tenants: Tenants) -> int:
    admin = tenants.scope("pa", "provider_admin")
    return next(
        e.pk for e in services.tenancy_selectors.engagement_list(admin) if e.client_id == tenants.ca1.pk
    )


@pytest.fixture
def signed(tenants: Tenants, draft: Contract) -> Contract:
    with at(START - timedelta(days=19)):
        services.contract_approve(tenants.scope("pa", "provider_admin"), contract_id=draft.pk)
        services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=draft.pk)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def worked_day(tenants: Tenants) -> None:
    sup = tenants.scope("pa", "supervisor")
    with at(START):
        c1 = desk_services.conversation_create(
            sup, channel="chat", client_id=tenants.ca1.pk, message="退款怎么办"
        )
    with at(START + timedelta(seconds=10)):
        desk_services.message_post(sup, conversation_id=c1.pk, body="您好，马上为您处理")
    with at(START + timedelta(minutes=5)):
        c2 = desk_services.conversation_create(
            sup, channel="chat", client_id=tenants.ca1.pk, message="有货吗"
        )
    with at(START + timedelta(minutes=6)):
        desk_services.message_post(sup, conversation_id=c2.pk, body="有货的")
    with at(START + timedelta(minutes=10)):
        desk_services.conversation_create(sup, channel="email", client_id=tenants.ca1.pk, message="发票")


@pytest.fixture
def next_morning() -> Iterator[Any]:
    with at(NEXT_MORNING) as traveller:
        yield traveller
