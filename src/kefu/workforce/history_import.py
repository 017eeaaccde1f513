"""Parse interval volume history (CSV or Excel) into a `VolumeHistory` for the forecaster.

Pure Python (openpyxl for .xlsx), no Django. The rules that matter for forecasting:

- A row is one interval of one queue: its start time and the contacts offered in it.
  Timestamps are wall-clock local time; a time-zone offset, if present, is dropped.
- Absent rows are *not* zeros. Closed hours and closed days simply have no rows, and
  missing data also has no rows; the forecaster tells them apart from the opening pattern.
  A row whose `offered` cell is blank is skipped the same way. Write 0 for an open
  interval with no contacts.
- The interval length is inferred as the most common gap between consecutive rows of a
  day; every gap must be a multiple of it, otherwise the file mixes interval lengths.
- Errors raise `HistoryImportError` carrying the spreadsheet row number (header = row 1).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

TOTAL_QUEUE = ""  # queue name of rows from a file without a queue column

# Header aliases, compared after `_normalise_header` (lower case, no spaces/underscores/units).
_ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "timestamp",
        "datetime",
        "time",
        "interval",
        "intervalstart",
        "start",
        "starttime",
        "periodstart",
        "ds",
        "时间",
        "日期时间",
        "开始时间",
        "时间段",
        "时段",
        "区间开始",
    ),
    "date": ("date", "day", "日期"),
    "queue": ("queue", "skill", "skillgroup", "channel", "queuename", "队列", "技能组", "渠道", "队列名称"),
    "offered": (
        "offered",
        "offeredcontacts",
        "calls",
        "callsoffered",
        "contacts",
        "volume",
        "inbound",
        "count",
        "y",
        "来电量",
        "呼入量",
        "进线量",
        "咨询量",
        "来访量",
        "话务量",
        "进线数",
        "来电数",
        "咨询数",
    ),
    "handled": (
        "handled",
        "answered",
        "callshandled",
        "接起量",
        "接通量",
        "应答量",
        "接听量",
        "接待量",
        "接起数",
    ),
    "aht": ("aht", "averagehandletime", "avghandletime", "平均处理时长", "平均处理时间", "处理时长"),
    "campaign": ("campaign", "promo", "promotion", "event", "活动", "促销", "大促", "活动名称"),
}
_HEADER_UNITS = re.compile(r"[（(\[【].*?[)）\]】]")
_TIME_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*[-–~至到]\s*\d{1,2}:\d{2}(?::\d{2})?\s*$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}")
_FALSE_WORDS = frozenset({"", "0", "no", "n", "false", "f", "none", "否", "无", "-"})
_TIMESTAMP_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%d/%m/%Y %H:%M",
)
_DATE_FORMATS = ("%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class HistoryImportError(ValueError):
    """A history file that cannot be used; `row` is the 1-based spreadsheet row (header = 1)."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        self.row = row
        self.message = message
        super().__init__(f"row {row}: {message}" if row is not None else message)


@dataclass(frozen=True, slots=True)
class VolumeRecord:
    """One interval of one queue."""

    start: datetime
    queue: str
    offered: float
    handled: float | None = None
    aht: float | None = None
    campaign: str | None = None


@dataclass(frozen=True)
class VolumeHistory:
    """Imported interval history, sorted by (queue, start); no duplicate (queue, start)."""

    interval_minutes: int
    records: tuple[VolumeRecord, ...]

    @property
    def queues(self) -> list[str]:
        return sorted({r.queue for r in self.records})

    @property
    def first_day(self) -> date:
        return min(r.start.date() for r in self.records)

    @property
    def last_day(self) -> date:
        return max(r.start.date() for r in self.records)

    def offered(self, queue: str | None = None) -> dict[datetime, float]:
        """Offered per interval start for one queue, or summed over all queues when None."""
        out: dict[datetime, float] = defaultdict(float)
        for r in self.records:
            if queue is None or r.queue == queue:
                out[r.start] += r.offered
        return dict(sorted(out.items()))

    def campaign_days(self, queue: str | None = None) -> dict[date, str]:
        """Days with at least one interval marked as a campaign, with the campaign's name."""
        out: dict[date, str] = {}
        for r in self.records:
            if r.campaign and (queue is None or r.queue == queue):
                out.setdefault(r.start.date(), r.campaign)
        return out


