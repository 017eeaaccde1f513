"""The shop platform's sales export (客服销售额 / 客服业绩) read into order rows (pure, no Django).

Why a core of its own: the commission of a `base_commission` contract is billed on the shop's
own figures (net of refunds), not on what agents typed into chats, so this file is the money
source and every row must be exactly right or the whole upload is refused.

Input: the file's bytes and name (CSV in UTF-8 or GB18030, as the platforms export it, or the
first sheet of an .xlsx workbook). The first non-empty row is the header; its columns are
matched by name, Chinese or English (`HEADERS`), in any order, other columns ignored. Output:
`Parsed` with one `Row` per order and every `Problem` found (a row number as a spreadsheet shows
it, the field, a code the interface turns into words). All or nothing is the caller's rule:
any problem means nothing is stored.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FIELDS = ("order_number", "ordered_at", "paid", "refunded", "agent")
REQUIRED = ("order_number", "ordered_at", "paid")
# accepted header names per field (compared after `_key`: lower case, no spaces, no unit suffix)
HEADERS: dict[str, tuple[str, ...]] = {
    "order_number": (
        "订单号", "订单编号", "主订单编号", "主订单号", "子订单编号", "order number", "order no",
        "order id", "order_number", "order",
    ),
    "ordered_at": (
        "下单时间", "付款时间", "支付时间", "订单创建时间", "创建时间", "order time", "ordered at",
        "ordered_at", "paid at", "payment time", "order date",
    ),
    "paid": (
        "实付金额", "支付金额", "买家实付金额", "实付款", "付款金额", "paid amount", "paid",
        "amount paid", "payment amount",
    ),
    "refunded": ("退款金额", "退款", "已退款金额", "refunded amount", "refunded", "refund amount", "refund"),
    "agent": ("客服", "客服昵称", "客服名称", "接待客服", "agent", "agent name", "agent nickname"),
}  # fmt: skip
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_TEXT = 120
MAX_AMOUNT = Decimal("9999999999")
FEN = Decimal("0.01")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d",
)  # fmt: skip

# problem codes (the interface words them): a file's, a header's, a row's
EMPTY, NOT_XLSX, NOT_TEXT, TOO_LARGE, TOO_MANY = "empty", "not_xlsx", "not_text", "too_large", "too_many"
MISSING_COLUMN = "missing_column"
REQUIRED_VALUE, NUMBER, NEGATIVE, REFUND_ABOVE_PAID = "required", "number", "negative", "refund_above_paid"
TIME, OUTSIDE_MONTH, DUPLICATE, TOO_LONG = "time", "outside_month", "duplicate", "too_long"


@dataclass(frozen=True)
class Row:
    line: int  # the row number a spreadsheet shows (the header is usually 1)
    order_number: str
    ordered_at: datetime  # local time of the shop, naive
    paid: Decimal
    refunded: Decimal
    agent: str

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    field: str  # one of FIELDS, or "file"
    code: str
    value: str = ""  # what was found (a duplicate's first row number, a missing column's name…)


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header found for it

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), Decimal("0.00"))

    @property
    def refunded(self) -> Decimal:
        return sum((r.refunded for r in self.rows), Decimal("0.00"))

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded


def _key(header: Any) -> str:
    text = "" if header is None else str(header).strip().lower()
    text = re.sub(r"[（(](元|rmb|cny|¥|￥)[)）]$", "", text)
    return re.sub(r"[\s_]+", " ", text).strip()


_LOOKUP = {_key(name): name_field for name_field, names in HEADERS.items() for name in names}


def read_table(filename: str, content: bytes) -> tuple[list[list[Any]], Problem | None]:
    """The cells of a CSV or .xlsx file (first sheet), row by row; a problem if unreadable."""
    if len(content) > MAX_BYTES:
        return [], Problem(0, "file", TOO_LARGE)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return [list(r) for r in csv.reader(io.StringIO(text))], None
    return [], Problem(0, "file", NOT_TEXT)


def _read_xlsx(content: bytes) -> tuple[list[list[Any]], Problem | None]:
    import openpyxl  # only for Excel files: it takes a while to import

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        return [], Problem(0, "file", NOT_XLSX)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)], None
    finally:
        book.close()


def _blank(cells: list[Any]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = re.sub(r"[\s,¥￥]", "", "" if value is None else str(value))
    if text == "":
        return Decimal("0.00")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        return None
    return number.quantize(FEN, rounding=ROUND_HALF_UP)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = "" if value is None else str(value).strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an order number Excel stored as a number
    return "" if value is None else str(value).strip()


def parse(table: list[list[Any]], *, month: date) -> Parsed:
    """The order rows of `table` for the month starting at `month`, and every problem found.

    A row is refused (a problem) when a required value is missing or malformed, an amount is
    negative, the refund exceeds the amount paid, the order's time falls outside the month, or
    its order number already appeared on an earlier row. Blank rows are skipped.
    """
    parsed = Parsed()
    start = 0
    while start < len(table) and _blank(table[start]):
        start += 1
    if start == len(table):
        parsed.problems.append(Problem(0, "file", EMPTY))
        return parsed
    index: dict[str, int] = {}
    for position, header in enumerate(table[start]):
        found = _LOOKUP.get(_key(header))
        if found is not None and found not in index:
            index[found] = position
            parsed.columns[found] = str(header).strip()
    missing = [f for f in REQUIRED if f not in index]
    for name in missing:
        parsed.problems.append(Problem(start + 1, name, MISSING_COLUMN, HEADERS[name][0]))
    if missing:
        return parsed
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    seen: dict[str, int] = {}
    body = [(start + 2 + n, cells) for n, cells in enumerate(table[start + 1 :]) if not _blank(cells)]
    if not body:
        parsed.problems.append(Problem(0, "file", EMPTY))
        return parsed
    if len(body) > MAX_ROWS:
        parsed.problems.append(Problem(0, "file", TOO_MANY, str(MAX_ROWS)))
        return parsed
    for line, cells in body:
        values = {f: (cells[i] if i < len(cells) else None) for f, i in index.items()}
        problems: list[Problem] = []
        number = _text(values["order_number"])
        if not number:
            problems.append(Problem(line, "order_number", REQUIRED_VALUE))
        elif len(number) > MAX_TEXT:
            problems.append(Problem(line, "order_number", TOO_LONG, str(MAX_TEXT)))
        elif number in seen:
            problems.append(Problem(line, "order_number", DUPLICATE, str(seen[number])))
        at = _time(values["ordered_at"])
        if _text(values["ordered_at"]) == "" and not isinstance(values["ordered_at"], date):
            problems.append(Problem(line, "ordered_at", REQUIRED_VALUE))
        elif at is None:
            problems.append(Problem(line, "ordered_at", TIME, _text(values["ordered_at"])[:40]))
        elif not month <= at.date() < next_month:
            problems.append(Problem(line, "ordered_at", OUTSIDE_MONTH, at.strftime("%Y-%m-%d %H:%M")))
        amounts: dict[str, Decimal | None] = {}
        for name in ("paid", "refunded"):
            raw = values.get(name)
            if name == "paid" and _text(raw) == "":
                problems.append(Problem(line, name, REQUIRED_VALUE))
                continue
            amounts[name] = _amount(raw)
            if amounts[name] is None:
                problems.append(Problem(line, name, NUMBER, _text(raw)[:40]))
            elif amounts[name] < 0:
                problems.append(Problem(line, name, NEGATIVE, str(amounts[name])))
        paid, refunded = amounts.get("paid"), amounts.get("refunded", Decimal("0.00"))
        if paid is not None and refunded is not None and paid >= 0 and refunded > paid:
            problems.append(Problem(line, "refunded", REFUND_ABOVE_PAID, str(refunded)))
        agent = _text(values.get("agent"))
        if len(agent) > MAX_TEXT:
            problems.append(Problem(line, "agent", TOO_LONG, str(MAX_TEXT)))
        if number and number not in seen:
            seen[number] = line
        if problems:
            parsed.problems.extend(problems)
            continue
        assert at is not None and paid is not None and refunded is not None
        parsed.rows.append(Row(line, number, at, paid, refunded, agent))
    return parsed
