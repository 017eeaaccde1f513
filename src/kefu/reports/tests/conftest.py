"""One worked day for the reports: ca1 (Asia/Shanghai) on Tuesday 2026-03-10, served by pa.

09:00 local: c1 in queue 家居-在线, answered after 10 s, an after-sales refund case opened on it.
09:05 local: c2 in 家居-在线 with order TB1001 (¥199.00), answered after 60 s.
09:10 local: c3 by e-mail, no queue, never answered.
The queue's target is 80 % answered within 30 s. The next morning the events are sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from kefu.analytics import sealing
from kefu.desk import services as desk_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants

DAY = "2026-03-10"
START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NEXT_MORNING = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, past KEFU_REPORTS_HOUR


@dataclass
class Worked:
    tenants: Tenants
    c1: Any
    c2: Any
    c3: Any
    case: Any


def _at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def worked(tenants: Tenants) -> Worked:
    sup = tenants.scope("pa", "supervisor")
    with _at(START - timedelta(hours=1)):
        routing_services.queue_create(
            sup, client_id=tenants.ca1.pk, name="家居-在线", sl_target_percent=80, sl_target_seconds=30
        )
    with _at(START):
        c1 = desk_services.conversation_create(
            sup, channel="chat", client_id=tenants.ca1.pk, queue="家居-在线", message="退款怎么办"
        )
    with _at(START + timedelta(seconds=10)):
        desk_services.message_post(sup, conversation_id=c1.pk, body="您好，马上为您处理")
    with _at(START + timedelta(minutes=1)):
        case = desk_services.case_create(
            sup, conversation_id=c1.pk, type="refund", subject="退款", order_number="TB0999"
        )
    with _at(START + timedelta(minutes=5)):
        c2 = desk_services.conversation_create(
            sup,
            channel="chat",
            client_id=tenants.ca1.pk,
            queue="家居-在线",
            message="这个有货吗",
            order_numbers=["TB1001"],
            order_value=Decimal("199.00"),
        )
    with _at(START + timedelta(minutes=6)):
        desk_services.message_post(sup, conversation_id=c2.pk, body="有货的")
    with _at(START + timedelta(minutes=10)):
        c3 = desk_services.conversation_create(
            sup, channel="email", client_id=tenants.ca1.pk, message="发票什么时候开"
        )
    with _at(NEXT_MORNING - timedelta(minutes=20)):
        sealing.seal_pending(lag=0)
        sealing.digests_close()
    return Worked(tenants, c1, c2, c3, case)


@pytest.fixture
def next_morning() -> Any:
    with _at(NEXT_MORNING) as traveller:
        yield traveller
