"""A contract drawn up from the client's accepted quote: its seats, the link kept through
amendments, and only an accepted quote of the same engagement."""

from __future__ import annotations

import pytest

from kefu.core.errors import Invalid, NotFound
from kefu.engagements.contracts import services
from kefu.engagements.contracts.tests.conftest import ANSWER_RATE, CONTRACT
from kefu.engagements.quoting import services as quoting_services
from kefu.engagements.quoting.models import Quote
from kefu.engagements.quoting.tests import factories
from kefu.tenancy.models import Engagement
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def _quote(tenants: Tenants, provider: str, client: str, *, accept: bool) -> Quote:
    seller = tenants.scope(provider, "account_manager")
    made = factories.intake(tenants.scope(client, "client_manager"))
    quote = factories.quote(seller, made, options=[8, 10], send=True)
    if accept:
        quote = quoting_services.quote_decide(
            tenants.scope(client, "client_manager"), quote_id=quote.pk, accept=True, seats=10
        )
    return quote


def _engagement(tenants: Tenants, provider: str, client: str) -> int:
    return Engagement.objects.get(provider__slug=provider, client__slug=client).pk


def test_the_accepted_option_gives_the_seats_and_the_link_survives_an_amendment(tenants: Tenants) -> None:
    quote = _quote(tenants, "pa", "ca1", accept=True)
    admin = tenants.scope("pa", "provider_admin")
    fields = {k: v for k, v in CONTRACT.items() if k != "seats"}

    contract = services.contract_create(
        admin, engagement_id=_engagement(tenants, "pa", "ca1"), quote_id=quote.pk, **fields
    )

    assert (contract.quote_id, contract.seats) == (quote.pk, 10)
    services.term_add(admin, contract_id=contract.pk, **ANSWER_RATE)
    services.contract_approve(admin, contract_id=contract.pk)
    services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=contract.pk)
    amendment = services.contract_amend(admin, contract_id=contract.pk)
    assert amendment.quote_id == quote.pk


def test_only_an_accepted_quote_of_the_same_engagement(tenants: Tenants) -> None:
    admin = tenants.scope("pa", "provider_admin")
    sent_only = _quote(tenants, "pa", "ca1", accept=False)
    other_client = _quote(tenants, "pa", "ca2", accept=True)
    other_tenant = _quote(tenants, "pb", "cb", accept=True)
    engagement_id = _engagement(tenants, "pa", "ca1")

    failures = []
    for quote in (sent_only, other_client, other_tenant):
        with pytest.raises((Invalid, NotFound)) as caught:
            services.contract_create(admin, engagement_id=engagement_id, quote_id=quote.pk, **CONTRACT)
        failures.append((type(caught.value).__name__, caught.value.field))

    assert failures == [("Invalid", "quote_id"), ("Invalid", "quote_id"), ("NotFound", "quote_id")]
