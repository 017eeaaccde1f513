"""The quoting pages: an account manager fills an intake and prices it, the client accepts; the
quote prints as a Chinese PDF; bad form input is a form error, never a 500."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from kefu.engagements.quoting.models import Intake, Quote
from kefu.engagements.quoting.tests import factories
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

FORM = {
    "title": "悦衣 2027 年度",
    "client_name": "杭州悦衣服饰旗舰店",
    "shop_category": "女装",
    "business_types": ["pre_sales", "after_sales"],
    "scope": "full",
    "daily_inquiries": "1500",
    "chat_share": "80",
    "chat_aht_s": "360",
    "chat_concurrency": "3",
    "phone_share": "20",
    "phone_aht_s": "240",
    "email_share": "0",
    "email_aht_s": "420",
    "service_start": "09:00",
    "service_end": "24:00",
    "current_agents": "6",
    "campaign_days_per_month": "3",
    "campaign_multiplier": "3",
    "expected_growth": "20",
    "target_service_level": "80",
    "target_answer_s": "30",
    "shrinkage": "30",
    "start_date": "2027-01-04",
    "term_length": "1",
    "term_unit": "years",
    "expected_monthly_sales": "2000000",
}


def test_intake_to_quote_to_accept(tenants: Tenants) -> None:
    seller = tenants.client_for("pa", "account_manager")
    response = seller.post("/engagements/quotes/intakes/new/", FORM | {"client": str(tenants.ca1.pk)})
    assert response.status_code == 302, response.content.decode()[:2000]
    intake = Intake.all_tenants.get()
    assert intake.client_id == tenants.ca1.pk and intake.data["channels"][0] == {
        "channel": "chat",
        "share": 0.8,
        "aht_s": 360.0,
        "concurrency": 3,
    }
    cost = factories.cost_model(tenants.scope("pa", "account_manager"))
    response = seller.post(
        f"/engagements/quotes/intakes/{intake.pk}/", {"cost_model": cost.pk, "options": "20，24", "note": ""}
    )
    quote = Quote.all_tenants.get()
    assert response["Location"] == f"/engagements/quotes/{quote.pk}/"
    page = seller.get(f"/engagements/quotes/{quote.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "staffing-chart" in page and "按坐席月" in page
    assert seller.post(f"/engagements/quotes/{quote.pk}/send/").status_code == 302

    buyer = tenants.client_for("ca1", "client_manager")
    page = buyer.get(f"/engagements/quotes/{quote.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="accept-quote"' in page
    buyer.post(
        f"/engagements/quotes/{quote.pk}/decide/",
        {"decision": "accept", "seats": "24", "reason": "服务水平够"},
    )
    quote.refresh_from_db()
    assert (quote.status, quote.accepted_seats) == (Quote.Status.ACCEPTED, 24)


def test_a_wrong_intake_field_is_a_form_error(tenants: Tenants) -> None:
    seller = tenants.client_for("pa", "account_manager")
    response = seller.post(
        "/engagements/quotes/intakes/new/",
        FORM | {"chat_share": "50", "service_end": "09:00"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert (
        "shares must add up to 1" in response.content.decode()
        or "after service_hours.start" in response.content.decode()
    )
    assert not Intake.all_tenants.exists()


def test_the_quote_prints_as_a_chinese_pdf(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "account_manager")
    quote = factories.quote(scope, factories.intake(scope), options=[20, 24])
    response = tenants.client_for("pa", "account_manager").get(f"/engagements/quotes/{quote.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    compact = re.sub(r"\s", "", text)
    seat_price = quote.result["options"][0]["prices"]["seat_month"]["monthly"]
    assert "报价" in compact and "杭州悦衣服饰旗舰店" in compact and seat_price in compact


def test_roles_without_quoting_get_403_and_other_tenants_404(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "account_manager")
    quote = factories.quote(scope, factories.intake(scope))
    assert tenants.client_for("pa", "agent").get("/engagements/quotes/").status_code == 403
    assert (
        tenants.client_for("pb", "account_manager").get(f"/engagements/quotes/{quote.pk}/").status_code == 404
    )
    assert (
        tenants.client_for("ca1", "client_admin").get(f"/engagements/quotes/{quote.pk}/").status_code == 404
    )
