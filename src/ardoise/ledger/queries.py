"""Reading the ledger as of any date: residuals, balances, invoice status and the aged
balance. Set-based: one SQL query per report; the bucketing is a pure function.

An item counts from its document date; an allocation (or reversal) from its effective date.
So every figure here can be reproduced for a past date from the dated rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from ardoise.core.models import Company
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from ardoise.parties.models import Customer

from .models import Allocation, Direction, OpenItem

ZERO = Decimal(0)
DEFAULT_BUCKETS = (30, 60, 90)


def _amount_output() -> DecimalField:
    return DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)


def _allocated(side: str, as_of: datetime.date) -> Coalesce:
    allocations = (
        Allocation.objects.filter(**{side: OuterRef("pk")}, effective_date__lte=as_of)
        .order_by()
        .values(side)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(allocations, output_field=_amount_output()),
        Value(ZERO),
        output_field=_amount_output(),
    )


def with_residuals(queryset: QuerySet[OpenItem], as_of: datetime.date) -> QuerySet[Any]:
    """Items posted by `as_of`, each annotated with `residual` as of that date."""
    # Typed as Any: the stubs cannot see the `residual` annotation filtered on by callers.
    # ROUND: SQLite computes in binary floating point; rounding to the stored scale gives
    # back the exact decimal (PostgreSQL computes in numeric, where it changes nothing).
    residual = F("amount") - _allocated("debit_item", as_of) - _allocated("credit_item", as_of)
    return queryset.filter(document_date__lte=as_of).annotate(
        residual=Round(residual, AMOUNT_DECIMAL_PLACES, output_field=_amount_output())
    )


def residuals(
    company: Company, *, customer: Customer | None = None, as_of: datetime.date | None = None
) -> QuerySet[Any]:
    """Every item of the company (or of one customer) posted by `as_of` (today by default),
    with its `residual` then; in account order (customer, date, id)."""
    as_of = as_of or timezone.localdate()
    queryset = OpenItem.objects.filter(company=company)
    if customer is not None:
        queryset = queryset.filter(customer=customer)
    return with_residuals(queryset, as_of).order_by("customer_id", "document_date", "id")


def signed(direction: str, amount: Decimal) -> Decimal:
    return amount if direction == Direction.DEBIT else -amount


def balance(
    customer: Customer, as_of: datetime.date | None = None, *, currency: str | None = None
) -> Decimal:
    """What the customer owes as of the date: Σ debit residuals − Σ credit residuals (which
    equals Σ debits − Σ credits posted by then: an allocation lowers both sides alike)."""
    rows = residuals(customer.company, customer=customer, as_of=as_of)
    if currency is not None:
        rows = rows.filter(currency=currency)
    return sum((signed(d, r) for d, r in rows.values_list("direction", "residual")), ZERO)


# ----------------------------------------------------------------------------- status


@dataclass(frozen=True, slots=True)
class ItemStatus:
    payment_status: str  # unpaid | partially_paid | paid
    residual: Decimal
    days_overdue: int


def status_of(
    amount: Decimal, residual: Decimal, due_date: datetime.date | None, as_of: datetime.date
) -> ItemStatus:
    """Pure: the derived status of an item from its amount, residual and due date."""
    if residual <= 0:
        state = "paid"
    elif residual < amount:
        state = "partially_paid"
    else:
        state = "unpaid"
    overdue = 0
    if residual > 0 and due_date is not None and as_of > due_date:
        overdue = (as_of - due_date).days
    return ItemStatus(state, residual, overdue)


def invoice_status(item: OpenItem, as_of: datetime.date | None = None) -> tuple[str, Decimal, int]:
    """(payment_status, residual, days_overdue) of one item as of the date."""
    as_of = as_of or timezone.localdate()
    row = (
        with_residuals(OpenItem.objects.filter(pk=item.pk), as_of)
        .values_list("residual", flat=True)
        .first()
    )
    residual = item.amount if row is None else row
    if item.document_date > as_of:
        residual = item.amount
    status = status_of(item.amount, residual, item.due_date, as_of)
    return status.payment_status, status.residual, status.days_overdue


def statuses_by_source(
    source_type: str, source_ids: Iterable[int], as_of: datetime.date | None = None
) -> dict[int, ItemStatus]:
    """The status of the items of many source documents in one query (lists: no N+1)."""
    as_of = as_of or timezone.localdate()
    ids = list(source_ids)
    if not ids:
        return {}
    rows = with_residuals(
        OpenItem.objects.filter(source_type=source_type, source_id__in=ids), as_of
    ).values_list("source_id", "amount", "residual", "due_date")
    return {
        source_id: status_of(amount, residual, due_date, as_of)
        for source_id, amount, residual, due_date in rows
    }


# ----------------------------------------------------------------------------- aging


@dataclass(frozen=True, slots=True)
class AgingRow:
    """One open item as the aged balance sees it."""

    customer_id: int
    direction: str
    residual: Decimal
    document_date: datetime.date
    due_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class AgedBalanceRow:
    customer_id: int
    code: str
    name: str
    currency: str
    amounts: tuple[Decimal, ...]  # buckets in order, then unapplied credits
    total: Decimal


def bucket_labels(buckets: Sequence[int] = DEFAULT_BUCKETS) -> list[str]:
    labels = ["not_due"]
    low = 1
    for high in buckets:
        labels.append(f"{low}-{high}")
        low = high + 1
    labels.append(f">{buckets[-1]}" if buckets else ">0")
    labels.append("unapplied")
    return labels


def bucket_index(days: int, buckets: Sequence[int]) -> int:
    if days <= 0:
        return 0
    for index, high in enumerate(buckets):
        if days <= high:
            return index + 1
    return len(buckets) + 1


def bucket_amounts(
    rows: Iterable[AgingRow],
    as_of: datetime.date,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    basis: str = "due_date",
) -> dict[int, list[Decimal]]:
    """Pure: per customer, the debit residuals by age bucket, then credit residuals
    (negative) in an "unapplied" column; the sum of a customer's amounts is its balance."""
    width = len(buckets) + 3
    result: dict[int, list[Decimal]] = {}
    for row in rows:
        amounts = result.setdefault(row.customer_id, [ZERO] * width)
        if row.direction == Direction.CREDIT:
            amounts[-1] -= row.residual
            continue
        reference = row.document_date if basis == "document_date" else row.due_date
        days = (as_of - (reference or row.document_date)).days
        amounts[bucket_index(days, buckets)] += row.residual
    return result


