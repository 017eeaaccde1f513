"""The review pages and API: status, shape, who sees what (thin: the services are tested apart)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from kefu.engagements.contracts.models import Contract
from kefu.engagements.contracts.tests.conftest import at
from kefu.engagements.reviews.models import BusinessReview, RenewalRecommendation, ReviewAction, ReviewComment
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def api(tenants: Tenants, org: str, role: str) -> Client:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.usefixtures("worked_day")
def test_the_review_through_the_api(tenants: Tenants, signed: Contract) -> None:
    provider, client = api(tenants, "pa", "account_manager"), api(tenants, "ca1", "client_manager")
    with at(APRIL):
        made = provider.post(
            "/api/engagements/reviews",
            {"contract_id": signed.pk, "month": "2026-03"},
            content_type="application/json",
        )
        assert made.status_code == 201
        body = made.json()
        assert (body["month"], body["status"], body["snapshot"]["credits"]) == ("2026-03", "draft", "7000.00")
        review_id = body["id"]
        owner = tenants.user("ca1", "client_manager").pk
        action = client.post(
            f"/api/engagements/reviews/{review_id}/actions",
            {"title": "补充售后话术", "owner_id": owner, "due_on": "2026-04-15"},
            content_type="application/json",
        )
        assert action.status_code == 201 and action.json()["raised_in"] == "2026-03"
        bad = client.post(
            f"/api/engagements/reviews/{review_id}/actions",
            {"title": "x", "owner_id": owner, "due_on": "soon"},
            content_type="application/json",
        )
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "due_on"
        comment = client.post(
            f"/api/engagements/reviews/{review_id}/comments", {"body": "好"}, content_type="application/json"
        )
        assert comment.status_code == 201 and comment.json()["side"] == "client"
        assert client.post(f"/api/engagements/reviews/{review_id}/publish").status_code == 403
        published = provider.post(f"/api/engagements/reviews/{review_id}/publish")
        assert published.status_code == 200 and published.json()["status"] == "published"
        done = client.patch(
            f"/api/engagements/reviews/actions/{action.json()['id']}",
            {"status": "done"},
            content_type="application/json",
        )
        assert done.status_code == 200 and done.json()["done_by_id"] == owner
        again = provider.post(
            "/api/engagements/reviews",
            {"contract_id": signed.pk, "month": "2026-03"},
            content_type="application/json",
        )
        assert again.status_code == 409
        listed = client.get(f"/api/engagements/reviews?contract_id={signed.pk}")
        assert [r["id"] for r in listed.json()] == [review_id]
        assert client.get("/api/engagements/reviews?month=March").status_code == 422
        got = client.get(f"/api/engagements/reviews/{review_id}").json()
        assert ([a["status"] for a in got["actions"]], len(got["comments"])) == (["done"], 1)
        assert api(tenants, "pa", "agent").get(f"/api/engagements/reviews/{review_id}").status_code == 403
        assert (
            api(tenants, "ca2", "client_admin").get(f"/api/engagements/reviews/{review_id}").status_code
            == 404
        )


@pytest.mark.usefixtures("worked_day")
def test_the_renewal_through_the_api(tenants: Tenants, signed: Contract) -> None:
    provider, client = api(tenants, "pa", "account_manager"), api(tenants, "ca1", "client_admin")
    with at(APRIL):
        live = client.get(f"/api/engagements/renewals/contracts/{signed.pk}")
        assert live.status_code == 200 and live.json()["outcome"] == "renegotiate"
        assert RenewalRecommendation.all_tenants.count() == 0  # computing is a read
        stored = provider.post(f"/api/engagements/renewals/contracts/{signed.pk}")
        assert stored.status_code == 201
        decided = client.post(
            f"/api/engagements/renewals/{stored.json()['id']}/decision",
            {"decision": "renew", "note": "续约一年"},
            content_type="application/json",
        )
        assert decided.status_code == 200 and decided.json()["decision"] == "renew"


@pytest.mark.usefixtures("worked_day")
def test_the_pages_of_both_sides(tenants: Tenants, signed: Contract) -> None:
    manager, client = tenants.client_for("pa", "account_manager"), tenants.client_for("ca1", "client_manager")
    with at(APRIL):
        response = manager.post("/engagements/reviews/generate/", {"contract": signed.pk, "month": "2026-03"})
        review = BusinessReview.all_tenants.get()
        assert response.status_code == 302 and response["Location"] == f"/engagements/reviews/{review.pk}/"
        bad = manager.post("/engagements/reviews/generate/", {"contract": signed.pk, "month": "2026-13"})
        assert bad.status_code == 422
        page = client.get(f"/engagements/reviews/{review.pk}/")
        assert page.status_code == 200
        assert b'data-metric="answer_rate"' in page.content and b'id="action-form"' in page.content
        assert b'id="publish"' not in page.content  # the client does not publish
        owner = tenants.user("pa", "account_manager").pk
        added = client.post(
            f"/engagements/reviews/{review.pk}/actions/",
            {"title": "夜班加人", "owner": owner, "due_on": "2026-04-20"},
        )
        assert added.status_code == 302
        assert client.post(f"/engagements/reviews/{review.pk}/comments/", {"body": ""}).status_code == 422
        assert (
            client.post(f"/engagements/reviews/{review.pk}/comments/", {"body": "请跟进"}).status_code == 302
        )
        action = ReviewAction.all_tenants.get()
        done = manager.post(f"/engagements/reviews/actions/{action.pk}/done/", {"review": review.pk})
        assert done.status_code == 302
        assert manager.post(f"/engagements/reviews/{review.pk}/publish/").status_code == 302
        review.refresh_from_db()
        assert (review.status, ReviewComment.all_tenants.count()) == ("published", 1)
        listing = client.get("/engagements/reviews/")
        assert listing.status_code == 200 and f"/engagements/reviews/{review.pk}/".encode() in listing.content
        renewal = client.get(f"/engagements/reviews/renewal/{signed.pk}/")
        assert renewal.status_code == 200 and b'class="outcome renegotiate"' in renewal.content
        assert tenants.client_for("pa", "agent").get(f"/engagements/reviews/{review.pk}/").status_code == 403
        assert (
            tenants.client_for("pb", "provider_admin").get(f"/engagements/reviews/{review.pk}/").status_code
            == 404
        )
