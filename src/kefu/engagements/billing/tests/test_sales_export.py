"""The shop's sales export read into order rows (pure): CSV and .xlsx, Chinese and English
headers, every bad row named with its row number and field."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from kefu.engagements.billing import sales_export as core

D = Decimal
NOV = date(2026, 11, 1)
CHINESE = (
    "订单号,下单时间,实付金额(元),退款金额,客服昵称,商品\n"
    "E1001,2026-11-03 14:22:05,199.00,0,小王,沙发垫\n"
    'E1002,2026/11/15 09:10,"1,299.50",299.50,小李,床垫\n'
    "\n"
    "E1003,2026-11-30 23:59:59,¥59.9,,,枕套\n"
)


def _parse(text: str | bytes, name: str = "x.csv") -> core.Parsed:
    table, problem = core.read_table(name, text.encode() if isinstance(text, str) else text)
    assert problem is None
    return core.parse(table, month=NOV)


def test_a_chinese_csv_export_gives_its_orders_and_net_sales() -> None:
    parsed = _parse(CHINESE)

    assert parsed.problems == []
    assert [(r.line, r.order_number, r.paid, r.refunded, r.agent) for r in parsed.rows] == [
        (2, "E1001", D("199.00"), D("0.00"), "小王"),
        (3, "E1002", D("1299.50"), D("299.50"), "小李"),
        (5, "E1003", D("59.90"), D("0.00"), ""),  # row 4 is blank; no agent, no refund
    ]
    assert parsed.rows[0].ordered_at == datetime(2026, 11, 3, 14, 22, 5)
    # paid 199 + 1299.50 + 59.90 = 1558.40; refunded 299.50; net 1258.90
    assert (parsed.paid, parsed.refunded, parsed.net) == (D("1558.40"), D("299.50"), D("1258.90"))
    assert parsed.columns["paid"] == "实付金额(元)"


def test_english_headers_in_another_order_and_gb18030_text() -> None:
    english = "Agent,Paid amount,Order number,Order time\nWang,10.5,A-1,2026-11-01\n"
    chinese_gbk = "付款时间,支付金额,订单编号\n2026-11-02 08:00,20,B-1\n".encode("gb18030")

    assert [(r.order_number, r.paid, r.agent) for r in _parse(english).rows] == [("A-1", D("10.50"), "Wang")]
    assert [(r.order_number, r.paid) for r in _parse(chinese_gbk).rows] == [("B-1", D("20.00"))]


def test_an_excel_export_with_dates_and_numbers_as_cells() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["主订单编号", "付款时间", "买家实付金额", "退款金额", "接待客服"])
    sheet.append([3920001122334, datetime(2026, 11, 11, 0, 0, 12), 2399, 100.1, "小张"])
    sheet.append([None, None, None, None, None])
    sheet.append(["E2", "2026-11-12 10:00:00", "88.80", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    parsed = _parse(buffer.getvalue(), "客服销售额.xlsx")

    assert parsed.problems == []
    assert [(r.line, r.order_number, r.paid, r.refunded) for r in parsed.rows] == [
        (2, "3920001122334", D("2399.00"), D("100.10")),
        (4, "E2", D("88.80"), D("0.00")),
    ]
    assert parsed.net == D("2387.70")  # 2399 - 100.10 + 88.80


def test_every_bad_row_is_named_with_its_row_and_field() -> None:
    text = (
        "订单号,下单时间,实付金额,退款金额\n"
        "E1,2026-11-01 10:00,abc,0\n"  # 2: paid not a number
        "E2,2026-10-31 23:59,10,0\n"  # 3: outside the month
        "E1,2026-11-02 10:00,10,0\n"  # 4: duplicate of row 2
        ",2026-11-02 10:00,10,0\n"  # 5: no order number
        "E5,yesterday,10,0\n"  # 6: not a time
        "E6,2026-11-02,10,11\n"  # 7: refund above paid
        "E7,2026-11-02,-1,0\n"  # 8: negative
        "E8,2026-11-02,,0\n"  # 9: paid missing
        "E9,2026-12-01 00:00,10,0\n"  # 10: the next month
        "E10,2026-11-02,10,0\n"  # 11: good
    )

    parsed = _parse(text)

    assert [(p.line, p.field, p.code) for p in parsed.problems] == [
        (2, "paid", core.NUMBER),
        (3, "ordered_at", core.OUTSIDE_MONTH),
        (4, "order_number", core.DUPLICATE),
        (5, "order_number", core.REQUIRED_VALUE),
        (6, "ordered_at", core.TIME),
        (7, "refunded", core.REFUND_ABOVE_PAID),
        (8, "paid", core.NEGATIVE),
        (9, "paid", core.REQUIRED_VALUE),
        (10, "ordered_at", core.OUTSIDE_MONTH),
    ]
    assert parsed.problems[2].value == "2"  # the row the number first appeared on
    assert [r.order_number for r in parsed.rows] == ["E10"]


def test_a_file_without_the_required_columns_or_rows_or_that_is_not_a_file() -> None:
    no_paid = _parse("订单号,下单时间,客服\nE1,2026-11-01,王\n")
    only_header = _parse("订单号,下单时间,实付金额\n\n")

    assert [(p.line, p.field, p.code, p.value) for p in no_paid.problems] == [
        (1, "paid", core.MISSING_COLUMN, "实付金额")
    ]
    assert [(p.field, p.code) for p in only_header.problems] == [("file", core.EMPTY)]
    assert core.read_table("x.xlsx", b"not a zip")[1] == core.Problem(0, "file", core.NOT_XLSX)
    assert core.read_table("x.csv", b"\xff\xfe\x00a\x00")[1] == core.Problem(0, "file", core.NOT_TEXT)
