"""The customer statement (relevé de compte) for a period, read from the ledger.

Three queries (balance before the period, movements in it, open items at its end) feed a pure
assembly into frozen value objects. The statement refuses to exist if its closing balance is
not the opening balance plus its movements, or if its aging does not add up to the closing
balance: the same figures as `ledger.queries.balance` and the aged balance, to the cent.

A movement is an open item dated in the period (invoice, credit note, payment, refund, fee,
write-off); allocations move no balance (they lower a debit and a credit alike), so they show
only in the residuals of the open items.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce

from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, quantize
from ardoise.ledger.models import Direction, OpenItem
from ardoise.ledger.queries import (
    DEFAULT_BUCKETS,
    AgingRow,
    bucket_amounts,
    bucket_labels,
    residual_rows,
    to_amount,
    to_date,
)
from ardoise.parties.models import Customer

ZERO = Decimal(0)


class StatementError(ValueError):
    """A statement whose figures do not add up: a bug, never a user error."""


@dataclass(frozen=True, slots=True)
class Movement:
    date: datetime.date
    kind: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running balance after this movement


@dataclass(frozen=True, slots=True)
class StatementItem:
    """An item still open at the end of the period. `residual` is signed: credits owed to
    the customer (unapplied cash, unused credit notes) are negative."""

    document_date: datetime.date
    kind: str
    reference: str
    due_date: datetime.date | None
    amount: Decimal
    residual: Decimal
    age_days: int  # since the document date
    days_overdue: int  # since the due date, 0 when not due or a credit


@dataclass(frozen=True, slots=True)
class AgingSummary:
    labels: tuple[str, ...]  # not_due, 1-30, ..., >90, unapplied
    amounts: tuple[Decimal, ...]
    total: Decimal

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.amounts) or sum(self.amounts, ZERO) != self.total:
            raise StatementError("aging amounts do not add up to their total")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    lines: tuple[str, ...]  # address and identifiers, after the name


@dataclass(frozen=True, slots=True)
class Statement:
    customer_id: int
    customer_code: str
    language: str
    currency: str
    seller: Party
    customer: Party
    date_from: datetime.date
    date_to: datetime.date
    opening_balance: Decimal
    movements: tuple[Movement, ...]
    closing_balance: Decimal
    open_items: tuple[StatementItem, ...]
    aging: AgingSummary
    unapplied_credit: Decimal  # positive: what the customer may still use

    def __post_init__(self) -> None:
        running = self.opening_balance
        for movement in self.movements:
            running += movement.debit - movement.credit
            if movement.balance != running:
                raise StatementError(f"running balance broken at {movement.reference}")
        if running != self.closing_balance:
            raise StatementError("closing balance is not opening balance plus movements")
        if sum((item.residual for item in self.open_items), ZERO) != self.closing_balance:
            raise StatementError("open items do not add up to the closing balance")
        if self.aging.total != self.closing_balance:
            raise StatementError("aging does not add up to the closing balance")

    @property
    def total_debit(self) -> Decimal:
        return sum((m.debit for m in self.movements), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((m.credit for m in self.movements), ZERO)


# ----------------------------------------------------------------------------- pure assembly


def check_period(date_from: Any, date_to: Any) -> tuple[datetime.date, datetime.date]:
    """Both dates given and in order; else InvalidInput naming the field."""
    errors = [
        FieldError(field, "required", f"Give `{field}` as a date (YYYY-MM-DD).")
        for field, value in (("from", date_from), ("to", date_to))
        if not isinstance(value, datetime.date)
    ]
    if errors:
        raise InvalidInput(errors)
    if date_from > date_to:
        raise InvalidInput.single("from", "after_to", "`from` must be on or before `to`.")
    return date_from, date_to


def running_movements(
    opening: Decimal, rows: Iterable[tuple[datetime.date, str, str, str, Decimal]], currency: str
) -> tuple[Movement, ...]:
    """Pure: (date, kind, reference, direction, amount) rows in order, with running balance;
    amounts at the currency's minor unit."""
    balance, result = quantize(opening, currency), []
    for date, kind, reference, direction, raw in rows:
        amount = quantize(raw, currency)
        debit = amount if direction == Direction.DEBIT else ZERO
        credit = amount if direction == Direction.CREDIT else ZERO
        balance += debit - credit
        result.append(Movement(date, kind, reference, debit, credit, balance))
    return tuple(result)


def statement_items(
    rows: Iterable[tuple[datetime.date, str, str, datetime.date | None, str, Decimal, Decimal]],
    as_of: datetime.date,
    currency: str,
) -> tuple[StatementItem, ...]:
    """Pure: (date, kind, reference, due, direction, amount, residual) rows as open items."""
    items = []
    for date, kind, reference, due, direction, raw_amount, raw_residual in rows:
        amount, residual = quantize(raw_amount, currency), quantize(raw_residual, currency)
        signed = residual if direction == Direction.DEBIT else -residual
        overdue = (as_of - due).days if due is not None and direction == Direction.DEBIT else 0
        items.append(
            StatementItem(
                date, kind, reference, due, amount, signed, (as_of - date).days, max(overdue, 0)
            )
        )
    return tuple(items)