def _check_buckets(buckets: Sequence[int]) -> tuple[int, ...]:
    values = tuple(int(b) for b in buckets)
    if not values or any(b <= 0 for b in values) or list(values) != sorted(set(values)):
        raise ValueError("buckets must be increasing positive numbers of days")
    return values


def aged_balance(
    company: Company,
    *,
    as_of: datetime.date,
    basis: str = "due_date",
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    customer: Customer | None = None,
    currency: str | None = None,
    business_line: str | None = None,
) -> list[AgedBalanceRow]:
    """The aged balance as of a date, per customer and currency; one query. Customers whose
    open items all net to nothing are left out."""
    if basis not in ("due_date", "document_date"):
        raise ValueError("basis is due_date or document_date")
    buckets = _check_buckets(buckets)
    queryset = OpenItem.objects.filter(company=company)
    if customer is not None:
        queryset = queryset.filter(customer=customer)
    if currency:
        queryset = queryset.filter(currency=currency)
    if business_line:
        queryset = queryset.filter(customer__business_line=business_line)
    rows = (
        with_residuals(queryset, as_of)
        .exclude(residual=0)
        .order_by("customer__code", "currency", "id")
        .values_list(
            "customer_id",
            "customer__code",
            "customer__legal_name",
            "currency",
            "direction",
            "residual",
            "document_date",
            "due_date",
        )
    )
    names: dict[tuple[int, str], tuple[str, str]] = {}
    by_currency: dict[str, list[AgingRow]] = {}
    for cust, code, name, cur, direction, residual, document_date, due_date in rows:
        names[(cust, cur)] = (code, name)
        by_currency.setdefault(cur, []).append(
            AgingRow(cust, direction, residual, document_date, due_date)
        )
    result = []
    for cur, aging_rows in by_currency.items():
        for cust, amounts in bucket_amounts(aging_rows, as_of, buckets, basis).items():
            code, name = names[(cust, cur)]
            result.append(AgedBalanceRow(cust, code, name, cur, tuple(amounts), sum(amounts, ZERO)))
    result.sort(key=lambda row: (row.code, row.currency))
    return result
