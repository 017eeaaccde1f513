"""History import: headers (English and Chinese), CSV and Excel, interval inference, clear errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from kefu.workforce import history_import
from kefu.workforce.history_import import HistoryImportError


def write(tmp_path: Path, text: str, name: str = "history.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows: list[tuple[str, ...]], header: str = "timestamp,offered") -> str:
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"


def day_rows(day: str, start: str, count: int, step: int, value: int = 10) -> list[tuple[str, str]]:
    first = datetime.fromisoformat(f"{day}T{start}")
    return [((first + timedelta(minutes=i * step)).isoformat(), str(value + i)) for i in range(count)]


# --- happy paths -----------------------------------------------------------------------------


def test_csv_with_inferred_interval_and_closed_hours(tmp_path: Path) -> None:
    rows = day_rows("2024-03-01", "09:00", 36, 15) + day_rows("2024-03-04", "09:00", 36, 15)  # Fri, Mon
    history = history_import.load_history(write(tmp_path, csv_text(rows)))

    assert history.interval_minutes == 15
    assert len(history.records) == 72
    assert history.queues == [""]
    assert history.first_day == date(2024, 3, 1) and history.last_day == date(2024, 3, 4)
    offered = history.offered()
    assert offered[datetime(2024, 3, 1, 9, 0)] == 10
    assert datetime(2024, 3, 2, 9, 0) not in offered  # the closed weekend is absent, not zero


def test_missing_intervals_do_not_change_the_inferred_interval(tmp_path: Path) -> None:
    rows = day_rows("2024-03-01", "09:00", 40, 15)
    del rows[10:13]
    history = history_import.load_history(write(tmp_path, csv_text(rows)))

    assert history.interval_minutes == 15
    assert len(history.records) == 37


def test_headers_are_case_insensitive_and_queues_are_kept(tmp_path: Path) -> None:
    text = (
        " TimeStamp ,Queue,OFFERED,Handled,AHT (s)\n"
        "2024-03-01 09:00,presale,10,9,120\n"
        "2024-03-01 09:30,presale,12,12,130\n"
        "2024-03-01 09:00,aftersale,4,4,300\n"
        "2024-03-01 09:30,aftersale,6,5,310\n"
    )
    history = history_import.load_history(write(tmp_path, text))

    assert history.interval_minutes == 30
    assert history.queues == ["aftersale", "presale"]
    assert history.offered("presale") == {datetime(2024, 3, 1, 9, 0): 10, datetime(2024, 3, 1, 9, 30): 12}
    assert history.offered()[datetime(2024, 3, 1, 9, 0)] == 14
    first = history.records[0]
    assert (first.queue, first.handled, first.aht) == ("aftersale", 4, 300)


def test_chinese_headers_gbk_encoding_and_slash_dates(tmp_path: Path) -> None:
    text = (
        "时间,队列,来电量,接起量,平均处理时长(秒)\n"
        "2024/03/01 09:00,售前,10,9,100\n"
        "2024/03/01 10:00,售前,8,8,90\n"
    )
    history = history_import.load_history(write(tmp_path, text, encoding="gbk"))

    assert history.interval_minutes == 60
    assert history.queues == ["售前"]
    assert [r.offered for r in history.records] == [10, 8]
    assert history.records[1].aht == 90


def test_separate_date_and_time_range_columns(tmp_path: Path) -> None:
    text = "日期\t时段\t进线量\n2024-03-01\t08:00-08:30\t5\n2024-03-01\t08:30-09:00\t7\n"
    history = history_import.load_history(write(tmp_path, text))

    assert history.interval_minutes == 30
    assert list(history.offered()) == [datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 1, 8, 30)]


def test_excel_file_with_datetime_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "话务"
    sheet.append(["时间", "队列", "来电量", "接起量"])
    for i in range(8):
        sheet.append([datetime(2024, 3, 1, 9, 0) + timedelta(minutes=5 * i), "热线", 10 + i, 9.0])
    sheet.append([None, None, None, None])  # trailing blank rows are common in sheets
    path = tmp_path / "history.xlsx"
    workbook.save(path)

    history = history_import.load_history(path, sheet="话务")

    assert history.interval_minutes == 5
    assert [r.offered for r in history.records] == [float(10 + i) for i in range(8)]
    assert history.records[0].handled == 9.0


def test_excel_errors_carry_spreadsheet_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["timestamp", "offered"])
    sheet.append([datetime(2024, 3, 1, 9, 0), 3])
    sheet.append([datetime(2024, 3, 1, 9, 15), -2])
    path = tmp_path / "history.xlsx"
    workbook.save(path)

    with pytest.raises(HistoryImportError, match="row 3: offered is negative") as caught:
        history_import.load_history(path)
    assert caught.value.row == 3
    with pytest.raises(HistoryImportError, match="sheet 'nope' not found"):
        history_import.load_history(path, sheet="nope")


def test_blank_counts_are_absent_intervals_and_other_delimiters(tmp_path: Path) -> None:
    text = "timestamp;offered\n2024-03-01T09:00;4\n2024-03-01T09:15;\n2024-03-01T09:30;0\n"
    history = history_import.load_history(write(tmp_path, text))

    assert history.offered() == {datetime(2024, 3, 1, 9, 0): 4, datetime(2024, 3, 1, 9, 30): 0}
    assert history.interval_minutes == 15  # the gap of 30 is a missing interval, not the length


def test_timezone_offsets_are_dropped_to_local_wall_clock(tmp_path: Path) -> None:
    text = "timestamp,offered\n2024-03-01T09:00:00+08:00,1\n2024-03-01T09:30:00+08:00,2\n"
    history = history_import.load_history(write(tmp_path, text))

    assert list(history.offered()) == [datetime(2024, 3, 1, 9, 0), datetime(2024, 3, 1, 9, 30)]


def test_campaign_column_marks_days(tmp_path: Path) -> None:
    text = (
        "timestamp,offered,活动\n"
        "2024-06-17 09:00,10,618\n2024-06-17 10:00,12,618\n"
        "2024-06-19 09:00,5,\n2024-06-19 10:00,6,否\n"
        "2024-06-20 09:00,5,1\n"
    )
    history = history_import.load_history(write(tmp_path, text))

    assert history.campaign_days() == {date(2024, 6, 17): "618", date(2024, 6, 20): "campaign"}


def test_daily_history_has_a_one_day_interval(tmp_path: Path) -> None:
    text = "date,volume\n2024-03-01,100\n2024-03-02,120\n2024-03-04,90\n"
    assert history_import.load_history(write(tmp_path, text)).interval_minutes == 1440


def test_aggregate_sums_into_longer_intervals() -> None:
    rows = day_rows("2003-03-03", "07:00", 169, 5, value=1)  # 07:00 … 21:00, like the bank data
    history = history_import.parse_csv_text(csv_text(rows))

    quarter = history_import.aggregate(history, 15)

    assert quarter.interval_minutes == 15
    assert len(quarter.records) == 57  # 56 full quarters and the lone 21:00–21:05 interval
    assert quarter.offered()[datetime(2003, 3, 3, 7, 0)] == 1 + 2 + 3
    assert sum(quarter.offered().values()) == sum(history.offered().values())
    with pytest.raises(HistoryImportError, match="multiple"):
        history_import.aggregate(history, 7)


def test_day_calendar_file(tmp_path: Path) -> None:
    path = write(tmp_path, "date,kind\n2024-07-04,holiday\n2024-07-06,workday\n2024-12-25\n", "days.csv")
    holidays, workdays = history_import.load_day_calendar(path)

    assert holidays == {date(2024, 7, 4), date(2024, 12, 25)}
    assert workdays == {date(2024, 7, 6)}
    with pytest.raises(HistoryImportError, match="row 2: unknown day kind"):
        history_import.load_day_calendar(write(tmp_path, "date,kind\n2024-07-04,party\n", "bad.csv"))


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("timestamp,offered\n", "no interval rows"),
        ("when,offered\n2024-03-01 09:00,1\n", "row 1: no timestamp column"),
        ("timestamp,agents\n2024-03-01 09:00,1\n", "row 1: no offered column"),
        ("timestamp,offered\n2024-03-01 09:00,1\nyesterday,2\n", "row 3: cannot parse timestamp 'yesterday'"),
        ("timestamp,offered\n2024-03-01 09:00,1\n,2\n", "row 3: timestamp is empty"),
        ("timestamp,offered\n2024-03-01 09:00,-1\n", "row 2: offered is negative"),
        ("timestamp,offered\n2024-03-01 09:00,many\n", "row 2: offered is not a number"),
        ("timestamp,offered,handled\n2024-03-01 09:00,1,-3\n", "row 2: handled is negative"),
        ("timestamp,offered\n2024-03-01 09:00,nan\n", "row 2: offered is not a finite number"),
        (
            "timestamp,offered\n2024-03-01 09:00,1\n2024-03-01 09:15,1\n2024-03-01 09:15,2\n",
            "row 4: duplicate interval 2024-03-01 09:15:00 .first seen on row 3",
        ),
        (
            "timestamp,offered\n2024-03-01 09:00,1\n2024-03-01 09:15,1\n"
            "2024-03-01 09:30,1\n2024-03-01 09:40,1\n",
            "row 5: mixed interval lengths: 2024-03-01 09:40 is off the 15-minute grid",
        ),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(HistoryImportError, match=message):
        history_import.load_history(write(tmp_path, text))


def test_a_block_of_days_at_another_interval_length_is_mixed(tmp_path: Path) -> None:
    rows = day_rows("2024-03-01", "09:00", 20, 15) + day_rows("2024-03-04", "09:00", 20, 15)
    rows += day_rows("2024-03-05", "09:00", 30, 5)  # one day exported at 5 minutes
    rows += day_rows("2024-03-06", "09:00", 20, 15)
    with pytest.raises(HistoryImportError, match=r"row 42: mixed interval lengths: rows of 2024-03-05 are 5"):
        history_import.load_history(write(tmp_path, csv_text(rows)))


def test_given_interval_is_checked_against_the_data(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(day_rows("2024-03-01", "09:00", 8, 15)))

    assert history_import.load_history(path, interval_minutes=15).interval_minutes == 15
    with pytest.raises(HistoryImportError, match="mixed interval lengths"):
        history_import.load_history(path, interval_minutes=60)
    with pytest.raises(HistoryImportError, match="divide a day"):
        history_import.load_history(path, interval_minutes=7)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    assert issubclass(HistoryImportError, ValueError)
    with pytest.raises(HistoryImportError, match="not found"):
        history_import.load_history(tmp_path / "nope.csv")
    with pytest.raises(HistoryImportError, match=r"\.xls files are not supported"):
        history_import.load_history(write(tmp_path, "x", "old.xls"))
    with pytest.raises(HistoryImportError, match="cannot open Excel file"):
        history_import.load_history(write(tmp_path, "not a zip", "broken.xlsx"))
