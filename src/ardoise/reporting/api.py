"""HTTP routes for reports, mounted at the API root: the aged balance
(`/reports/aged-balance`) as JSON, CSV or Excel. Amounts travel as decimal strings in JSON
and as numbers in Excel."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from ardoise.core.errors import InvalidInput
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for
from ardoise.ledger.queries import (
    DEFAULT_BUCKETS,
    AgedBalanceRow,
    aged_balance,
    bucket_labels,
)

from .exports import to_csv, to_xlsx

router = Router(tags=["reporting"])
ZERO = Decimal(0)
FORMATS = ("json", "csv", "xlsx")
BASES = ("due_date", "document_date")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CustomerRefOut(Schema):
    id: int
    code: str
    name: str


class AgedRowOut(Schema):
    customer: CustomerRefOut
    amounts: list[str]
    total: str


class AgedTotalsOut(Schema):
    amounts: list[str]
    total: str


class AgedBalanceOut(Schema):
    as_of: datetime.date
    basis: str
    currency: str
    # Bucket labels in column order: not_due, 1-30, ..., >90 (days past the basis date),
    # then "unapplied": the customer's unapplied credits (payments, credit notes not yet
    # matched), negative, so that a row's amounts add up to its ledger balance.
    buckets: list[str]
    rows: list[AgedRowOut]
    totals: AgedTotalsOut
    # Currencies with open items not shown here (ask again with `currency=`).
    other_currencies: list[str]


def _buckets(text: str | None) -> tuple[int, ...]:
    if not text:
        return DEFAULT_BUCKETS
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or any(v <= 0 for v in values) or list(values) != sorted(set(values)):
        raise InvalidInput.single(
            "buckets",
            "invalid",
            "Give increasing numbers of days separated by commas, e.g. 30,60,90.",
        )
    return values


def _check(basis: str, fmt: str) -> None:
    if basis not in BASES:
        raise InvalidInput.single("basis", "invalid", "The basis is due_date or document_date.")
    if fmt not in FORMATS:
        raise InvalidInput.single("format", "invalid", "The format is json, csv or xlsx.")


def _money(amount: Decimal, currency: str) -> str:
    return format(quantize(amount, currency), "f")


def headers_for(labels: Sequence[str]) -> list[str]:
    """Column headings of the exports: readable forms of the bucket labels."""
    named = {"not_due": "Not due", "unapplied": "Unapplied credits"}
    readable = [named.get(label, f"{label} days") for label in labels]
    return ["Customer code", "Customer", *readable, "Total"]


def _totals(rows: list[AgedBalanceRow], width: int) -> tuple[list[Decimal], Decimal]:
    amounts = [sum((row.amounts[i] for row in rows), ZERO) for i in range(width)]
    return amounts, sum(amounts, ZERO)


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/reports/aged-balance", response=AgedBalanceOut)
def aged_balance_report(
    request,
    as_of: datetime.date | None = None,
    basis: str = "due_date",
    buckets: str | None = None,
    company: int | None = None,
    business_line: str | None = None,
    currency: str | None = None,
    format: str = "json",  # noqa: A002 - the query parameter the API documents
):
    """The aged balance as of a date (today by default), per customer, in one currency (the
    company's unless `currency` is given). The total equals the ledger balance then."""
    _check(basis, format)
    bucket_days = _buckets(buckets)
    target = company_for(request.user, company, Action.VIEW)
    as_of = as_of or timezone.localdate()
    wanted = (currency or target.currency).upper()
    every = aged_balance(
        target, as_of=as_of, basis=basis, buckets=bucket_days, business_line=business_line or None
    )
    rows = [row for row in every if row.currency == wanted]
    labels = bucket_labels(bucket_days)
    amounts, total = _totals(rows, len(labels))
    if format == "json":
        return {
            "as_of": as_of,
            "basis": basis,
            "currency": wanted,
            "buckets": labels,
            "rows": [
                {
                    "customer": {"id": row.customer_id, "code": row.code, "name": row.name},
                    "amounts": [_money(a, wanted) for a in row.amounts],
                    "total": _money(row.total, wanted),
                }
                for row in rows
            ],
            "totals": {
                "amounts": [_money(a, wanted) for a in amounts],
                "total": _money(total, wanted),
            },
            "other_currencies": sorted({row.currency for row in every} - {wanted}),
        }
    headers = headers_for(labels)
    table = [
        [
            row.code,
            row.name,
            *(quantize(a, wanted) for a in row.amounts),
            quantize(row.total, wanted),
        ]
        for row in rows
    ]
    totals = ["Total", "", *(quantize(a, wanted) for a in amounts), quantize(total, wanted)]
    name = f"aged-balance-{target.code}-{wanted}-{as_of.isoformat()}"
    if format == "csv":
        return _attachment(
            to_csv(headers, [*table, totals]), "text/csv; charset=utf-8", f"{name}.csv"
        )
    content = to_xlsx(
        f"Aged balance {as_of.isoformat()}",
        headers,
        table,
        totals=totals,
        number_columns=range(2, len(headers)),
    )
    return _attachment(content, XLSX_TYPE, f"{name}.xlsx")
