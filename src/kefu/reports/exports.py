"""Tables out as CSV or Excel: the one export helper every report table and metric list uses.

A pure core (no Django): callers pass translated headers and typed cells; the column's kind
decides the cell's format in Excel (integers, two decimals, per cent, seconds, dates and
times) and its text in CSV. CSV is UTF-8 with a byte-order mark, so Excel opens Chinese
headers correctly.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

TEXT, INT, DECIMAL, PERCENT, SECONDS, DATE, DATETIME = (
    "text",
    "int",
    "decimal",
    "percent",
    "seconds",
    "date",
    "datetime",
)
FORMATS = {
    INT: "#,##0",
    DECIMAL: "#,##0.00",
    PERCENT: '0.00"%"',  # values are already per cent (95.5 means 95.5 %)
    SECONDS: "#,##0.0",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm:ss",
}
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_UNSAFE = re.compile(r"[\[\]\*\?/\\:]")
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")
STAMP = datetime(2000, 1, 1)  # a workbook's creation time unless the caller gives one


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    title: str
    columns: Sequence[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)


def _plain(value: Any, kind: str) -> Any:
    """A cell as Excel stores it: naive local datetimes (Excel has no time zones)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if kind in (INT,) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if kind == INT and value.is_integer():
            return str(int(value))
        return f"{value:.2f}" if kind in (DECIMAL, PERCENT) else f"{value:g}"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def to_csv(tables: Sequence[Table]) -> bytes:
    """Every table one after another (title line, headers, rows, a blank line between)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([table.title])
        writer.writerow([c.header for c in table.columns])
        for row in table.rows:
            writer.writerow([_text(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []*?/\\:, unique in the workbook."""
    base = _SHEET_UNSAFE.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(tables: Sequence[Table], *, stamp: datetime = STAMP) -> bytes:
    """One sheet per table: bold headers, frozen header row, number and date formats per column.

    The same tables give the same bytes: the workbook's creation and modification times are
    `stamp` (naive UTC), and so are its zip entries' times (openpyxl would write the clock's)."""
    from openpyxl import Workbook  # here, not at import: every server and command start paid for it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.properties.created = stamp
    book.remove(book.active)
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(sheet_name(table.title, taken))
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(
                [
                    "、".join(str(v) for v in value)
                    if isinstance(value, list | tuple)
                    else _plain(value, c.kind)
                    for value, c in zip(row, table.columns, strict=True)
                ]
            )
        for index, column in enumerate(table.columns, 1):
            letter = get_column_letter(index)
            width = max(
                [len(column.header) * 2, 10] + [len(_text(r[index - 1], column.kind)) for r in table.rows]
            )
            sheet.column_dimensions[letter].width = min(width + 2, 60)
            fmt = FORMATS.get(column.kind)
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = fmt
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return _stable(out.getvalue(), stamp)


def _stable(content: bytes, stamp: datetime) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            target.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
