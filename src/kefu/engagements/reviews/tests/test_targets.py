"""The signed contract's SLA terms as the client's dashboard targets (they win over the SLA policy)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.analytics import dashboard_targets
from kefu.desk import services as desk_services
from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import at
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_the_terms_in_force_are_the_whole_client_targets(tenants: Tenants, signed: Contract) -> None:
    # given ca1's SLA policy (first response 60 s) and pa's signed contract (answer rate ≥ 80, ASA ≤ 30)
    with at(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)):
        desk_services.sla_policy_create(tenants.scope("ca1", "client_admin"), first_response_s=60)
    with at(datetime(2026, 4, 2, 2, 0, tzinfo=UTC)):
        # when the dashboard asks for the targets of the whole client
        found = dashboard_targets.targets_for(tenants.ca1.pk)
        # then the terms are there as "contract" targets, next to the policy's own
        assert (found["answer_rate"].value, found["answer_rate"].source) == (80.0, "contract")
        assert (found["asa"].value, found["asa"].source) == (30.0, "contract")
        assert (found["first_response_time"].value, found["first_response_time"].source) == (
            60.0,
            "sla_policy",
        )
        # a queue's view keeps its own targets; another client gets none from this contract
        assert "answer_rate" not in dashboard_targets.targets_for(tenants.ca1.pk, "售后")
        assert "answer_rate" not in dashboard_targets.targets_for(tenants.ca2.pk)
    # before the contract starts it is not a target yet
    with at(datetime(2026, 2, 20, 2, 0, tzinfo=UTC)):
        assert "answer_rate" not in dashboard_targets.targets_for(tenants.ca1.pk)


def test_a_term_wins_over_the_sla_policy(tenants: Tenants, draft: Contract) -> None:
    from kefu.engagements.contracts import services as contract_services

    # given a policy of 60 s first response and a signed term of 45 s on the same metric
    with at(datetime(2026, 2, 20, 2, 0, tzinfo=UTC)):
        desk_services.sla_policy_create(tenants.scope("ca1", "client_admin"), first_response_s=60)
        contract_services.term_add(
            tenants.scope("pa", "provider_admin"),
            contract_id=draft.pk,
            metric_id="first_response_time",
            target=45,
        )
        contract_services.contract_approve(tenants.scope("pa", "provider_admin"), contract_id=draft.pk)
        contract_services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=draft.pk)
    with at(datetime(2026, 4, 2, 2, 0, tzinfo=UTC)):
        target = dashboard_targets.targets_for(tenants.ca1.pk)["first_response_time"]
    assert (target.value, target.source) == (45.0, "contract")