def load_history(
    path: str | Path, *, interval_minutes: int | None = None, sheet: str | None = None
) -> VolumeHistory:
    """Read a .csv/.txt or .xlsx/.xlsm file; infer the interval length unless given."""
    path = Path(path)
    if not path.is_file():
        raise HistoryImportError(f"history file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return parse_rows(_xlsx_rows(path, sheet), interval_minutes=interval_minutes)
    if suffix == ".xls":
        raise HistoryImportError("legacy .xls files are not supported; save the sheet as .xlsx or .csv")
    return parse_rows(_csv_rows(path.read_bytes()), interval_minutes=interval_minutes)


def parse_csv_text(text: str, *, interval_minutes: int | None = None) -> VolumeHistory:
    """Parse CSV text (header row first); handy for tests and API uploads."""
    return parse_rows(_csv_rows(text.encode("utf-8")), interval_minutes=interval_minutes)


def parse_rows(rows: Iterable[Sequence[object]], *, interval_minutes: int | None = None) -> VolumeHistory:
    """Parse a header row followed by data rows (cells: str, numbers, datetime or None)."""
    iterator = iter(rows)
    header_row = 1
    header: Sequence[object] | None = None
    for header_row, row in enumerate(iterator, start=1):  # noqa: B007 - header_row used below
        if any(_cell_text(c) for c in row):
            header = row
            break
    if header is None:
        raise HistoryImportError("the file is empty: expected a header row and interval rows")
    columns = _map_columns(header, header_row)
    records: list[VolumeRecord] = []
    seen: dict[tuple[str, datetime], int] = {}
    for number, row in enumerate(iterator, start=header_row + 1):
        if not any(_cell_text(c) for c in row):
            continue
        key, record = _parse_record(row, columns, number)
        if key in seen:
            raise HistoryImportError(
                f"duplicate interval {key[1].isoformat(sep=' ')}"
                + (f" for queue {key[0]!r}" if key[0] else "")
                + f" (first seen on row {seen[key]})",
                row=number,
            )
        seen[key] = number
        if record is not None:
            records.append(record)
    if not records:
        raise HistoryImportError("the file has a header but no interval rows")
    records.sort(key=lambda r: (r.queue, r.start))
    interval = _check_interval(sorted(seen), seen, interval_minutes)  # blank rows still mark the grid
    return VolumeHistory(interval_minutes=interval, records=tuple(records))


def aggregate(history: VolumeHistory, interval_minutes: int) -> VolumeHistory:
    """Sum history into longer intervals (e.g. 5 → 15 min); a bucket exists if any part does."""
    if interval_minutes == history.interval_minutes:
        return history
    if interval_minutes % history.interval_minutes or 1440 % interval_minutes:
        raise HistoryImportError(
            f"cannot aggregate {history.interval_minutes}-minute history into {interval_minutes}-minute "
            "intervals: the new length must be a multiple of the old one and divide a day"
        )
    buckets: dict[tuple[str, datetime], list[VolumeRecord]] = defaultdict(list)
    for r in history.records:
        minute = r.start.hour * 60 + r.start.minute
        start = datetime.combine(r.start.date(), time()) + timedelta(
            minutes=minute - minute % interval_minutes
        )
        buckets[(r.queue, start)].append(r)
    out = []
    for (queue, start), parts in sorted(buckets.items()):
        handled_parts = [p.handled for p in parts if p.handled is not None]
        handled = sum(handled_parts) if handled_parts else None
        weighted = [(p.aht, p.handled) for p in parts if p.aht is not None and p.handled]
        aht = sum(a * h for a, h in weighted) / sum(h for _, h in weighted) if weighted else None
        campaign = next((p.campaign for p in parts if p.campaign), None)
        out.append(VolumeRecord(start, queue, sum(p.offered for p in parts), handled, aht, campaign))
    return VolumeHistory(interval_minutes=interval_minutes, records=tuple(out))


# --- reading files -------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    """Decode (UTF-8 with or without BOM, else GB18030 as Chinese Excel writes) and sniff the delimiter."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise HistoryImportError("cannot decode the file: save it as UTF-8 CSV") from exc
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first_line.count)
    return csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[object, ...]]:
    import openpyxl  # only needed for Excel files

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for bad files
        raise HistoryImportError(f"cannot open Excel file: {exc}") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise HistoryImportError(f"sheet {sheet!r} not found; sheets: {', '.join(workbook.sheetnames)}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        yield from worksheet.iter_rows(values_only=True)
    finally:
        workbook.close()


# --- columns and cells ---------------------------------------------------------------------


def _normalise_header(value: object) -> str:
    text = _HEADER_UNITS.sub("", _cell_text(value)).lower()
    return re.sub(r"[\s_\-./]+", "", text)


def _map_columns(header: Sequence[object], row: int) -> dict[str, int]:
    lookup = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = lookup.get(_normalise_header(cell))
        if field is not None and field not in columns:
            columns[field] = index
    if "timestamp" not in columns and "date" not in columns:
        raise HistoryImportError(
            "no timestamp column: expected a header such as 'timestamp' or '时间' (or 'date' + 'time')",
            row=row,
        )
    if "offered" not in columns:
        raise HistoryImportError(
            "no offered column: expected a header such as 'offered' or '来电量'", row=row
        )
    return columns


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _cell(row: Sequence[object], columns: Mapping[str, int], field: str) -> object:
    index = columns.get(field)
    return row[index] if index is not None and index < len(row) else None


def _parse_record(
    row: Sequence[object], columns: Mapping[str, int], number: int
) -> tuple[tuple[str, datetime], VolumeRecord | None]:
    """The row's (queue, start) and its record; no record when the count is blank."""
    start = _parse_start(row, columns, number)
    queue = _cell_text(_cell(row, columns, "queue")) if "queue" in columns else TOTAL_QUEUE
    offered = _parse_count(_cell(row, columns, "offered"), "offered", number)
    if offered is None:
        return (queue, start), None  # a blank count is an absent interval, not a zero
    handled = _parse_count(_cell(row, columns, "handled"), "handled", number)
    aht = _parse_count(_cell(row, columns, "aht"), "aht", number)
    campaign_text = _cell_text(_cell(row, columns, "campaign"))
    campaign = None if campaign_text.lower() in _FALSE_WORDS else campaign_text
    if campaign is not None and campaign.lower() in {"1", "yes", "y", "true", "t", "是"}:
        campaign = "campaign"
    return (queue, start), VolumeRecord(start, queue, offered, handled, aht, campaign)


def _parse_start(row: Sequence[object], columns: Mapping[str, int], number: int) -> datetime:
    if "timestamp" in columns:
        value = _cell(row, columns, "timestamp")
        if "date" in columns and not _looks_like_date(value):
            return _combine(_parse_date(_cell(row, columns, "date"), number), _parse_time(value, number))
        return _parse_datetime(value, number)
    return datetime.combine(_parse_date(_cell(row, columns, "date"), number), time())


def _looks_like_date(value: object) -> bool:
    if isinstance(value, time):
        return False
    return isinstance(value, datetime | date) or not _CLOCK.match(_cell_text(value))


def _combine(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock)


def _parse_datetime(value: object, number: int) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = _cell_text(value)
    if not text:
        raise HistoryImportError("timestamp is empty", row=number)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _TIMESTAMP_FORMATS + _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise HistoryImportError(f"cannot parse timestamp {text!r} (expected e.g. 2024-03-01 08:15)", row=number)


def _parse_date(value: object, number: int) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_datetime(value, number).date()


def _parse_time(value: object, number: int) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    text = _cell_text(value)
    match = _TIME_RANGE.match(text)
    if match:
        text = match.group(1)  # "08:00-08:15" → its start
    try:
        return time.fromisoformat(text if len(text) != 4 else "0" + text)
    except ValueError:
        raise HistoryImportError(f"cannot parse time {text!r} (expected e.g. 08:15)", row=number) from None


def _parse_count(value: object, field: str, number: int) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, int | float):
        number_value = float(value)
    else:
        text = _cell_text(value).replace(",", "").replace("，", "")
        if not text:
            return None
        try:
            number_value = float(text)
        except ValueError:
            raise HistoryImportError(f"{field} is not a number: {text!r}", row=number) from None
    if number_value != number_value or number_value in (float("inf"), float("-inf")):
        raise HistoryImportError(f"{field} is not a finite number", row=number)
    if number_value < 0:
        raise HistoryImportError(f"{field} is negative: {number_value:g}", row=number)
    return number_value


