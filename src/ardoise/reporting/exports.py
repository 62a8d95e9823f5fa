"""Tabular reports as files: CSV and Excel (.xlsx), shared by every report that exports.

What must stay true:
- amounts stay exact: a Decimal is written as its decimal text in CSV and as a number (never
  a string) in Excel, with a number format showing the minor unit;
- a cell a user typed (a customer name) is never taken for a formula, in CSV (the leading
  character is neutralised) nor in Excel (the cell is typed as text);
- the Excel sheet has a bold header row that stays frozen and, when given, a bold totals row.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _csv_cell(value: object) -> str:
    text = _text(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte order mark (so that Excel reads the accents), comma separated,
    decimals with a point: the form accounting tools import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(title: str) -> str:
    return (title or "Report").translate(_SHEET_TITLE_FORBIDDEN).strip()[:31] or "Report"


def _as_number(value: object) -> object:
    """Amounts given as decimal strings in a number column become Decimals."""
    if isinstance(value, str) and value.strip():
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            return value
    return value


def _write_row(sheet, row_number: int, values: Sequence[object], numbers: set[int], fmt: str):
    for column, raw in enumerate(values, start=1):
        value = _as_number(raw) if column - 1 in numbers else raw
        if isinstance(value, float):
            raise TypeError("reports carry Decimals, not floats")
        cell = sheet.cell(row=row_number, column=column, value=value)
        if isinstance(value, Decimal):
            cell.number_format = fmt
        elif isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with


def _fit_columns(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)


def to_xlsx(
    title: str,
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    totals: Sequence[object] | None = None,
    number_columns: Iterable[int] = (),
    number_format: str = MONEY_FORMAT,
) -> bytes:
    """One sheet: bold frozen header, the rows, then an optional bold totals row.

    Decimals are written as numbers with `number_format`; `number_columns` (0-based) also
    turns decimal strings in those columns into numbers."""
    numbers = set(number_columns)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    bold = Font(bold=True)
    widths: dict[int, int] = {}

    def measure(values: Sequence[object]) -> None:
        for column, value in enumerate(values, start=1):
            widths[column] = max(widths.get(column, 0), len(_text(value)))

    _write_row(sheet, 1, [_text(h) for h in headers], set(), number_format)
    measure(headers)
    row_number = 1
    for row in rows:
        row_number += 1
        _write_row(sheet, row_number, row, numbers, number_format)
        measure(row)
    if totals is not None:
        row_number += 1
        _write_row(sheet, row_number, totals, numbers, number_format)
        measure(totals)
        for cell in sheet[row_number]:
            cell.font = bold
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, widths)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
