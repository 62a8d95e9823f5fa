"""What the ledger's actions share: audit snapshots, lettering codes, the row locks (in the
package's lock order), the closed-period check, the parsing of dates and amounts, the pair
check and the residuals from a date on.

The private helpers are also used by `ledger.bulk`, which checks the same rules set-based.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.money import MAX_AMOUNT, is_currency, quantize, to_decimal
from ardoise.parties.models import Customer

from ..models import Allocation, ClosedPeriod, Direction, OpenItem

ZERO = Decimal(0)

# Ids per locking query: keeps the IN lists under SQLite's limit on parameters.
LOCK_CHUNK = 2_000


def item_snapshot(item: OpenItem) -> dict:
    return {
        "customer": item.customer_id,
        "kind": item.kind,
        "direction": item.direction,
        "amount": item.amount,
        "currency": item.currency,
        "document_date": item.document_date,
        "due_date": item.due_date,
        "reference": item.reference,
        "method": item.method,
        "source_type": item.source_type,
        "source_id": item.source_id,
    }


def allocation_snapshot(allocation: Allocation) -> dict:
    return {
        "customer": allocation.customer_id,
        "debit_item": allocation.debit_item_id,
        "credit_item": allocation.credit_item_id,
        "amount": allocation.amount,
        "entry_date": allocation.entry_date,
        "effective_date": allocation.effective_date,
        "reverses": allocation.reverses_id,
        "lettering": allocation.lettering,
        "rule": allocation.rule,
    }


def lettering_code(index: int) -> str:
    """The index-th lettering code of an account: AA, AB, ... AZ, BA, ... ZZ, AAA, ..."""
    width, count = 2, 26 * 26
    while index >= count:
        index -= count
        width += 1
        count *= 26
    letters = []
    for _position in range(width):
        index, letter = divmod(index, 26)
        letters.append(chr(ord("A") + letter))
    return "".join(reversed(letters))


def _next_lettering(customer_id: int) -> str:
    """Under the customer's row lock, so two groups never share a code."""
    used = Allocation.objects.filter(customer_id=customer_id).values("lettering").distinct()
    return lettering_code(used.count())


def _lock_customer(customer_id: int) -> None:
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def lock_customers(customer_ids: Iterable[int]) -> None:
    """Lock the customers' rows in id order, one query per chunk of ids: the first lock of
    the package's order, taken before any item is written or any audit event recorded."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), LOCK_CHUNK):
        chunk = ids[start : start + LOCK_CHUNK]
        list(
            Customer.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("id")
            .values_list("pk", flat=True)
        )


def _lock_items(*item_ids: int) -> dict[int, OpenItem]:
    rows = OpenItem.objects.select_for_update().filter(pk__in=set(item_ids)).order_by("id")
    return {row.pk: row for row in rows}


def closed_months(company_id: int, dates: Iterable[datetime.date]) -> set[tuple[int, int]]:
    months = {(date.year, date.month) for date in dates}
    if not months:
        return set()
    closed = ClosedPeriod.objects.filter(
        company_id=company_id, year__in={year for year, _m in months}
    ).values_list("year", "month")
    return months & set(closed)


def _refuse_closed(company_id: int, field: str, *dates: datetime.date) -> None:
    closed = closed_months(company_id, dates)
    if closed:
        year, month = min(closed)
        raise InvalidInput.single(
            field,
            "closed_period",
            _("The period %(period)s is closed: nothing can be dated in it.")
            % {"period": f"{year}-{month:02d}"},
        )


def _date(value, field: str, default: datetime.date | None = None) -> datetime.date:
    if value is None and default is not None:
        return default
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError as error:
            raise InvalidInput.single(field, "invalid", _("Give a date as YYYY-MM-DD.")) from error
    return value


def _amount(value, field: str, currency: str) -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput.single(field, "invalid", _("Give an amount as a number.")) from error
    if amount <= 0:
        raise InvalidInput.single(field, "positive", _("The amount must be greater than zero."))
    if amount > MAX_AMOUNT:
        raise InvalidInput.single(field, "too_large", _("The amount is too large."))
    if is_currency(currency) and quantize(amount, currency) != amount:
        raise InvalidInput.single(
            field,
            "precision",
            _("The amount has more decimals than the currency %(currency)s allows.")
            % {"currency": currency},
        )
    return amount


def _movements(item: OpenItem) -> list[tuple[datetime.date, Decimal]]:
    """The item's allocations by effective date, reversals first within a day."""
    side = "debit_item" if item.direction == Direction.DEBIT else "credit_item"
    return list(
        Allocation.objects.filter(**{side: item})
        .order_by("effective_date", "amount")
        .values_list("effective_date", "amount")
    )


def _lowest_residual_from(item: OpenItem, date: datetime.date) -> Decimal:
    """The smallest residual of the item at any date from `date` on (today's included).

    Within a day the reversals come first, so the running minimum is the minimum of the
    residuals at the end of each day."""
    movements = _movements(item)
    residual = item.amount - sum((amount for day, amount in movements if day <= date), ZERO)
    lowest = residual
    for day, amount in movements:
        if day > date:
            residual -= amount
            lowest = min(lowest, residual)
    return lowest


def residual_now(item: OpenItem) -> Decimal:
    return item.amount - sum((amount for _d, amount in _movements(item)), ZERO)


def _check_pair(debit: OpenItem, credit: OpenItem) -> None:
    errors: list[FieldError] = []
    if debit.direction != Direction.DEBIT:
        errors.append(FieldError("debit_item", "not_debit", _("This item is not a debit.")))
    if credit.direction != Direction.CREDIT:
        errors.append(FieldError("credit_item", "not_credit", _("This item is not a credit.")))
    if debit.company_id != credit.company_id:
        errors.append(
            FieldError("credit_item", "other_company", _("The items belong to two companies."))
        )
    elif debit.customer_id != credit.customer_id:
        errors.append(
            FieldError(
                "credit_item", "other_customer", _("The items are on two customers' accounts.")
            )
        )
    if debit.currency != credit.currency:
        errors.append(
            FieldError("credit_item", "currency_mismatch", _("The items are in two currencies."))
        )
    if errors:
        raise InvalidInput(errors)


def _shown(amount: Decimal, currency: str) -> str:
    """An amount in a message, to the currency's minor unit: 5.00, not 5 nor 5.0000."""
    return format(quantize(amount, currency), "f")


def _over_residual(field: str, residual: Decimal, currency: str) -> InvalidInput:
    return InvalidInput.single(
        field,
        "exceeds_residual",
        _("The amount exceeds what is left on this item (%(residual)s).")
        % {"residual": _shown(residual, currency)},
    )
