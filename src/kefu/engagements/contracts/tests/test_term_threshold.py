"""A service-level term names its seconds ("X % within Y s"); the standing, the reviews and the
dashboard's targets compare at those seconds, and the rollups keep the threshold.

The worked day (conftest): c1 answered after 10 s, c2 after 60 s, c3 (e-mail) never: service
level is 1/3 within 20 s and 2/3 within 90 s.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from kefu.analytics import rollup_selectors
from kefu.core.errors import Invalid
from kefu.engagements.contracts import services, standing
from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import NEXT_MORNING, START, at
from kefu.engagements.reviews import targets
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

WITHIN_90 = {"metric_id": "service_level", "target": 60, "threshold_s": 90, "consequence": "none"}
DEFAULT = {"metric_id": "service_level", "target": 60, "consequence": "none"}


def test_a_service_level_term_carries_its_seconds(tenants: Tenants, draft: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    assert services.term_add(admin, contract_id=draft.pk, **WITHIN_90).threshold_s == 90
    assert services.term_add(admin, contract_id=draft.pk, **DEFAULT).threshold_s == 20  # made explicit
    with pytest.raises(Invalid) as wrong:
        services.term_add(admin, contract_id=draft.pk, metric_id="answer_rate", target=90, threshold_s=30)
    assert wrong.value.field == "threshold_s"
    with pytest.raises(Invalid) as zero:
        services.term_add(admin, contract_id=draft.pk, **(WITHIN_90 | {"threshold_s": 0}))
    assert zero.value.field == "threshold_s"
    document = services.document_of(draft, services.selectors.term_list(draft))
    assert [t["threshold_s"] for t in document["terms"]] == [None, None, 90.0, 20.0]


@pytest.mark.usefixtures("worked_day")
def test_the_standing_compares_at_the_terms_threshold(tenants: Tenants, draft: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(START - timedelta(days=20)):
        services.term_add(admin, contract_id=draft.pk, **WITHIN_90)
        services.term_add(admin, contract_id=draft.pk, **DEFAULT)
    with at(NEXT_MORNING):
        found = standing.contract_standing(draft, month=date(2026, 3, 1))
        rows = {r.term.threshold_s: r for r in found.rows if r.term.metric_id == "service_level"}
        assert round(rows[90.0].value, 2) == 66.67 and rows[90.0].outcome.status == "met"
        assert round(rows[20.0].value, 2) == 33.33 and rows[20.0].outcome.status == "missed"
        assert [t["threshold_s"] for t in standing.as_json(found)["terms"]][-2:] == [90.0, 20.0]


def test_signed_terms_are_the_dashboards_targets_and_the_rollups_thresholds(
    tenants: Tenants, draft: Contract
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(START - timedelta(days=20)):
        services.term_add(admin, contract_id=draft.pk, **WITHIN_90)
    assert 90.0 not in targets.term_thresholds()  # a draft promises nothing yet
    with at(START - timedelta(days=19)):
        services.contract_approve(admin, contract_id=draft.pk)
        services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=draft.pk)
    assert targets.term_thresholds() == {90.0}
    source: Any = rollup_selectors._threshold_sources["engagements.contract_terms"]
    source.cache_clear()
    try:
        assert 90.0 in rollup_selectors.wanted_thresholds()
    finally:
        source.cache_clear()  # later tests' folds must not keep this database's 90 s
    with at(START):
        found = {t.metric_id: t for t in targets.contract_targets(tenants.ca1.pk, "")}
    assert (found["service_level"].value, found["service_level"].threshold_s) == (60.0, 90.0)
