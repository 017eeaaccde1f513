"""The contract pages and API: status, shape, who sees what (thin: the services are tested apart)."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.engagements.contracts.models import Contract, SignedContract
from kefu.engagements.contracts.tests.conftest import ANSWER_RATE, CONTRACT, engagement_of
from kefu.tenancy import selectors as tenancy_selectors
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_the_provider_drafts_and_both_sides_approve_through_the_pages(tenants: Tenants) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    response = admin.post(
        "/engagements/contracts/new/",
        {
            "engagement": engagement_of(tenants), "title": "悦家合同", "starts_on": "2026-03-01",
            "notice_days": 30, "seats": 8, "channels": ["chat", "email"], "payment_terms": "quarterly",
            "monthly_fee": "80000",
        },
    )  # fmt: skip
    contract = Contract.all_tenants.get()
    assert response.status_code == 302 and response["Location"] == f"/engagements/contracts/{contract.pk}/"
    term = {k: v for k, v in ANSWER_RATE.items() if v is not None}
    assert admin.post(f"/engagements/contracts/{contract.pk}/terms/", term).status_code == 302
    assert admin.post(f"/engagements/contracts/{contract.pk}/approve/").status_code == 302
    client_admin = tenants.client_for("ca1", "client_admin")
    page = client_admin.get(f"/engagements/contracts/{contract.pk}/")
    assert page.status_code == 200 and b'id="approve"' in page.content
    assert client_admin.post(f"/engagements/contracts/{contract.pk}/approve/").status_code == 302
    signed = SignedContract.all_tenants.get()
    page = client_admin.get(f"/engagements/contracts/{contract.pk}/")
    assert signed.sha256.encode() in page.content and b'id="approve"' not in page.content
    standing = client_admin.get(f"/engagements/contracts/{contract.pk}/standing/")
    assert standing.status_code == 200 and b'data-metric="answer_rate"' in standing.content
    reads = tenancy_selectors.access_log_list(tenants.scope("ca1", "client_admin")).filter(
        resource_type="contract"
    )
    assert sorted(reads.values_list("fields", flat=True)) == ["standing", "text"]


def test_a_bad_term_is_a_form_error(tenants: Tenants, draft: Contract) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    term = {"metric_id": "answer_rate", "target": "101", "consequence": "none", "step": 1, "rate_pct": 0}
    term |= {"floor_rate_pct": 0, "earn_back_periods": 0}
    response = admin.post(f"/engagements/contracts/{draft.pk}/terms/", term)
    assert response.status_code == 422 and "errorlist" in response.content.decode()


def test_a_malformed_month_is_not_found(tenants: Tenants, signed: Contract) -> None:
    page = tenants.client_for("ca1", "client_manager").get(
        f"/engagements/contracts/{signed.pk}/standing/?month=2026-13"
    )
    assert page.status_code == 404


@pytest.mark.parametrize(
    ("org", "role", "status"), [("ca1", "client_l2", 403), ("pa", "agent", 403), ("ca2", "client_admin", 404)]
)
def test_who_may_not_open_the_pages(
    tenants: Tenants, signed: Contract, org: str, role: str, status: int
) -> None:
    assert tenants.client_for(org, role).get(f"/engagements/contracts/{signed.pk}/").status_code == status


def _api(tenants: Tenants, org: str, role: str) -> Any:
    from django.test import Client

    from kefu.tenancy import services as tenancy_services

    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_drafts_approves_and_reads_the_standing(tenants: Tenants) -> None:
    provider = _api(tenants, "pa", "provider_admin")
    made = provider.post(
        "/api/engagements/contracts",
        {**CONTRACT, "engagement_id": engagement_of(tenants)},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    contract_id = made.json()["id"]
    term = provider.post(
        f"/api/engagements/contracts/{contract_id}/terms", ANSWER_RATE, content_type="application/json"
    )
    assert term.status_code == 201 and term.json()["earn_back_periods"] == 2
    assert provider.post(f"/api/engagements/contracts/{contract_id}/approve").json()["status"] == "draft"
    client = _api(tenants, "ca1", "client_admin")
    signed = client.post(f"/api/engagements/contracts/{contract_id}/approve").json()
    assert signed["status"] == "signed" and len(signed["signed"]["sha256"]) == 64
    conflict = provider.patch(
        f"/api/engagements/contracts/{contract_id}", {"seats": 3}, content_type="application/json"
    )
    assert conflict.status_code == 409
    found = client.get(f"/api/engagements/contracts/{contract_id}/standing?month=2026-03").json()
    assert (found["month"], found["terms"][0]["metric_id"], found["terms"][0]["target"]) == (
        "2026-03",
        "answer_rate",
        80.0,
    )
    bad = client.get(f"/api/engagements/contracts/{contract_id}/standing?month=March")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "month")


def test_a_bad_field_in_the_api_names_it(tenants: Tenants) -> None:
    provider = _api(tenants, "pa", "provider_admin")
    body = {**CONTRACT, "engagement_id": engagement_of(tenants), "payment_terms": "weekly"}
    answer = provider.post("/api/engagements/contracts", body, content_type="application/json")
    assert (answer.status_code, answer.json()["error"]["field"]) == (422, "payment_terms")
