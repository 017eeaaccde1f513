"""Sales statements through the API (multipart upload, list, detail, confirm, dispute), the pages
(preview with row errors, import, the statement with the cross-check, confirm and dispute) and
`kefu sales-statement import` (thin: the services are tested in test_statements.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from kefu.engagements.billing.models import SalesStatement
from kefu.engagements.billing.tests.conftest import COMMISSION, MARCH_CSV, at
from kefu.engagements.contracts.models import Contract
from kefu.testing.plugin import Tenants
from kefu.testing.snapshot import database_snapshot

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
BAD_CSV = MARCH_CSV + b"M-1,2026-03-05 10:00,10,0\nM-9,2026-03-05,abc,0\n"  # rows 5 and 6


def _api(tenants: Tenants, org: str, role: str) -> Any:
    from django.test import Client

    from kefu.tenancy import services as tenancy_services

    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _upload(client: Any, contract_id: int, content: bytes, month: str = "2026-03") -> Any:
    file = SimpleUploadedFile("客服销售额.csv", content, content_type="text/csv")
    return client.post(
        "/api/engagements/sales-statements", {"contract_id": contract_id, "month": month, "file": file}
    )


def test_the_api_uploads_lists_confirms_and_disputes(tenants: Tenants, commission: Contract) -> None:
    provider = _api(tenants, "pa", "account_manager")
    client = _api(tenants, "ca1", "client_admin")
    with at(APRIL):
        bad = _upload(provider, commission.pk, BAD_CSV)
        made = _upload(provider, commission.pk, MARCH_CSV)
        statement_id = made.json()["id"]
        own = provider.post(f"/api/engagements/sales-statements/{statement_id}/confirm")
        listed = client.get(f"/api/engagements/sales-statements?contract_id={commission.pk}&month=2026-03")
        confirmed = client.post(f"/api/engagements/sales-statements/{statement_id}/confirm")
        again = _upload(client, commission.pk, MARCH_CSV)
        no_reason = provider.post(
            f"/api/engagements/sales-statements/{again.json()['id']}/dispute",
            {"reason": ""},
            "application/json",
        )
        disputed = provider.post(
            f"/api/engagements/sales-statements/{again.json()['id']}/dispute",
            {"reason": "少了退款"},
            "application/json",
        )
        detail = client.get(f"/api/engagements/sales-statements/{statement_id}")
        typed = provider.post(
            "/api/engagements/invoices",
            {"contract_id": commission.pk, "period": "2026-03", "sales": "1000"},
            "application/json",
        )

    error = bad.json()["error"]
    assert (bad.status_code, error["code"], error["field"]) == (422, "invalid", "rows.5.order_number")
    assert [(d["row"], d["field"]) for d in error["details"]] == [(5, "order_number"), (6, "paid")]
    assert made.status_code == 201 and made.json()["status"] == "pending" and made.json()["net"] == "3099.90"
    assert [r["order_number"] for r in made.json()["rows"]] == ["M-1", "M-2", "M-3"]
    assert made.json()["cross_check"] == {"rows": 3, "linked": 0, "linked_net": "0.00", "missing": []}
    assert own.status_code == 403 and own.json()["error"]["code"] == "permission_denied"
    assert [s["id"] for s in listed.json()] == [statement_id]
    assert confirmed.json()["status"] == "confirmed"
    assert detail.json()["status"] == "superseded" and detail.json()["superseded_by_id"] == again.json()["id"]
    assert no_reason.status_code == 422 and disputed.json()["status"] == "disputed"
    assert typed.status_code == 422 and typed.json()["error"]["field"] == "sales"


def test_another_tenants_contract_in_the_upload_is_a_missing_contract(
    tenants: Tenants, commission: Contract
) -> None:
    from kefu.engagements.contracts import services as contract_services
    from kefu.engagements.contracts.tests.conftest import ANSWER_RATE
    from kefu.tenancy import selectors as tenancy_selectors

    admin = tenants.scope("pb", "provider_admin")
    engagement = tenancy_selectors.engagement_list(admin).get(client=tenants.cb)
    with at(datetime(2026, 1, 1, tzinfo=UTC)):
        made = contract_services.contract_create(
            admin, engagement_id=engagement.pk, **{**COMMISSION, "starts_on": "2026-01-01"}
        )
        contract_services.term_add(admin, contract_id=made.pk, **ANSWER_RATE)
        contract_services.contract_approve(admin, contract_id=made.pk)
        contract_services.contract_approve(tenants.scope("cb", "client_admin"), contract_id=made.pk)
    their_contract = made.pk
    clients = [
        _api(tenants, o, r) for o, r in (("pa", "provider_admin"), ("ca1", "client_admin"), ("pa", "agent"))
    ]
    before = database_snapshot()
    for client in clients:
        with at(APRIL):
            answer = _upload(client, their_contract, MARCH_CSV, month="2026-01")
            ghost = _upload(client, 2_000_000_000, MARCH_CSV, month="2026-01")
        assert (answer.status_code, answer.json()) == (ghost.status_code, ghost.json())
        assert answer.status_code in (403, 404)
    assert database_snapshot() == before


def test_the_pages_preview_import_and_confirm(tenants: Tenants, commission: Contract) -> None:
    provider = tenants.client_for("pa", "provider_admin")
    client = tenants.client_for("ca1", "client_admin")
    with at(APRIL):
        form = provider.get(f"/engagements/sales-statements/new/?contract={commission.pk}")
        bad = provider.post(
            "/engagements/sales-statements/new/",
            {"contract": commission.pk, "month": "2026-03", "preview": "1",
             "file": SimpleUploadedFile("m.csv", BAD_CSV)},
        )  # fmt: skip
        preview = provider.post(
            "/engagements/sales-statements/new/",
            {"contract": commission.pk, "month": "2026-03", "preview": "1",
             "file": SimpleUploadedFile("m.csv", MARCH_CSV)},
        )  # fmt: skip
        stored_after_preview = SalesStatement.all_tenants.count()
        imported = provider.post(
            "/engagements/sales-statements/new/",
            {"contract": commission.pk, "month": "2026-03", "import": "1", "filename": "m.csv",
             "content_b64": base64.b64encode(MARCH_CSV).decode()},
        )  # fmt: skip
        statement = SalesStatement.all_tenants.get()
        provider_page = provider.get(f"/engagements/sales-statements/{statement.pk}/")
        client_page = client.get(f"/engagements/sales-statements/{statement.pk}/")
        no_reason = client.post(f"/engagements/sales-statements/{statement.pk}/dispute/", {"reason": ""})
        confirmed = client.post(f"/engagements/sales-statements/{statement.pk}/confirm/")
        listing = client.get("/engagements/sales-statements/")
        agent = tenants.client_for("pa", "agent").get("/engagements/sales-statements/")

    assert form.status_code == 200 and f'<option value="{commission.pk}" selected'.encode() in form.content
    assert bad.status_code == 422 and b'id="row-errors"' in bad.content and b'id="import"' not in bad.content
    assert preview.status_code == 200 and b'id="import"' in preview.content
    assert b'id="preview-net">3099.90<' in preview.content and stored_after_preview == 0
    assert (
        imported.status_code == 302
        and imported["Location"] == f"/engagements/sales-statements/{statement.pk}/"
    )
    assert b'id="cross-check"' in provider_page.content and b'id="confirm"' not in provider_page.content
    assert b'id="confirm"' in client_page.content
    assert no_reason.status_code == 422
    assert confirmed.status_code == 302
    statement.refresh_from_db()
    assert statement.status == "confirmed"
    assert f'data-statement-id="{statement.pk}"'.encode() in listing.content
    assert agent.status_code == 403


def test_the_invoice_page_says_when_a_month_has_no_confirmed_statement(
    tenants: Tenants, commission: Contract
) -> None:
    admin = tenants.client_for("pa", "provider_admin")
    with at(APRIL):
        admin.post(
            "/engagements/invoices/new/", {"contract": commission.pk, "period": "2026-03", "months": 1}
        )
        from kefu.engagements.billing.models import Invoice

        invoice = Invoice.all_tenants.get()
        page = admin.get(f"/engagements/invoices/{invoice.pk}/")
        no_note = admin.post(f"/engagements/invoices/{invoice.pk}/sales/", {"sales_correction": "500"})
        corrected = admin.post(
            f"/engagements/invoices/{invoice.pk}/sales/",
            {"sales_correction": "500", "sales_correction_note": "店铺补单"},
        )
        after = admin.get(f"/engagements/invoices/{invoice.pk}/")
    assert b'id="sales-missing"' in page.content and b'id="sales-form"' in page.content
    assert no_note.status_code == 422 and corrected.status_code == 302
    assert b'data-code="commission_correction"' in after.content and "店铺补单" in after.content.decode()


def test_the_cli_checks_or_stores_and_names_the_bad_row(
    tenants: Tenants, commission: Contract, tmp_path: Path
) -> None:
    good, bad = tmp_path / "march.csv", tmp_path / "bad.csv"
    good.write_bytes(MARCH_CSV)
    bad.write_bytes(BAD_CSV)
    checked, stored, errors = StringIO(), StringIO(), StringIO()
    base = ["import", "--contract", str(commission.pk), "--month", "2026-03"]
    with at(APRIL):
        call_command("sales_statement", *base, str(good), "--json", stdout=checked)
        count_after_check = SalesStatement.all_tenants.count()
        user = tenants.user("pa", "account_manager").username
        call_command("sales_statement", *base, str(good), "--user", user, "--json", stdout=stored)
        with pytest.raises(CommandError) as failed:
            call_command("sales_statement", *base, str(bad), stdout=StringIO(), stderr=errors)
        with pytest.raises(CommandError) as bad_month:
            call_command("sales_statement", "import", "--contract", str(commission.pk), "--month", "March",
                         str(good), stdout=StringIO())  # fmt: skip

    body = json.loads(checked.getvalue())
    assert (body["stored"], body["orders"], body["net"], count_after_check) == (False, 3, "3099.90", 0)
    saved = json.loads(stored.getvalue())
    assert saved["stored"] is True and SalesStatement.all_tenants.get().pk == saved["id"]
    assert failed.value.returncode == 2 and len(errors.getvalue().strip().splitlines()) == 2
    assert "5" in str(failed.value) and bad_month.value.returncode == 2
    assert str(bad_month.value).startswith("--month")
