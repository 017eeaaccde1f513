"""The invoice pages, API and CLI: status, shape, who sees what (thin: the services are tested apart)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kefu.engagements.billing.models import Invoice
from kefu.engagements.billing.tests.conftest import at
from kefu.engagements.contracts.models import Contract
from kefu.reports import exports
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _api(tenants: Tenants, org: str, role: str) -> Any:
    from django.test import Client

    from kefu.tenancy import services as tenancy_services

    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_drafts_issues_disputes_resolves_pays_and_exports(
    tenants: Tenants, contract: Contract
) -> None:
    provider = _api(tenants, "pa", "account_manager")
    client = _api(tenants, "ca1", "client_admin")
    with at(APRIL):
        bad = provider.post(
            "/api/engagements/invoices", {"contract_id": contract.pk, "period": "2026-13"}, "application/json"
        )
        made = provider.post(
            "/api/engagements/invoices",
            {"contract_id": contract.pk, "period": "2026-03", "months": 1},
            "application/json",
        )
        invoice_id = made.json()["id"]
        hidden = client.get(f"/api/engagements/invoices/{invoice_id}")
        issued = provider.post(f"/api/engagements/invoices/{invoice_id}/issue")
        listed = client.get("/api/engagements/invoices").json()
        disputed = client.post(
            f"/api/engagements/invoices/{invoice_id}/dispute", {"reason": "不认可"}, "application/json"
        )
        client_resolves = client.post(
            f"/api/engagements/invoices/{invoice_id}/resolve",
            {"outcome": "confirm", "note": "x"},
            "application/json",
        )
        resolved = provider.post(
            f"/api/engagements/invoices/{invoice_id}/resolve",
            {"outcome": "confirm", "note": "已核对"},
            "application/json",
        )
        paid = provider.post(f"/api/engagements/invoices/{invoice_id}/pay")
        xlsx = client.get(f"/api/engagements/invoices/{invoice_id}/export?format=xlsx")
        csv = client.get(f"/api/engagements/invoices/{invoice_id}/export?format=csv")
        bad_format = client.get(f"/api/engagements/invoices/{invoice_id}/export?format=doc")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "period")
    assert made.status_code == 201 and made.json()["status"] == "draft"
    line = made.json()["lines"][0]
    assert (line["code"], line["quantity"], line["unit_price"], line["amount"]) == (
        "contacts",
        "0",
        "12.50",
        "0.00",
    )
    base = f"/analytics/dashboards/clients/{tenants.ca1.pk}/items/handled/"
    assert line["drill"] == f"{base}?from=2026-03-01&to=2026-03-31"
    assert hidden.status_code == 404  # a client never sees a draft
    assert issued.json()["status"] == "issued" and [i["id"] for i in listed] == [invoice_id]
    assert disputed.json()["status"] == "disputed" and client_resolves.status_code == 403
    assert (resolved.json()["status"], paid.json()["status"]) == ("issued", "paid")
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == exports.XLSX_TYPE
    assert (
        xlsx["Content-Disposition"] == f'attachment; filename="INV-{contract.engagement_id}-202603-v1.xlsx"'
    )
    assert csv.content.decode("utf-8-sig").splitlines()[0] == "账单"
    assert bad_format.status_code == 422


def test_the_pages_draft_show_and_reconcile_an_invoice(tenants: Tenants, contract: Contract) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    with at(APRIL):
        form = admin.get(f"/engagements/invoices/new/?contract={contract.pk}")
        bad = admin.post("/engagements/invoices/new/", {"contract": contract.pk, "period": "2026-99"})
        made = admin.post(
            "/engagements/invoices/new/", {"contract": contract.pk, "period": "2026-03", "months": 1}
        )
        invoice = Invoice.all_tenants.get()
        page = admin.get(f"/engagements/invoices/{invoice.pk}/")
        rec = admin.get(f"/engagements/invoices/{invoice.pk}/reconciliation/")
        no_note = admin.post(f"/engagements/invoices/{invoice.pk}/recompute/", {"adjustment": "10"})
        issued = admin.post(f"/engagements/invoices/{invoice.pk}/issue/")
        again = admin.post(f"/engagements/invoices/{invoice.pk}/issue/")
        listing = tenants.client_for("ca1", "client_manager").get("/engagements/invoices/")
        agent = tenants.client_for("pa", "agent").get("/engagements/invoices/")
    assert form.status_code == 200 and f'<option value="{contract.pk}" selected'.encode() in form.content
    assert bad.status_code == 422 and "errorlist" in bad.content.decode()
    assert made.status_code == 302 and made["Location"] == f"/engagements/invoices/{invoice.pk}/"
    assert (
        page.status_code == 200 and b'data-code="contacts"' in page.content and b'id="issue"' in page.content
    )
    assert (
        rec.status_code == 200 and b'id="rec-days"' in rec.content and b'data-key="2026-03-31"' in rec.content
    )
    assert no_note.status_code == 422
    assert issued.status_code == 302 and again.status_code == 422
    assert listing.status_code == 200 and f'data-invoice-id="{invoice.pk}"'.encode() in listing.content
    assert agent.status_code == 403


def test_the_cli_previews_without_storing(tenants: Tenants, contract: Contract) -> None:
    out = StringIO()
    with at(APRIL):
        args = ["--contract", str(contract.pk), "--period", "2026-03", "--months", "1", "--json"]
        call_command("invoice", *args, stdout=out)
        with pytest.raises(CommandError) as bad:
            call_command("invoice", "--contract", str(contract.pk), "--period", "March", stdout=StringIO())
    body = json.loads(out.getvalue())
    assert (body["period_start"], body["period_end"], body["pricing_model"]) == (
        "2026-03-01",
        "2026-03-31",
        "per_contact",
    )
    assert [line["code"] for line in body["lines"]] == ["contacts"] and body["total"] == "0.00"
    assert Invoice.all_tenants.count() == 0
    assert bad.value.returncode == 2 and str(bad.value).startswith("--period")


def test_the_pdf_is_printed_in_chinese(tenants: Tenants, contract: Contract) -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    from kefu.engagements.billing import exports as billing_exports
    from kefu.engagements.billing import presentation, services

    with at(APRIL):
        invoice = services.invoice_create(
            tenants.scope("pa", "provider_admin"), contract_id=contract.pk, period="2026-03", months=1
        )
    with translation.override("en"):
        body = billing_exports.invoice_pdf(invoice)
    with translation.override("zh-hans"):
        html = render_to_string("engagements/billing/invoice_pdf.html", presentation.invoice_context(invoice))
    assert body.startswith(b"%PDF-")
    assert "<h1>账单 INV-" in html and "接待量" in html and "计费模式：按咨询量。" in html
