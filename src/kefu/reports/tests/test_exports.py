"""Downloads: the one export helper (CSV and Excel read back), the monthly review (and its PDF)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from kefu.desk import services as desk_services
from kefu.reports import exports, services
from kefu.reports.tests.conftest import DAY, Worked

APRIL = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai: March is over


def _sheet(content: bytes, title: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content))[title].iter_rows(values_only=True))


def test_excel_keeps_numbers_dates_and_chinese_headers() -> None:
    table = exports.Table(
        "订单",
        [
            exports.Column("会话", exports.INT),
            exports.Column("金额（元）", exports.DECIMAL),
            exports.Column("达标率", exports.PERCENT),
            exports.Column("日期", exports.DATE),
            exports.Column("订单号"),
        ],
        [[7, Decimal("199.00"), 87.5, date(2026, 3, 10), ["TB1", "TB2"]]],
    )

    book = load_workbook(io.BytesIO(exports.to_xlsx([table])))
    sheet = book["订单"]

    assert [c.value for c in sheet[1]] == ["会话", "金额（元）", "达标率", "日期", "订单号"]
    row = sheet[2]
    assert row[0].value == 7 and row[0].number_format == "#,##0"
    assert row[1].value == 199 and row[1].number_format == "#,##0.00"
    assert row[2].value == 87.5 and row[2].number_format == '0.00"%"'
    assert row[3].value == datetime(2026, 3, 10) and row[3].number_format == "yyyy-mm-dd"
    assert row[4].value == "TB1、TB2"
    assert sheet.freeze_panes == "A2"


def test_the_same_tables_give_the_same_workbook_bytes() -> None:
    table = exports.Table("表", [exports.Column("数", exports.INT)], [[1], [2]])

    first = exports.to_xlsx([table])
    with time_machine.travel(datetime(2031, 1, 1, tzinfo=UTC)):
        second = exports.to_xlsx([table])

    assert first == second
    assert load_workbook(io.BytesIO(first)).properties.modified == exports.STAMP


def test_csv_opens_in_excel_with_chinese_headers() -> None:
    table = exports.Table(
        "x", [exports.Column("金额", exports.DECIMAL), exports.Column("日期", exports.DATE)]
    )
    table.rows.append([Decimal("5.5"), date(2026, 3, 1)])

    content = exports.to_csv([table])

    assert content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["金额", "日期"],
        ["5.5", "2026-03-01"],
    ]


@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_sheet_names_are_valid_and_unique(titles: list[str]) -> None:
    taken: set[str] = set()
    names = [exports.sheet_name(title, taken) for title in titles]
    assert len(set(names)) == len(names)
    assert all(0 < len(n) <= 31 and not set(n) & set("[]*?/\\:") for n in names)


def test_the_daily_reports_workbook_holds_the_reports_numbers(worked: Worked, next_morning: Any) -> None:
    t = worked.tenants
    (report,) = services.report_generate(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, kind="daily", period=DAY
    )
    client = t.client_for("ca1", "client_admin")
    with translation.override("zh-hans"):
        response = client.get(f"/reports/{report.pk}/export/?format=xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response["Content-Type"] == exports.XLSX_TYPE
    assert _sheet(response.content, "接待量（按渠道）") == [
        ("渠道", "进线量"),
        ("在线咨询", 2),
        ("邮箱", 1),
        ("合计", 3),
    ]
    orders = _sheet(response.content, "咨询下单")
    assert orders[1][0] == worked.c2.pk and orders[1][4] == "TB1001" and orders[1][5] == 199
    assert orders[1][1] == datetime(2026, 3, 10, 9, 5)
    (_header, case) = _sheet(response.content, "售后记录")
    assert case[0] == worked.case.pk and case[3] == "新建"
    digests = _sheet(response.content, "事件日志摘要")
    assert digests[1][3] == report.digests[0]["head"]


def test_metric_items_download_as_csv_and_excel_and_add_up_to_the_figure(
    worked: Worked, next_morning: Any
) -> None:
    t = worked.tenants
    client = t.client_for("pa", "supervisor")
    query = f"client={t.ca1.pk}&from={DAY}&to={DAY}"

    figure = client.get(f"/api/metrics/answer_rate?{query}").json()
    as_csv = client.get(f"/api/metrics/answer_rate/items/export?{query}&format=csv")
    as_xlsx = client.get(f"/api/metrics/answer_rate/items/export?{query}&format=xlsx")
    wrong = client.get(f"/api/metrics/answer_rate/items/export?{query}&format=doc")

    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    numerators = [float(r["分子"]) for r in rows]
    denominators = [float(r["分母"]) for r in rows]
    assert 100 * sum(numerators) / sum(denominators) == figure["value"] == 200 / 3
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sorted(r[2] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        [worked.c1.pk, worked.c2.pk, worked.c3.pk]
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "format"


@pytest.fixture
def march(worked: Worked) -> Worked:
    """The worked day plus an SLA policy (first response in 30 business seconds) and its check."""
    t = worked.tenants
    with time_machine.travel(datetime(2026, 3, 9, 1, 0, tzinfo=UTC), tick=False):
        desk_services.sla_policy_create(t.scope("ca1", "client_admin"), first_response_s=30)
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):
        call_command("sla_check", stdout=io.StringIO())
    return worked


def _targets(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in review["targets"]}


def test_the_monthly_review_sets_every_target_against_its_actual(march: Worked) -> None:
    t = march.tenants
    with time_machine.travel(APRIL, tick=False):
        (report,) = services.report_generate(
            t.scope("pa", "provider_admin"), client_id=t.ca1.pk, kind="monthly", period="2026-03"
        )
    targets = _targets(report.snapshot)

    queue = targets["家居-在线"]  # c1 answered in 10 s, c2 in 60 s: one of two within 30 s
    assert (queue["target"], queue["actual"], queue["met"], queue["count"]) == (80.0, 50.0, False, 2)
    assert (queue["breach_count"], queue["breaches"]) == (1, [])  # listed by the drill-down
    assert queue["drilldown"] == {
        "client": t.ca1.pk,
        "from": "2026-03-01",
        "to": "2026-03-31",
        "queue": "家居-在线",
        "threshold_s": 30.0,
    }
    tenth = next(p for p in queue["trend"] if p["date"] == DAY)
    assert tenth == {"date": DAY, "value": 50.0, "count": 2, "met": False}
    assert len(queue["trend"]) == 31
    first = targets["first_response"]  # c2 (60 s) and c3 (never) breached 30 s; c1 (10 s) did not
    assert (first["target"], first["actual"], first["count"], first["breach_count"]) == (95.0, 33.33, 3, 2)
    assert sorted(b["conversation_id"] for b in first["breaches"]) == sorted([march.c2.pk, march.c3.pk])
    assert report.snapshot["targets_met"] == 0 and report.snapshot["targets_measured"] == 2
    assert report.period_end == date(2026, 3, 31)


def test_the_monthly_review_page_drills_into_the_missed_conversations(march: Worked) -> None:
    t = march.tenants
    client = t.client_for("ca1", "client_manager")
    with time_machine.travel(APRIL, tick=False):
        page = client.get(f"/kpi-review/?client={t.ca1.pk}&month=2026-03")
        other = t.client_for("cb", "client_admin").get(f"/kpi-review/?client={t.ca1.pk}&month=2026-03")
        api = client.get(f"/api/monthly-review?client={t.ca1.pk}&month=2026-03").json()

    assert page.status_code == 200
    assert f'href="/desk/c/{march.c2.pk}/"' in page.content.decode()
    assert other.status_code == 404
    assert _targets(api)["家居-在线"]["actual"] == 50.0


def test_a_service_level_miss_is_listed_when_its_drill_down_is_opened(march: Worked) -> None:
    # given the March review of a queue whose target (30 s) c2 missed (answered in 60 s)
    t = march.tenants
    client = t.client_for("ca1", "client_manager")
    with time_machine.travel(APRIL, tick=False):
        page = client.get(f"/kpi-review/?client={t.ca1.pk}&month=2026-03").content.decode()
        # when the misses' link of the queue's target is followed
        link = re.search(r'href="(/analytics/dashboards/[^"]*threshold_s=30\.0[^"]*)"', page)
        assert link is not None
        drill = client.get(html.unescape(link.group(1)))

    # then it lists both conversations of the queue at the 30 s threshold: c1 in time, c2 not
    body = drill.content.decode()
    assert drill.status_code == 200
    assert re.search(r'id="drill-value">\s*50', body)
    assert f"/desk/c/{march.c1.pk}/" in body and f"/desk/c/{march.c2.pk}/" in body


def test_the_monthly_review_prints_as_pdf_with_its_figures(march: Worked) -> None:
    t = march.tenants
    client = t.client_for("pa", "supervisor")
    with time_machine.travel(APRIL, tick=False):
        response = client.get(
            f"/api/monthly-review?client={t.ca1.pk}&month=2026-03&format=pdf", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "月度KPI回顾" in compact and "家居店" in compact and "2026-03" in compact
    assert "家居-在线服务水平" in compact and "50.00%" in compact and "33.33%" in compact
    assert f"#{march.c2.pk}" in compact
