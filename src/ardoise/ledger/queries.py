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

from django.db import connection
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
    """Items posted by `as_of`, each annotated with `residual` as of that date.

    A correlated subquery per item and side: right for one item or a handful picked by id
    (an invoice's status, a payment's allocations). To read an account, a statement or any
    set of many items, use `residuals` / `residuals_sql`, which sum the allocations once."""
    # Typed as Any: the stubs cannot see the `residual` annotation filtered on by callers.
    # ROUND: SQLite computes in binary floating point; rounding to the stored scale gives
    # back the exact decimal (PostgreSQL computes in numeric, where it changes nothing).
    residual = F("amount") - _allocated("debit_item", as_of) - _allocated("credit_item", as_of)
    return queryset.filter(document_date__lte=as_of).annotate(
        residual=Round(residual, AMOUNT_DECIMAL_PLACES, output_field=_amount_output())
    )


_QUANTUM = Decimal(1).scaleb(-AMOUNT_DECIMAL_PLACES)


def to_amount(value: Any) -> Decimal:
    """A raw SQL amount as an exact Decimal at the stored scale (SQLite gives floats)."""
    if value is None:
        return ZERO.quantize(_QUANTUM)
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(_QUANTUM)


def to_date(value: Any) -> datetime.date:
    """A raw SQL date (SQLite gives ISO text) as a date."""
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def residuals_sql(
    where: str,
    params: Sequence[Any],
    as_of: datetime.date,
    columns: Sequence[str] = (),
    *,
    allocations: str,
    allocation_params: Sequence[Any],
) -> tuple[str, list[Any]]:
    """Raw SQL for the items matching `where` (on alias `i`, with `params`) posted by
    `as_of`: `id`, the `columns` asked and `residual` as of that date; same figures and
    ROUND as `with_residuals`. The allocations are summed once per side, grouped by item
    (no correlated subquery); `allocations` (on alias `a`, with `allocation_params`)
    narrows the allocations summed to those that can touch the items in scope (an
    allocation carries the company and customer of both its items)."""
    item = OpenItem._meta.db_table
    allocation = Allocation._meta.db_table
    picked = "".join(f", i.{column}" for column in columns)
    sql = f"""
        SELECT i.id{picked},
            ROUND(i.amount - COALESCE(d.total, 0) - COALESCE(c.total, 0), {AMOUNT_DECIMAL_PLACES})
                AS residual
        FROM {item} i
        LEFT JOIN (
            SELECT a.debit_item_id AS item_id, SUM(a.amount) AS total FROM {allocation} a
            WHERE a.effective_date <= %s AND ({allocations})
            GROUP BY a.debit_item_id
        ) d ON d.item_id = i.id
        LEFT JOIN (
            SELECT a.credit_item_id AS item_id, SUM(a.amount) AS total FROM {allocation} a
            WHERE a.effective_date <= %s AND ({allocations})
            GROUP BY a.credit_item_id
        ) c ON c.item_id = i.id
        WHERE i.document_date <= %s AND ({where})
    """  # noqa: S608 (table and column names from the models; values are parameters)
    day = connection.ops.adapt_datefield_value(as_of)
    return sql, [day, *allocation_params, day, *allocation_params, day, *params]


def _scope(
    company: Company | int, customer: Customer | int | None
) -> tuple[list[str], list[Any], list[str], list[Any]]:
    """WHERE clauses (items on alias `i`, allocations on alias `a`) for a company's or one
    customer's account; an allocation carries the company and customer of both its items."""
    company_id = company if isinstance(company, int) else company.pk
    where, params = ["i.company_id = %s"], [company_id]
    allocations, allocation_params = ["a.company_id = %s"], [company_id]
    if customer is not None:
        customer_id = customer if isinstance(customer, int) else customer.pk
        where.append("i.customer_id = %s")
        params.append(customer_id)
        allocations.append("a.customer_id = %s")
        allocation_params.append(customer_id)
    return where, params, allocations, allocation_params


def residual_rows(
    company: Company | int,
    *,
    as_of: datetime.date,
    columns: Sequence[str],
    customer: Customer | int | None = None,
    currency: str | None = None,
    open_only: bool = False,
    order_by: Sequence[str] = ("customer_id", "document_date", "id"),
) -> list[tuple]:
    """Raw rows (`id`, the `columns` asked, `residual`) of the items of the company (or of
    one customer, in one currency) posted by `as_of`, in `order_by` order; only those with
    something left when `open_only`. One query, the allocations summed once per side
    (`residuals_sql`). Dates and amounts come as the driver gives them: see `to_date` and
    `to_amount`."""
    where, params, allocations, allocation_params = _scope(company, customer)
    if currency is not None:
        where.append("i.currency = %s")
        params.append(currency)
    sql, sql_params = residuals_sql(
        " AND ".join(where),
        params,
        as_of,
        columns,
        allocations=" AND ".join(allocations),
        allocation_params=allocation_params,
    )
    known = {field.column for field in OpenItem._meta.concrete_fields}
    if not set(order_by) <= known:
        raise ValueError(f"cannot order items by {order_by}")
    having = " WHERE r.residual <> 0" if open_only else ""
    ordering = ", ".join(f"r.{column}" for column in order_by)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.* FROM ({sql}) r{having} ORDER BY {ordering}", sql_params)  # noqa: S608
        return cursor.fetchall()


