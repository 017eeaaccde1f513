"""Intakes, quote versions and their status; who sees which quote (issue 14 permission tests)."""

from __future__ import annotations

import pytest

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.quoting import selectors, services
from kefu.engagements.quoting.models import Intake, Quote
from kefu.engagements.quoting.tests import factories
from kefu.engagements.quoting.tests.test_estimate import INTAKE
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_an_intake_is_editable_until_quoted(tenants: Tenants) -> None:
    am = tenants.scope("pa", "account_manager")
    made = factories.intake(am, client_id=tenants.ca1.pk)
    assert (made.provider_id, made.client_id, made.title) == (
        tenants.pa.pk,
        tenants.ca1.pk,
        "杭州悦衣服饰旗舰店",
    )
    services.intake_update(am, intake_id=made.pk, title="悦衣 2027", data=INTAKE | {"daily_inquiries": 1800})
    factories.quote(am, made)
    made.refresh_from_db()
    assert made.status == Intake.Status.QUOTED and made.data["daily_inquiries"] == 1800
    with pytest.raises(Conflict):
        services.intake_update(am, intake_id=made.pk, title="x", data=INTAKE)


def test_a_bad_intake_is_invalid_naming_the_field(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as caught:
        factories.intake(tenants.scope("ca1", "client_manager"), daily_inquiries=-5)
    assert caught.value.field == "daily_inquiries"
    assert not Intake.all_tenants.exists()


def test_a_prospect_intake_belongs_to_the_provider_alone(tenants: Tenants) -> None:
    made = factories.intake(tenants.scope("pa", "account_manager"))
    assert (made.provider_id, made.client_id) == (tenants.pa.pk, None)
    assert list(selectors.intake_list(tenants.scope("ca1", "client_admin"))) == []
    assert list(selectors.intake_list(tenants.scope("pb", "account_manager"))) == []


def test_versions_send_supersede_and_accept(tenants: Tenants) -> None:
    am = tenants.scope("pa", "account_manager")
    made = factories.intake(tenants.scope("ca1", "client_manager"))  # the client's own intake
    v1 = factories.quote(am, made, options=[8, 10], send=True)
    v2 = factories.quote(am, made, options=[9, 11])
    assert (v1.version, v2.version) == (1, 2)
    services.quote_send(am, quote_id=v2.pk)
    v1.refresh_from_db()
    assert v1.status == Quote.Status.SUPERSEDED
    client = tenants.scope("ca1", "client_manager")
    with pytest.raises(Invalid):
        services.quote_decide(client, quote_id=v2.pk, accept=True, seats=10)
    services.quote_decide(client, quote_id=v2.pk, accept=True, seats=11, reason="价格合适")
    v2.refresh_from_db()
    assert (v2.status, v2.accepted_seats, v2.decision_reason) == (Quote.Status.ACCEPTED, 11, "价格合适")
    with pytest.raises(Conflict):
        factories.quote(am, made)
    actions = list(
        AuditEvent.all_tenants.filter(action__startswith="engagements.quote").values_list("action", flat=True)
    )
    assert actions.count("engagements.quote_create") == 2 and "engagements.quote_accept" in actions


def test_a_client_in_kefu_answers_itself_and_never_sees_drafts(tenants: Tenants) -> None:
    am = tenants.scope("pa", "account_manager")
    made = factories.intake(am, client_id=tenants.ca1.pk)
    draft = factories.quote(am, made)
    client = tenants.scope("ca1", "client_admin")
    assert list(selectors.quote_list(client)) == []
    with pytest.raises(NotFound):
        selectors.quote_get(client, quote_id=draft.pk)
    services.quote_send(am, quote_id=draft.pk)
    assert [q.pk for q in selectors.quote_list(client)] == [draft.pk]
    with pytest.raises(PermissionDenied):
        services.quote_decide(am, quote_id=draft.pk, accept=False)
    services.quote_decide(client, quote_id=draft.pk, accept=False, reason="预算不够")
    with pytest.raises(Conflict):
        services.quote_decide(client, quote_id=draft.pk, accept=True)


def test_providers_never_see_each_others_quotes_on_the_same_client(multi_vendor: Tenants) -> None:
    t = multi_vendor
    made = factories.intake(t.scope("ca1", "client_manager"))
    mine = factories.quote(t.scope("pa", "account_manager"), made, send=True)
    theirs = factories.quote(t.scope("pc", "account_manager"), made, send=True)
    assert [q.pk for q in selectors.quote_list(t.scope("pa", "provider_admin"))] == [mine.pk]
    assert [q.pk for q in selectors.quote_list(t.scope("pc", "provider_admin"))] == [theirs.pk]
    with pytest.raises(NotFound):
        selectors.quote_get(t.scope("pa", "account_manager"), quote_id=theirs.pk)
    # the client compares both; another client sees neither
    assert {q.pk for q in selectors.quote_list(t.scope("ca1", "client_manager"))} == {mine.pk, theirs.pk}
    assert list(selectors.quote_list(t.scope("ca2", "client_admin"))) == []
    # each provider numbers its own versions; one provider's accepted quote never moves the other's
    assert (mine.version, theirs.version) == (1, 1)
    services.quote_decide(
        t.scope("ca1", "client_manager"),
        quote_id=theirs.pk,
        accept=True,
        seats=theirs.result["options"][0]["seats"],
    )
    mine.refresh_from_db()
    assert mine.status == Quote.Status.SENT


def test_cost_models_are_the_providers_own(tenants: Tenants) -> None:
    row = factories.cost_model(tenants.scope("pa", "provider_admin"))
    assert (row.provider_id, row.client_id) == (tenants.pa.pk, None)
    assert list(selectors.cost_model_list(tenants.scope("pb", "provider_admin"))) == []
    assert list(selectors.cost_model_list(tenants.scope("ca1", "client_admin"))) == []
    with pytest.raises(NotFound):
        services.quote_create(
            tenants.scope("pb", "account_manager"),
            intake_id=factories.intake(tenants.scope("pb", "account_manager")).pk,
            cost_model_id=row.pk,
        )
    with pytest.raises(PermissionDenied):
        factories.cost_model(tenants.scope("ca1", "client_admin"))
    with pytest.raises(Invalid) as caught:
        factories.cost_model(tenants.scope("pa", "provider_admin"), margin=2)
    assert caught.value.field == "margin"
