"""The reports' pages: archive, one report, recipients (forms keep their input on errors)."""

from __future__ import annotations

from typing import Any

from django.core import mail

from kefu.reports import services
from kefu.reports.models import Report, ReportRecipient
from kefu.reports.tests.conftest import DAY, Worked


def test_the_archive_lists_reports_and_makes_one_on_demand(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    client = t.client_for("pa", "supervisor")

    bad = client.post("/reports/", {"client": t.ca1.pk, "kind": "daily", "date": "2026-03-99"})
    made = client.post("/reports/", {"client": t.ca1.pk, "kind": "daily", "date": DAY})
    report = Report.all_tenants.get()
    archive = client.get("/reports/")

    assert bad.status_code == 422 and 'value="2026-03-99"' in bad.content.decode()
    assert made.status_code == 302 and made["Location"] == f"/reports/{report.pk}/"
    assert f'data-report-id="{report.pk}"' in archive.content.decode()


def test_a_daily_report_page_shows_the_agreed_tables_and_its_digest(
    worked: Worked, next_morning: Any
) -> None:
    t = worked.tenants
    (report,) = services.report_generate(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, kind="daily", period=DAY
    )

    page = t.client_for("ca1", "client_viewer").get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="contacts-total">3</strong>' in html and '<strong id="orders-count">1</strong>' in html
    assert f'data-case-id="{worked.case.pk}"' in html and "TB1001" in html
    assert report.digests[0]["head"] in html and report.sha256 in html
    assert "发送给收件人" not in html  # a client viewer does not send
    records = (
        f"/api/metrics/offered/items/export?client={t.ca1.pk}&amp;from={DAY}&amp;to={DAY}&amp;format=xlsx"
    )
    assert records in html


def test_sending_from_the_page_mails_the_recipients(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    (report,) = services.report_generate(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, kind="daily", period=DAY
    )
    admin = t.client_for("ca1", "client_admin")

    kept = admin.post(f"/reports/recipients/?client={t.ca1.pk}", {"email": "not-an-address", "name": "王总"})
    added = admin.post(f"/reports/recipients/?client={t.ca1.pk}", {"email": "boss@jiaju.cn", "name": "王总"})
    sent = t.client_for("pa", "account_manager").post(f"/reports/{report.pk}/send/")

    assert kept.status_code == 422 and 'value="not-an-address"' in kept.content.decode()
    assert added.status_code == 302 and ReportRecipient.all_tenants.get().email == "boss@jiaju.cn"
    assert sent.status_code == 302
    assert [m.to for m in mail.outbox] == [["boss@jiaju.cn"]]
    assert report.deliveries.get().sent_by == t.user("pa", "account_manager")


def test_recipients_through_the_api(worked: Worked) -> None:
    t = worked.tenants
    admin = t.client_for("pa", "provider_admin")

    added = admin.post(
        "/api/report-recipients",
        {"client": t.ca1.pk, "email": "ops@jiaju.cn"},
        content_type="application/json",
    )
    twice = admin.post(
        "/api/report-recipients",
        {"client": t.ca1.pk, "email": "OPS@jiaju.cn"},
        content_type="application/json",
    )
    listed = t.client_for("ca1", "client_manager").get("/api/report-recipients")
    removed = admin.delete(f"/api/report-recipients/{added.json()['id']}")

    assert added.status_code == 201 and added.json()["email"] == "ops@jiaju.cn"
    assert twice.status_code == 409 and twice.json()["error"]["field"] == "email"
    assert [r["email"] for r in listed.json()] == ["ops@jiaju.cn"]
    assert removed.status_code == 204 and not ReportRecipient.all_tenants.exists()