def aging_summary(
    items: Sequence[StatementItem],
    as_of: datetime.date,
    currency: str,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> AgingSummary:
    """Pure: the aged balance's bucket logic over the statement's open items."""
    rows = [
        AgingRow(
            0,
            Direction.DEBIT if item.residual > 0 else Direction.CREDIT,
            abs(item.residual),
            item.document_date,
            item.due_date,
        )
        for item in items
    ]
    zero = quantize(ZERO, currency)
    amounts = bucket_amounts(rows, as_of, buckets).get(0, [])
    amounts = [quantize(zero + a, currency) for a in amounts] or [zero] * (len(buckets) + 3)
    return AgingSummary(tuple(bucket_labels(buckets)), tuple(amounts), sum(amounts, zero))


# ----------------------------------------------------------------------------- queries


def _lines(*parts: str) -> tuple[str, ...]:
    return tuple(part for part in parts if part)


def _seller(customer: Customer) -> Party:
    company = customer.company
    identifiers = " · ".join(f"{k.upper()} {v}" for k, v in sorted(company.identifiers.items()))
    return Party(
        company.legal_name,
        _lines(
            company.address_line1,
            " ".join(_lines(company.postal_code, company.city)),
            identifiers,
            company.email,
        ),
    )


def _customer_party(customer: Customer) -> Party:
    return Party(
        customer.legal_name,
        _lines(
            customer.billing_line1,
            customer.billing_line2,
            " ".join(_lines(customer.billing_postal_code, customer.billing_city)),
            customer.code,
        ),
    )


def _signed_sum(queryset) -> Decimal:
    output = DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)
    signed = Case(
        When(direction=Direction.DEBIT, then=F("amount")),
        default=-F("amount"),
        output_field=output,
    )
    total = queryset.aggregate(total=Coalesce(Sum(signed), Value(ZERO), output_field=output))
    # SQLite sums in floating point: back to the stored scale.
    return Decimal(total["total"]).quantize(Decimal(1).scaleb(-AMOUNT_DECIMAL_PLACES))


def _open_rows(customer: Customer, currency: str, as_of: datetime.date) -> list[tuple]:
    """The customer's items with something left as of the date, oldest first: one query,
    the allocations summed once per side for the account (no subquery per item)."""
    rows = residual_rows(
        customer.company_id,
        customer=customer,
        currency=currency,
        as_of=as_of,
        columns=("document_date", "kind", "reference", "due_date", "direction", "amount"),
        open_only=True,
        order_by=("document_date", "id"),
    )
    return [
        (to_date(date), kind, reference, None if due is None else to_date(due), direction)
        + (to_amount(amount), to_amount(residual))
        for _id, date, kind, reference, due, direction, amount, residual in rows
    ]


def customer_statement(
    customer: Customer,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    currency: str | None = None,
    language: str | None = None,
) -> Statement:
    """The customer's statement for the period, in one currency (the customer's by default).
    Three queries."""
    date_from, date_to = check_period(date_from, date_to)
    currency = currency or customer.currency
    items = OpenItem.objects.filter(
        company_id=customer.company_id, customer=customer, currency=currency
    )
    opening = _signed_sum(items.filter(document_date__lt=date_from))
    movement_rows = (
        items.filter(document_date__gte=date_from, document_date__lte=date_to)
        .order_by("document_date", "id")
        .values_list("document_date", "kind", "reference", "direction", "amount")
    )
    movements = running_movements(opening, movement_rows, currency)
    open_items = statement_items(_open_rows(customer, currency, date_to), date_to, currency)
    opening = quantize(opening, currency)
    return Statement(
        customer_id=customer.pk,
        customer_code=customer.code,
        language=(language or customer.language or "fr")[:2].lower(),
        currency=currency,
        seller=_seller(customer),
        customer=_customer_party(customer),
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        movements=movements,
        closing_balance=movements[-1].balance if movements else opening,
        open_items=open_items,
        aging=aging_summary(open_items, date_to, currency),
        unapplied_credit=-sum(
            (i.residual for i in open_items if i.residual < 0), quantize(ZERO, currency)
        ),
    )


# ----------------------------------------------------------------------------- tables


STATEMENT_HEADERS = (
    "section",
    "date",
    "kind",
    "reference",
    "due_date",
    "debit",
    "credit",
    "balance",
    "residual",
    "age_days",
    "days_overdue",
)
NUMBER_COLUMNS = (5, 6, 7, 8, 9, 10)


def statement_rows(statement: Statement) -> list[list[Any]]:
    """One table for CSV and Excel: the opening balance, the movements, the closing balance,
    then the open items at the end of the period (`section` tells them apart)."""
    rows: list[list[Any]] = [
        ["opening", statement.date_from - datetime.timedelta(days=1), "", "", None]
        + [None, None, statement.opening_balance, None, None, None]
    ]
    for m in statement.movements:
        rows.append(
            ["movement", m.date, m.kind, m.reference, None, m.debit, m.credit, m.balance]
            + [None, None, None]
        )
    rows.append(
        ["closing", statement.date_to, "", "", None, statement.total_debit]
        + [statement.total_credit, statement.closing_balance, None, None, None]
    )
    for item in statement.open_items:
        rows.append(
            ["open_item", item.document_date, item.kind, item.reference, item.due_date]
            + [None, None, None, item.residual, item.age_days, item.days_overdue]
        )
    return rows
