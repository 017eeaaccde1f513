"""A signed per-contact contract between pa and ca1 (March 2026 on), and its worked day.

The worked day is the contracts' fixture (ca1 on 2026-03-10: two chats answered after 10 s and
60 s, one e-mail never answered): contacts handled 2, answer rate 66.67 %, ASA 35 s.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.engagements.contracts import services as contract_services
from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import (  # noqa: F401 (fixtures)
    ANSWER_RATE,
    ASA,
    CONTRACT,
    START,
    at,
    engagement_of,
    next_morning,
    worked_day,
)
from kefu.testing.plugin import Tenants

COMMISSION = {
    **CONTRACT,
    "pricing_model": "base_commission",
    "pricing_rates": {"base_per_seat_month": "5000", "commission_rate": "3", "vat_pct": "6"},
}
MARCH_CSV = (
    "订单号,下单时间,实付金额,退款金额,客服\n"
    "M-1,2026-03-02 10:00:00,1000.00,0,小王\n"
    "M-2,2026-03-10 09:30:00,2500.50,500.50,小李\n"
    "M-3,2026-03-31 23:59:00,99.90,,\n"
).encode()  # paid 3600.40, refunded 500.50, net 3099.90


@pytest.fixture
def commission(tenants: Tenants) -> Contract:
    """pa's signed base + commission contract for ca1 (8 seats × ¥5,000, 3 % of sales, VAT 6 %)."""
    admin = tenants.scope("pa", "provider_admin")
    with at(START - timedelta(days=20)):
        made = contract_services.contract_create(admin, engagement_id=engagement_of(tenants), **COMMISSION)
        contract_services.term_add(admin, contract_id=made.pk, **ANSWER_RATE)
        contract_services.contract_approve(admin, contract_id=made.pk)
        contract_services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=made.pk)
    made.refresh_from_db()
    return made


PER_CONTACT = {**CONTRACT, "pricing_model": "per_contact", "pricing_rates": {"rate_per_contact": "12.50"}}


@pytest.fixture
def contract(tenants: Tenants) -> Contract:
    """pa's signed per-contact contract for ca1 (¥12.50 a contact, VAT 6 %), with the answer-rate
    credit (cap 5 %, earn-back 2 months) and the ASA penalty; fee 100000, fee at risk 10 %."""
    admin = tenants.scope("pa", "provider_admin")
    with at(START - timedelta(days=20)):
        made = contract_services.contract_create(admin, engagement_id=engagement_of(tenants), **PER_CONTACT)
        contract_services.term_add(admin, contract_id=made.pk, **ANSWER_RATE)
        contract_services.term_add(admin, contract_id=made.pk, **ASA)
        contract_services.contract_approve(admin, contract_id=made.pk)
        contract_services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=made.pk)
    made.refresh_from_db()
    return made