# --- interval length -----------------------------------------------------------------------


_Stamp = tuple[str, datetime]  # (queue, interval start)


def _check_interval(stamps: Sequence[_Stamp], rows: Mapping[_Stamp, int], given: int | None) -> int:
    """Infer (or check) the interval length from gaps between consecutive rows of a queue-day."""
    if given is not None and (given <= 0 or 1440 % given):
        raise HistoryImportError(f"interval length must divide a day; got {given} minutes")
    gaps: Counter[int] = Counter()
    for (queue_a, a), (queue_b, b) in itertools.pairwise(stamps):
        if queue_a == queue_b and a.date() == b.date():
            gaps[int((b - a).total_seconds() // 60)] += 1
    if given is not None:
        interval = given
    elif not gaps:
        interval = 1440  # one row per day: daily history
    else:
        interval = gaps.most_common(1)[0][0]
        if interval <= 0 or 1440 % interval:
            raise HistoryImportError(f"inferred interval of {interval} minutes does not divide a day")
    for stamp in stamps:
        if stamp[1].second or stamp[1].microsecond:
            raise HistoryImportError("timestamps must be whole minutes", row=rows[stamp])
    _check_days(stamps, rows, interval)
    offsets = Counter((start.hour * 60 + start.minute) % interval for _, start in stamps)
    usual_offset = offsets.most_common(1)[0][0]
    for stamp in stamps:
        start = stamp[1]
        if (start.hour * 60 + start.minute) % interval != usual_offset:
            raise HistoryImportError(
                f"mixed interval lengths: {start.strftime('%Y-%m-%d %H:%M')} is off the "
                f"{interval}-minute grid of the other rows",
                row=rows[stamp],
            )
    return interval


def _check_days(stamps: Sequence[_Stamp], rows: Mapping[_Stamp, int], interval: int) -> None:
    """A queue-day whose own usual gap differs from the file's is a block at another interval length."""
    day_gaps: dict[tuple[str, date], Counter[int]] = defaultdict(Counter)
    first: dict[tuple[str, date], _Stamp] = {}
    for previous, current in itertools.pairwise(stamps):
        if previous[0] == current[0] and previous[1].date() == current[1].date():
            key = (current[0], current[1].date())
            first.setdefault(key, previous)
            day_gaps[key][int((current[1] - previous[1]).total_seconds() // 60)] += 1
    for key, gaps in day_gaps.items():
        usual, count = gaps.most_common(1)[0]
        if usual != interval and count >= 3:
            raise HistoryImportError(
                f"mixed interval lengths: rows of {key[1].isoformat()} are {usual} minutes apart, "
                f"the rest of the file {interval} minutes",
                row=rows[first[key]],
            )


# --- holiday calendars ---------------------------------------------------------------------

_HOLIDAY_WORDS = frozenset({"holiday", "off", "closed", "rest", "假日", "节假日", "假期", "休息", "放假"})
_WORKDAY_WORDS = frozenset({"workday", "work", "working", "adjusted", "调休", "上班", "补班", "工作日"})


def load_day_calendar(path: str | Path) -> tuple[frozenset[date], frozenset[date]]:
    """Read `date[,kind]` rows (kind: holiday | workday, default holiday) → (holidays, workdays).

    For history from a country chinese_calendar does not cover, or a client's own closures.
    A header row is optional.
    """
    path = Path(path)
    if not path.is_file():
        raise HistoryImportError(f"holiday file not found: {path}")
    holidays: set[date] = set()
    workdays: set[date] = set()
    for number, row in enumerate(_csv_rows(path.read_bytes()), start=1):
        if not row or not _cell_text(row[0]) or _cell_text(row[0]).startswith("#"):
            continue
        kind = _cell_text(row[1]).lower() if len(row) > 1 else ""
        try:
            day = _parse_date(row[0], number)
        except HistoryImportError:
            if number == 1:
                continue  # a header
            raise
        if kind in _WORKDAY_WORDS:
            workdays.add(day)
        elif kind in _HOLIDAY_WORDS or not kind:
            holidays.add(day)
        else:
            raise HistoryImportError(f"unknown day kind {kind!r}: use holiday or workday", row=number)
    return frozenset(holidays), frozenset(workdays)
