"""The quoting JSON API end to end over bearer tokens: the rules are the services' (tested in
test_services / test_rfq); here, that the API reaches them, shows each side only its own, and
answers bad input with the documented 4xx shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.engagements.quoting.models import Quote
from kefu.engagements.quoting.tests import factories
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def _api(tenants: Tenants, org: str, role: str) -> Client:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


def test_a_provider_quotes_an_intake_and_the_client_accepts_an_option(tenants: Tenants) -> None:
    am, customer = _api(tenants, "pa", "account_manager"), _api(tenants, "ca1", "client_manager")
    intake = _post(customer, "/api/quote-intakes", {"title": "双十一", "data": factories.INTAKE})
    assert intake.status_code == 201, intake.content
    intake_id = intake.json()["id"]
    cost = _post(am, "/api/quote-cost-models", {"name": "标准坐席", "data": factories.COST})
    assert cost.status_code == 201, cost.content

    made = _post(
        am, "/api/quotes", {"intake_id": intake_id, "cost_model_id": cost.json()["id"], "options": [20, 26]}
    )
    assert made.status_code == 201, made.content
    quote = made.json()
    assert (quote["version"], quote["status"]) == (1, "draft")
    assert [o["seats"] for o in quote["result"]["options"]] == [20, 26]
    # the client never sees a draft; once sent it does
    assert customer.get(f"/api/quotes/{quote['id']}").status_code == 404
    assert customer.get("/api/quotes").json()["items"] == []
    assert _post(am, f"/api/quotes/{quote['id']}/send", {}).json()["status"] == "sent"
    assert [q["id"] for q in customer.get("/api/quotes").json()["items"]] == [quote["id"]]
    # the intake is frozen once quoted
    frozen = customer.put(
        f"/api/quote-intakes/{intake_id}", data={"data": factories.INTAKE}, content_type="application/json"
    )
    assert (frozen.status_code, frozen.json()["error"]["code"]) == (409, "conflict")
    # the provider may not answer for a client in Kefu; the client accepts one of the options
    assert _post(am, f"/api/quotes/{quote['id']}/accept", {"seats": 26}).status_code == 403
    wrong = _post(customer, f"/api/quotes/{quote['id']}/accept", {"seats": 7})
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "seats")
    accepted = _post(customer, f"/api/quotes/{quote['id']}/accept", {"seats": 26})
    assert (accepted.json()["status"], accepted.json()["accepted_seats"]) == ("accepted", 26)
    assert Quote.all_tenants.get(pk=quote["id"]).status == Quote.Status.ACCEPTED


def test_a_prospects_decline_is_recorded_and_the_pdf_link_serves_the_file(tenants: Tenants) -> None:
    am = tenants.scope("pa", "account_manager")
    quote = factories.quote(am, factories.intake(am), options=[8], send=True)  # a prospect not in Kefu
    client = _api(tenants, "pa", "account_manager")
    declined = _post(client, f"/api/quotes/{quote.pk}/decline", {"reason": "预算不够"})
    assert declined.status_code == 200, declined.content
    assert (declined.json()["status"], declined.json()["decision_reason"]) == ("declined", "预算不够")
    again = _post(client, f"/api/quotes/{quote.pk}/decline", {"reason": "x"})
    assert again.status_code == 409
    pdf = client.get(declined.json()["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_provider_never_sees_another_providers_quote_or_cost_model(tenants: Tenants) -> None:
    pa = tenants.scope("pa", "account_manager")
    quote = factories.quote(pa, factories.intake(pa, client_id=tenants.ca1.pk), send=True)
    cost_id = factories.cost_model(pa).pk
    other = _api(tenants, "pb", "account_manager")
    assert other.get(f"/api/quotes/{quote.pk}").status_code == 404
    assert other.get(f"/api/quote-cost-models/{cost_id}").status_code == 404
    assert other.get("/api/quotes").json()["items"] == []
    assert other.get("/api/quote-cost-models").json() == []
    # nor may it price another provider's intake with its own rates
    own_cost = factories.cost_model(tenants.scope("pb", "account_manager")).pk
    made = _post(other, "/api/quotes", {"intake_id": quote.intake_id, "cost_model_id": own_cost})
    assert made.status_code == 404
    # another client sees nothing of ca1's
    assert _api(tenants, "cb", "client_admin").get(f"/api/quotes/{quote.pk}").status_code == 404


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/quote-intakes", {"data": factories.INTAKE | {"daily_inquiries": -5}}, "daily_inquiries"),
        ("/api/quote-intakes", {"title": "x"}, None),  # no data at all
        ("/api/quote-cost-models", {"name": " ", "data": factories.COST}, "name"),
        ("/api/quote-cost-models", {"name": "x", "data": "rates"}, None),
    ],
)
def test_bad_input_is_a_422_in_the_documented_shape(
    tenants: Tenants, url: str, body: dict[str, Any], field: str | None
) -> None:
    answer = _post(_api(tenants, "pa", "account_manager"), url, body)
    assert answer.status_code == 422, answer.content
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    if field:
        assert error["field"] == field


def test_a_client_invites_compares_and_decides_by_api(multi_vendor: Tenants) -> None:
    t = multi_vendor
    customer = _api(t, "ca1", "client_manager")
    intake = factories.intake(t.scope("ca1", "client_manager"))
    missing = _post(customer, "/api/quote-rfqs", {"intake_id": intake.pk, "provider_ids": []})
    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "provider_ids")
    made = _post(customer, "/api/quote-rfqs", {"intake_id": intake.pk, "provider_ids": [t.pa.pk, t.pc.pk]})
    assert made.status_code == 201, made.content
    rfq_id = made.json()["id"]
    mine = factories.quote(t.scope("pa", "account_manager"), intake, options=[20, 26], send=True)
    theirs = factories.quote(t.scope("pc", "account_manager"), intake, options=[20, 26], send=True)
    # providers never read the comparison
    assert _api(t, "pa", "account_manager").get(f"/api/quote-rfqs/{rfq_id}").status_code == 404

    weighed = customer.put(
        f"/api/quote-rfqs/{rfq_id}/weights",
        data={"weights": {"price": 50, "security": 50}, "ratings": {str(t.pa.pk): {"security": 5}}},
        content_type="application/json",
    )
    assert weighed.status_code == 200, weighed.content
    rows = {row["provider_id"]: row for row in weighed.json()["comparison"]}
    assert (rows[t.pa.pk]["quote_id"], rows[t.pc.pk]["quote_id"]) == (mine.pk, theirs.pk)
    assert rows[t.pa.pk]["ratings"] == {"security": 5}
    no_reason = _post(
        customer, f"/api/quote-rfqs/{rfq_id}/decide", {"quote_id": mine.pk, "seats": 26, "reason": " "}
    )
    assert no_reason.status_code == 422
    decided = _post(
        customer, f"/api/quote-rfqs/{rfq_id}/decide", {"quote_id": mine.pk, "seats": 26, "reason": "价格更低"}
    )
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["chosen_quote_id"]) == ("decided", mine.pk)
    statuses = dict(Quote.all_tenants.filter(intake=intake).values_list("pk", "status"))
    assert statuses == {mine.pk: "accepted", theirs.pk: "declined"}