def residuals(
    company: Company, *, customer: Customer | None = None, as_of: datetime.date | None = None
) -> list[OpenItem]:
    """Every item of the company (or of one customer) posted by `as_of` (today by default),
    with its `residual` then (a Decimal at the stored scale); in account order (customer,
    date, id). One query: the allocations are summed once per side, not per item."""
    as_of = as_of or timezone.localdate()
    columns = [str(f.column) for f in OpenItem._meta.concrete_fields if not f.primary_key]
    where, params, allocations, allocation_params = _scope(company, customer)
    sql, sql_params = residuals_sql(
        " AND ".join(where),
        params,
        as_of,
        columns,
        allocations=" AND ".join(allocations),
        allocation_params=allocation_params,
    )
    ordered = f"SELECT r.* FROM ({sql}) r ORDER BY r.customer_id, r.document_date, r.id"  # noqa: S608
    items = list(OpenItem.objects.raw(ordered, sql_params))
    for item in items:
        # A raw query leaves the extra column as the driver gives it (a float on SQLite).
        item.residual = to_amount(item.residual)  # type: ignore[attr-defined]
    return items


def signed(direction: str, amount: Decimal) -> Decimal:
    return amount if direction == Direction.DEBIT else -amount


def balance(
    customer: Customer, as_of: datetime.date | None = None, *, currency: str | None = None
) -> Decimal:
    """What the customer owes as of the date: Σ debit residuals − Σ credit residuals (which
    equals Σ debits − Σ credits posted by then: an allocation lowers both sides alike)."""
    rows = residual_rows(
        customer.company_id,
        customer=customer,
        currency=currency,
        as_of=as_of or timezone.localdate(),
        columns=("direction",),
        order_by=("id",),
    )
    return sum((signed(d, to_amount(r)) for _id, d, r in rows), ZERO)


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
    """The status of the items of many source documents in one query (lists: no N+1).

    Items picked by id (a page of invoices) keep the per-item subquery: each is one probe
    of the allocation index, and measured faster than summing the allocations grouped and
    joining them (50 and 500 ids on SQLite and PostgreSQL; figures in the commit)."""
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
    open items all net to nothing are left out.

    The database sums the residuals per customer, currency and bucket (one row per
    customer and currency, not per item); the bucket of a debit is found by comparing its
    reference date with as_of − the bucket bounds, so no date arithmetic in SQL. Same
    figures as `bucket_amounts` over the rows of `with_residuals`."""
    if basis not in ("due_date", "document_date"):
        raise ValueError("basis is due_date or document_date")
    buckets = _check_buckets(buckets)
    where = ["i.company_id = %s"]
    params: list[Any] = [company.pk]
    allocations = ["a.company_id = %s"]
    allocation_params: list[Any] = [company.pk]
    if customer is not None:
        where.append("i.customer_id = %s")
        params.append(customer.pk)
        allocations.append("a.customer_id = %s")
        allocation_params.append(customer.pk)
    if currency:
        where.append("i.currency = %s")
        params.append(currency)
    if business_line:
        where.append(
            f"i.customer_id IN (SELECT id FROM {Customer._meta.db_table} WHERE business_line = %s)"  # noqa: S608
        )
        params.append(business_line)
    inner, inner_params = residuals_sql(
        " AND ".join(where),
        params,
        as_of,
        ("customer_id", "currency", "direction", "document_date", "due_date"),
        allocations=" AND ".join(allocations),
        allocation_params=allocation_params,
    )
    reference = "COALESCE(r.due_date, r.document_date)"
    if basis == "document_date":
        reference = "r.document_date"
    # Bucket 0 (not due): days ≤ 0, i.e. reference ≥ as_of; bucket k: days ≤ buckets[k-1],
    # i.e. reference ≥ as_of − buckets[k-1]; past the last bound: the last bucket.
    bounds = [
        connection.ops.adapt_datefield_value(as_of - datetime.timedelta(days=days))
        for days in (0, *buckets)
    ]
    debit = Direction.DEBIT.value
    columns = []
    case_params: list[Any] = []
    for index, bound in enumerate(bounds):
        lower = f" AND {reference} < %s" if index else ""
        columns.append(
            f"SUM(CASE WHEN r.direction = %s AND {reference} >= %s{lower} "
            "THEN r.residual ELSE 0 END)"
        )
        case_params += [debit, bound] + ([bounds[index - 1]] if index else [])
    columns.append(
        f"SUM(CASE WHEN r.direction = %s AND {reference} < %s THEN r.residual ELSE 0 END)"
    )
    case_params += [debit, bounds[-1]]
    columns.append("SUM(CASE WHEN r.direction <> %s THEN r.residual ELSE 0 END)")
    case_params.append(debit)
    sql = f"""
        WITH residuals AS ({inner}),
        aged AS (
            SELECT r.customer_id, r.currency, {", ".join(columns)}
            FROM residuals r WHERE r.residual <> 0
            GROUP BY r.customer_id, r.currency
        )
        SELECT g.*, p.code, p.legal_name FROM aged g
        JOIN {Customer._meta.db_table} p ON p.id = g.customer_id
        ORDER BY p.code, g.currency
    """  # noqa: S608 (names from the models, fixed SQL; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *case_params])
        fetched = cursor.fetchall()
    result = []
    for cust, cur, *sums, code, name in fetched:
        # Zero where no item falls (as `bucket_amounts` leaves them); unapplied negated.
        amounts = [to_amount(value) if value else ZERO for value in sums]
        amounts[-1] = ZERO - amounts[-1]
        result.append(AgedBalanceRow(cust, code, name, cur, tuple(amounts), sum(amounts, ZERO)))
    result.sort(key=lambda row: (row.code, row.currency))
    return result
