"""A customer statement as a downloadable file (PDF, CSV or Excel), for the API and the pages."""

from .exports import to_csv, to_xlsx
from .statement_pdf import render_statement
from .statements import NUMBER_COLUMNS, STATEMENT_HEADERS, Statement, statement_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf", "csv", "xlsx")


def statement_file(statement: Statement, code: str, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the statement in `file_format`."""
    name = f"statement-{code}-{statement.date_from.isoformat()}-{statement.date_to.isoformat()}"
    if file_format == "pdf":
        return render_statement(statement), "application/pdf", f"{name}.pdf"
    if file_format == "csv":
        content = to_csv(STATEMENT_HEADERS, statement_rows(statement))
        return content, "text/csv; charset=utf-8", f"{name}.csv"
    if file_format == "xlsx":
        content = to_xlsx(
            f"Statement {code}",
            STATEMENT_HEADERS,
            statement_rows(statement),
            number_columns=NUMBER_COLUMNS,
        )
        return content, XLSX, f"{name}.xlsx"
    raise ValueError(f"unknown statement format {file_format!r}")
