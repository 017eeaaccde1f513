"""A client asks two providers to quote on one intake, compares them and decides; the providers
never see the comparison or each other's quotes."""

from __future__ import annotations

import pytest

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.quoting import selectors, services
from kefu.engagements.quoting.models import Quote, Rfq
from kefu.engagements.quoting.tests import factories
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_invite_compare_decide(multi_vendor: Tenants) -> None:
    t = multi_vendor
    client = t.scope("ca1", "client_manager")
    intake = factories.intake(client)
    rfq = services.rfq_create(client, intake_id=intake.pk, provider_ids=[t.pa.pk, t.pc.pk])
    # pa quotes cheaper (lower salary), pc quotes with the default rates; both send
    pa = t.scope("pa", "account_manager")
    pa_cost = services.cost_model_save(
        pa, name="低价", data=factories.COST | {"monthly_per_seat": {"salary": 4000}}
    )
    mine = services.quote_create(pa, intake_id=intake.pk, cost_model_id=pa_cost.pk, options=[20, 26])
    services.quote_send(pa, quote_id=mine.pk)
    theirs = factories.quote(t.scope("pc", "account_manager"), intake, options=[20, 26], send=True)

    services.rfq_weigh(
        client,
        rfq_id=rfq.pk,
        weights={"price": 60, "service_level": 20, "security": 20},
        ratings={t.pa.pk: {"security": 3}, t.pc.pk: {"security": 5}},
    )
    rows = selectors.rfq_comparison(client, selectors.rfq_get(client, rfq_id=rfq.pk))
    by_provider = {r["provider_id"]: r for r in rows}
    assert by_provider[t.pa.pk]["quote"].pk == mine.pk and by_provider[t.pc.pk]["quote"].pk == theirs.pk
    # same seats and service level, so only price and security differ: pa's price scores 1,
    # pc's 4 000/(4 000 + 1 560) … i.e. cheaper / dearer of the two monthly prices
    pa_price = float(by_provider[t.pa.pk]["option"]["prices"]["seat_month"]["monthly"])
    pc_price = float(by_provider[t.pc.pk]["option"]["prices"]["seat_month"]["monthly"])
    assert by_provider[t.pc.pk]["scored"].scores["price"] == pytest.approx(pa_price / pc_price)
    assert by_provider[t.pa.pk]["scored"].total == pytest.approx(60 + 20 + 20 * 3 / 5, abs=0.05)
    assert by_provider[t.pa.pk]["measured"] is None  # no contacts in the event log yet

    with pytest.raises(Invalid):
        services.rfq_decide(client, rfq_id=rfq.pk, quote_id=theirs.pk, seats=26, reason=" ")
    services.rfq_decide(client, rfq_id=rfq.pk, quote_id=theirs.pk, seats=26, reason="数据安全更好")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.accepted_seats, mine.status) == (
        Quote.Status.ACCEPTED,
        26,
        Quote.Status.DECLINED,
    )
    assert Rfq.all_tenants.get().decision_reason == "数据安全更好"
    with pytest.raises(Conflict):
        services.rfq_weigh(client, rfq_id=rfq.pk, weights={"price": 1}, ratings={})


def test_providers_never_reach_the_comparison(multi_vendor: Tenants) -> None:
    t = multi_vendor
    client = t.scope("ca1", "client_admin")
    rfq = services.rfq_create(client, intake_id=factories.intake(client).pk, provider_ids=[t.pa.pk])
    for org in ("pa", "pc"):
        scope = t.scope(org, "provider_admin")
        assert list(selectors.rfq_list(scope)) == []
        with pytest.raises(NotFound):
            selectors.rfq_get(scope, rfq_id=rfq.pk)
        with pytest.raises(PermissionDenied):
            services.rfq_weigh(scope, rfq_id=rfq.pk, weights={"price": 1}, ratings={})
    assert t.client_for("pa", "provider_admin").get(f"/engagements/quotes/rfq/{rfq.pk}/").status_code == 403
    assert t.client_for("ca2", "client_admin").get(f"/engagements/quotes/rfq/{rfq.pk}/").status_code == 404


def test_only_the_clients_providers_can_be_invited_to_its_own_intake(tenants: Tenants) -> None:
    client = tenants.scope("ca1", "client_admin")
    intake = factories.intake(client)
    with pytest.raises(NotFound):
        services.rfq_create(client, intake_id=intake.pk, provider_ids=[tenants.pb.pk])
    provider_intake = factories.intake(tenants.scope("pa", "account_manager"), client_id=tenants.ca1.pk)
    with pytest.raises(Invalid):
        services.rfq_create(client, intake_id=provider_intake.pk, provider_ids=[tenants.pa.pk])


def test_the_comparison_page_shows_ranks(multi_vendor: Tenants) -> None:
    t = multi_vendor
    client = t.scope("ca1", "client_manager")
    intake = factories.intake(client)
    rfq = services.rfq_create(client, intake_id=intake.pk, provider_ids=[t.pa.pk, t.pc.pk])
    factories.quote(t.scope("pa", "account_manager"), intake, options=[24], send=True)
    page = t.client_for("ca1", "client_manager").get(
        f"/engagements/quotes/rfq/{rfq.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert page.status_code == 200 and 'id="comparison"' in text and "No quote yet" in text
