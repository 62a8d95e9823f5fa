"""Report exports: CSV and Excel keep amounts exact and typed, never run a formula a user
typed, and give Excel a frozen bold header and a bold totals row."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ardoise.reporting.exports import MONEY_FORMAT, to_csv, to_xlsx

D = Decimal
HEADERS = ["Code", "Customer", "Date", "Amount"]
ROWS = [
    ["C-1", "Café de Lyon", datetime.date(2026, 1, 31), D("1234.50")],
    ["C-2", '=HYPERLINK("http://evil")', datetime.date(2026, 2, 1), D("-0.01")],
]
TOTALS = ["Total", "", None, D("1234.49")]


def read_back(content):
    sheet = load_workbook(io.BytesIO(content)).active
    return sheet, list(sheet.iter_rows(values_only=True))


def test_csv_keeps_decimals_exact_and_neutralises_formulas():
    content = to_csv(HEADERS, [*ROWS, TOTALS])
    assert content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines == [
        HEADERS,
        ["C-1", "Café de Lyon", "2026-01-31", "1234.50"],
        ["C-2", '\'=HYPERLINK("http://evil")', "2026-02-01", "-0.01"],
        ["Total", "", "", "1234.49"],
    ]


def test_xlsx_writes_numbers_as_numbers_with_a_bold_totals_row_and_a_frozen_header():
    content = to_xlsx("Aged balance", HEADERS, ROWS, totals=TOTALS)
    sheet, rows = read_back(content)
    assert sheet.title == "Aged balance"
    assert sheet.freeze_panes == "A2"
    assert rows[0] == tuple(HEADERS)
    assert rows[1][3] == pytest.approx(1234.5) and isinstance(rows[1][3], float)
    assert rows[1][2] == datetime.datetime(2026, 1, 31)
    assert sheet["D2"].number_format == MONEY_FORMAT
    assert all(cell.font.bold for cell in sheet[1])
    assert rows[-1][0] == "Total" and sheet["A4"].font.bold and sheet["D4"].font.bold
    assert not sheet["A2"].font.bold
    assert D(str(rows[-1][3])) == D("1234.49")


def test_xlsx_never_turns_text_into_a_formula():
    sheet, rows = read_back(to_xlsx("x", HEADERS, ROWS))
    assert sheet["B3"].data_type == "s"
    assert rows[2][1] == '=HYPERLINK("http://evil")'


def test_xlsx_number_columns_turn_decimal_strings_into_numbers_and_refuse_floats():
    sheet, rows = read_back(to_xlsx("x", ["Amount"], [["12.30"], ["abc"]], number_columns=[0]))
    assert rows[1:] == [(pytest.approx(12.3),), ("abc",)]
    assert sheet["A2"].number_format == MONEY_FORMAT
    with pytest.raises(TypeError):
        to_xlsx("x", ["Amount"], [[12.3]])


def test_xlsx_columns_fit_their_content_within_bounds_and_titles_are_cleaned():
    long_name = "N" * 200
    sheet, _rows = read_back(to_xlsx("Report: 2026/01 [draft]" * 3, ["A", "B"], [["x", long_name]]))
    assert len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
    assert sheet.column_dimensions["A"].width == 8
    assert sheet.column_dimensions["B"].width == 60
