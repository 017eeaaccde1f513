"""Daily reports and monthly reviews: made once, frozen with their digest, mailed, scoped."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import load_workbook

from kefu.core.errors import Invalid, NotFound
from kefu.reports import selectors, services
from kefu.reports.models import Report
from kefu.reports.tests.conftest import DAY, Worked


def _pa_ca1(reports: list[Report], worked: Worked) -> Report:
    (report,) = [r for r in reports if r.client_id == worked.tenants.ca1.pk]
    return report


def test_the_morning_job_makes_yesterdays_report_once_per_engagement(
    worked: Worked, next_morning: Any
) -> None:
    t = worked.tenants

    first = services.reports_due()
    again = services.reports_due()

    reports = list(Report.all_tenants.order_by("client_id"))
    assert sorted((r.provider_id, r.client_id) for r in reports) == sorted(
        [(t.pa.pk, t.ca1.pk), (t.pa.pk, t.ca2.pk), (t.pb.pk, t.cb.pk)]
    )
    assert {(r.kind, r.period_start) for r in reports} == {("daily", date(2026, 3, 10))}
    assert first == again == "reports: 3 no recipients"


def test_the_daily_report_holds_what_was_agreed_with_the_client(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    (report,) = services.report_generate(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, kind="daily", period=DAY
    )
    s = report.snapshot

    assert s["contacts"] == {
        "total": 3,
        "by_channel": [{"channel": "chat", "count": 2}, {"channel": "email", "count": 1}],
        "by_queue": [{"queue": "家居-在线", "count": 2}, {"queue": "", "count": 1}],
    }
    assert s["orders"]["count"] == 1 and s["orders"]["value"] == "199.00"
    assert s["orders"]["items"][0]["conversation_id"] == worked.c2.pk
    assert s["orders"]["items"][0]["order_numbers"] == ["TB1001"]
    assert s["orders"]["items"][0]["created_at"] == "2026-03-10T09:05:00+08:00"
    (case,) = s["after_sales"]["items"]
    assert (case["case_id"], case["type"], case["today"]) == (worked.case.pk, "refund", ["opened"])
    assert case["conversation_ids"] == [worked.c1.pk]
    figures = {m["id"]: (m["value"], m["count"]) for m in s["metrics"]}
    assert figures["offered"] == (3, 3)
    assert figures["handled"] == (2, 2)
    assert figures["first_response_time"] == (35.0, 2)  # (10 + 60) / 2
    assert figures["answer_rate"] == (66.67, 3)
    offered = next(m for m in s["metrics"] if m["id"] == "offered")
    assert offered["name"]["zh-hans"] != offered["name"]["en"] and offered["definition"]["en"]


def test_the_snapshot_carries_the_days_digest_and_never_changes(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    scope = t.scope("pa", "provider_admin")
    (report,) = services.report_generate(scope, client_id=t.ca1.pk, kind="daily", period=DAY)
    from kefu.analytics import chain_selectors

    (digest,) = chain_selectors.digest_get(client_id=t.ca1.pk, day=date(2026, 3, 10))
    assert report.digests == [
        {
            "chain": digest.chain_key,
            "provider_id": t.pa.pk,
            "date": DAY,
            "head": digest.head_hash,
            "event_count": digest.event_count,
            "chain_length": digest.chain_length,
        }
    ]
    assert report.sha256 == services.digest_sha256(report.snapshot, report.digests)

    # asked again (by the client, later, after more work that day was logged): the stored report
    (again,) = services.report_generate(
        t.scope("ca1", "client_admin"), client_id=t.ca1.pk, kind="daily", period=DAY
    )
    assert again.pk == report.pk and again.snapshot == report.snapshot and again.sha256 == report.sha256
    report.snapshot["contacts"]["total"] = 99
    with pytest.raises(RuntimeError, match="append-only"):
        report.save()
    with pytest.raises(RuntimeError, match="append-only"):
        report.delete()


def test_a_report_waits_for_the_days_digest_and_refuses_a_day_not_over(worked: Worked) -> None:
    t = worked.tenants
    scope = t.scope("pa", "supervisor")
    with (
        time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False),
        pytest.raises(Invalid) as not_over,
    ):
        services.report_generate(scope, client_id=t.ca1.pk, kind="daily", period=DAY)
    assert not_over.value.field == "date"
    with connection.cursor() as cursor:  # the sealer has not closed the day yet
        cursor.execute("DELETE FROM analytics_dailydigest")
    with time_machine.travel(datetime(2026, 3, 11, 1, 0, tzinfo=UTC), tick=False):
        assert services.reports_due() == "reports: 2 no recipients, 1 waiting"
    assert not Report.all_tenants.filter(client_id=t.ca1.pk).exists()


def test_the_report_is_mailed_once_to_the_clients_recipients_with_the_workbook(
    worked: Worked, next_morning: Any
) -> None:
    t = worked.tenants
    services.recipient_add(
        t.scope("ca1", "client_admin"), client_id=t.ca1.pk, email="Boss@Jiaju.cn", name="王总"
    )
    services.recipient_add(t.scope("pa", "provider_admin"), client_id=t.ca1.pk, email="ops@jiaju.cn")

    assert services.reports_due() == "reports: 2 no recipients, 1 sent"
    assert services.reports_due() == "reports: 1 already sent, 2 no recipients"

    (message,) = mail.outbox
    assert sorted(message.to) == ["boss@jiaju.cn", "ops@jiaju.cn"]
    assert "家居店" in message.subject and "2026-03-10" in message.subject
    report = Report.all_tenants.get(client_id=t.ca1.pk)
    assert report.sha256 in message.body and report.digests[0]["head"] in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "kefu-report-daily-20260310.xlsx" and mimetype.startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(content))
    assert "接待量（按渠道）" in book.sheetnames
    assert report.deliveries.get().recipients == ["boss@jiaju.cn", "ops@jiaju.cn"]


def test_recipients_are_edited_by_the_admins_of_both_sides_only(worked: Worked) -> None:
    t = worked.tenants
    added = services.recipient_add(t.scope("ca1", "client_admin"), client_id=t.ca1.pk, email="a@jiaju.cn")
    for org, role in [("ca1", "client_manager"), ("pa", "supervisor"), ("pa", "agent")]:
        with pytest.raises(Exception) as refused:
            services.recipient_add(t.scope(org, role), client_id=t.ca1.pk, email="b@jiaju.cn")
        assert refused.value.code == "permission_denied"
    with pytest.raises(NotFound):
        services.recipient_add(t.scope("pb", "provider_admin"), client_id=t.ca1.pk, email="b@jiaju.cn")
    with pytest.raises(Invalid) as bad:
        services.recipient_add(t.scope("pa", "provider_admin"), client_id=t.ca1.pk, email="不是邮箱")
    assert bad.value.field == "email"
    services.recipient_remove(t.scope("pa", "provider_admin"), recipient_id=added.pk)
    assert list(selectors.recipient_list(t.scope("ca1", "client_admin"), client_id=t.ca1.pk)) == []


def test_each_side_sees_only_its_own_reports(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    services.reports_due()
    ca1 = Report.all_tenants.get(client_id=t.ca1.pk)

    assert [r.client_id for r in selectors.report_list(t.scope("ca1", "client_viewer"))] == [t.ca1.pk]
    assert sorted(r.client_id for r in selectors.report_list(t.scope("pa", "supervisor"))) == sorted(
        [t.ca1.pk, t.ca2.pk]
    )
    assert [r.client_id for r in selectors.report_list(t.scope("cb", "client_admin"))] == [t.cb.pk]
    with pytest.raises(NotFound):
        selectors.report_get(t.scope("cb", "client_admin"), report_id=ca1.pk)
    api = t.client_for("cb", "client_admin")
    assert api.get(f"/api/reports/{ca1.pk}").status_code == 404
    assert api.get(f"/reports/{ca1.pk}/").status_code == 404
    assert api.get(f"/reports/{ca1.pk}/export/?format=xlsx").status_code == 404
    agent = t.client_for("pa", "agent")
    assert agent.get(f"/api/reports/{ca1.pk}").status_code == 403


def test_the_api_lists_gets_and_makes_reports(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    client = t.client_for("ca1", "client_manager")

    made = client.post(
        "/api/reports", {"client": t.ca1.pk, "kind": "daily", "date": DAY}, content_type="application/json"
    )
    bad = client.post(
        "/api/reports",
        {"client": t.ca1.pk, "kind": "daily", "date": "2026-3-10"},
        content_type="application/json",
    )
    listed = client.get("/api/reports")

    assert made.status_code == 201
    (body,) = made.json()
    assert body["period_from"] == DAY and body["snapshot"]["contacts"]["total"] == 3
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "date"
    assert [r["id"] for r in listed.json()["items"]] == [body["id"]]
    got = client.get(f"/api/reports/{body['id']}").json()
    assert got["sha256"] == body["sha256"] and got["digests"] == body["digests"]


def test_the_cli_prints_the_report_and_exits_2_on_bad_input(worked: Worked, next_morning: Any) -> None:
    out = io.StringIO()
    call_command("report", "daily", "--client", "ca1", "--date", DAY, "--json", stdout=out)
    payload = json.loads(out.getvalue())
    (report,) = payload["reports"]
    assert report["snapshot"]["contacts"]["total"] == 3
    assert report["sha256"] == Report.all_tenants.get(client_id=worked.tenants.ca1.pk).sha256

    for args in (
        ["daily", "--client", "nobody", "--date", DAY],
        ["daily", "--client", "ca1", "--date", "2026-02-30"],
        ["monthly", "--client", "ca1", "--date", "2026-03"],  # not over yet
    ):
        with pytest.raises(CommandError) as failed:
            call_command("report", *args, stdout=io.StringIO())
        assert failed.value.returncode == 2


def test_generating_is_audited(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    services.report_generate(t.scope("pa", "supervisor"), client_id=t.ca1.pk, kind="daily", period=DAY)
    from kefu.tenancy import selectors as tenancy_selectors

    actions = list(
        tenancy_selectors.audit_event_list(t.scope("pa", "provider_admin")).values_list("action", flat=True)
    )
    assert "reports.generate" in actions
