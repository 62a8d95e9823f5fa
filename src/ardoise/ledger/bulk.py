"""Many allocations at once, set-based, inside the caller's transaction.

The same rules as `services._allocate_locked`, checked for a whole batch with a fixed number
of queries instead of a dozen per allocation: the pair (debit against credit, one company,
one customer, one currency), no closed period at the effective date (the later of the two
items' dates), and never more than what is left on either item at any date from the
effective date on, counting the allocations made earlier in the same batch. Any refusal
raises before anything is written, naming the entry; the caller's transaction rolls back.

Lock order, as in `services`: the customers in id order, then the items in id order, then
the audit chain head (taken by `record_many`). A caller that writes audited rows before
allocating (a payment's credit item) takes `lock_customers` first: every path that locks an
item holds its customer's lock first, so the items are then uncontended.
"""

from __future__ import annotations

import datetime
from bisect import insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import zip_longest

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ardoise.audit.services import insert_rows, record_many
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from .models import Allocation, AllocationRule, Direction, OpenItem
from .services import (
    _amount,
    _check_pair,
    allocation_snapshot,
    closed_months,
    lettering_code,
    lock_customers,
)

ZERO = Decimal(0)
Movements = list[tuple[datetime.date, Decimal]]


@dataclass(frozen=True, slots=True)
class Entry:
    """One allocation asked for: `amount` of the credit item against the debit item."""

    debit_item_id: int
    credit_item_id: int
    amount: object
    rule: str = AllocationRule.EXPLICIT


@dataclass(frozen=True, slots=True)
class Group:
    """Allocations that share one lettering code on one customer's account. `field` names
    the group's entries in errors: `<field>[n].amount`."""

    customer_id: int
    entries: tuple[Entry, ...]
    entry_date: datetime.date
    field: str = "allocations"


# Ids per locking query: keeps the IN lists under SQLite's limit on parameters.
LOCK_CHUNK = 2_000


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + LOCK_CHUNK] for start in range(0, len(ids), LOCK_CHUNK)]


def lock_items(item_ids: Iterable[int]) -> dict[int, OpenItem]:
    """Lock the items' rows in id order; the locked rows by id."""
    locked: dict[int, OpenItem] = {}
    for ids in _chunks(sorted(set(item_ids))):
        rows = OpenItem.objects.select_for_update().filter(pk__in=ids).order_by("id")
        locked.update((row.pk, row) for row in rows)
    return locked


def lowest_residual_from(amount: Decimal, movements: Movements, date: datetime.date) -> Decimal:
    """Pure: the smallest residual of an item of `amount` at any date from `date` on, given
    its movements sorted by (effective date, amount): the reversals first within a day, so
    the running minimum is the minimum of the end-of-day residuals (as
    `services._lowest_residual_from`)."""
    residual = amount - sum((value for day, value in movements if day <= date), ZERO)
    lowest = residual
    for day, value in movements:
        if day > date:
            residual -= value
            lowest = min(lowest, residual)
    return lowest


def _movements(items: dict[int, OpenItem]) -> dict[int, Movements]:
    """Every item's allocations, each on the side of the item's direction: one query (per
    LOCK_CHUNK debits and credits)."""
    result: dict[int, Movements] = {pk: [] for pk in items}
    debits = _chunks(sorted(pk for pk, item in items.items() if item.direction == Direction.DEBIT))
    credits = _chunks(sorted(pk for pk, item in items.items() if item.direction != Direction.DEBIT))
    none: list[int] = []
    for debit_ids, credit_ids in zip_longest(debits, credits, fillvalue=none):
        rows = (
            Allocation.objects.filter(
                Q(debit_item_id__in=debit_ids) | Q(credit_item_id__in=credit_ids)
            )
            .order_by()
            .values_list("debit_item_id", "credit_item_id", "effective_date", "amount")
        )
        wanted_debits, wanted_credits = set(debit_ids), set(credit_ids)
        for debit_id, credit_id, day, value in rows:
            if debit_id in wanted_debits:
                result[debit_id].append((day, value))
            if credit_id in wanted_credits:
                result[credit_id].append((day, value))
    for movements in result.values():
        movements.sort()
    return result


def _over_residual(field: str, residual: Decimal, currency: str) -> InvalidInput:
    """As the single path words it; the amount to the currency's minor unit."""
    return InvalidInput.single(
        field,
        "exceeds_residual",
        _("The amount exceeds what is left on this item (%(residual)s).")
        % {"residual": format(quantize(residual, currency), "f")},
    )


def _named(prefix: str, error: InvalidInput) -> InvalidInput:
    return InvalidInput(
        [FieldError(f"{prefix}.{e.field}", e.rule, e.message) for e in error.errors]
    )


def _lettering_counts(customer_ids: set[int]) -> dict[int, int]:
    """How many lettering codes each customer has used: one grouped query."""
    counts = dict.fromkeys(customer_ids, 0)
    for chunk in _chunks(sorted(customer_ids)):
        rows = (
            Allocation.objects.filter(customer_id__in=chunk)
            .order_by()
            .values("customer_id")
            .annotate(codes=Count("lettering", distinct=True))
            .values_list("customer_id", "codes")
        )
        counts.update(dict(rows))
    return counts


def _check_items(groups: Sequence[Group], items: dict[int, OpenItem]) -> None:
    for group in groups:
        for n, entry in enumerate(group.entries):
            prefix = f"{group.field}[{n}]"
            for side, pk in (
                ("debit_item", entry.debit_item_id),
                ("credit_item", entry.credit_item_id),
            ):
                if pk not in items:
                    raise InvalidInput.single(
                        f"{prefix}.{side}", "not_found", _("No such open item.")
                    )
            credit = items[entry.credit_item_id]
            if credit.customer_id != group.customer_id:
                raise InvalidInput.single(
                    f"{prefix}.credit_item",
                    "other_customer",
                    _("The items are on two customers' accounts."),
                )


def allocate_groups(
    groups: Sequence[Group],
    *,
    actor,
    also_record: Sequence[dict] = (),
    locked: Mapping[int, OpenItem] | None = None,
) -> list[Allocation]:
    """Make the allocations of every group, one new lettering code per group (the codes of a
    customer follow each other in the order of the groups), and record their audit events
    (then `also_record`'s, in one chain append). All or nothing; inside one transaction.
    `locked`: items the caller already fetched with `lock_items` in this transaction, by
    id; they are not fetched again."""
    if any(entry.rule not in AllocationRule.values for g in groups for entry in g.entries):
        raise InvalidInput.single("rule", "invalid", _("Unknown allocation rule."))
    groups = [group for group in groups if group.entries]
    if not groups:
        if also_record:
            record_many(list(also_record))
        return []
    with transaction.atomic():
        lock_customers(group.customer_id for group in groups)
        known = locked or {}
        items = lock_items(
            pk
            for group in groups
            for entry in group.entries
            for pk in (entry.debit_item_id, entry.credit_item_id)
            if pk not in known
        )
        items.update(known)
        _check_items(groups, items)
        # The role in the debits' companies (as `services.allocate`); a credit of another
        # company is refused by the pair check.
        debit_companies = {items[e.debit_item_id].company_id for g in groups for e in g.entries}
        for company_id in sorted(debit_companies):
            require(actor, company_id, Action.ALLOCATE)
        planned = _plan(groups, items)
        created = insert_rows([_allocation(plan, items, actor) for plan in planned])
        record_many(
            [
                {
                    "actor": actor,
                    "action": "ledger.allocation.create",
                    "obj": allocation,
                    "after": allocation_snapshot(allocation),
                }
                for allocation in created
            ]
            + list(also_record)
        )
        return created


@dataclass(frozen=True, slots=True)
class _Planned:
    entry: Entry
    amount: Decimal
    effective: datetime.date
    entry_date: datetime.date
    lettering: str


def _plan(groups: Sequence[Group], items: dict[int, OpenItem]) -> list[_Planned]:
    """Check every entry in order against the residuals as the earlier entries leave them."""
    effective_of: list[list[datetime.date]] = []
    for group in groups:
        dates = []
        for n, entry in enumerate(group.entries):
            debit, credit = items[entry.debit_item_id], items[entry.credit_item_id]
            try:
                _check_pair(debit, credit)
            except InvalidInput as error:
                raise _named(f"{group.field}[{n}]", error) from error
            dates.append(max(debit.document_date, credit.document_date))
        effective_of.append(dates)
    _refuse_closed_entries(groups, items, effective_of)
    movements = _movements(items)
    letterings = _lettering_counts({group.customer_id for group in groups})
    planned: list[_Planned] = []
    for group, dates in zip(groups, effective_of, strict=True):
        lettering = lettering_code(letterings[group.customer_id])
        letterings[group.customer_id] += 1
        for n, (entry, effective) in enumerate(zip(group.entries, dates, strict=True)):
            field_name = f"{group.field}[{n}].amount"
            debit, credit = items[entry.debit_item_id], items[entry.credit_item_id]
            amount = _amount(entry.amount, field_name, credit.currency)
            for item in (debit, credit):
                left = lowest_residual_from(item.amount, movements[item.pk], effective)
                if amount > left:
                    raise _over_residual(field_name, left, credit.currency)
            for item in (debit, credit):
                insort(movements[item.pk], (effective, amount))
            planned.append(_Planned(entry, amount, effective, group.entry_date, lettering))
    return planned


def _refuse_closed_entries(
    groups: Sequence[Group], items: dict[int, OpenItem], effective_of: list[list[datetime.date]]
) -> None:
    by_company: dict[int, set[datetime.date]] = {}
    for group, dates in zip(groups, effective_of, strict=True):
        for entry, day in zip(group.entries, dates, strict=True):
            by_company.setdefault(items[entry.debit_item_id].company_id, set()).add(day)
    closed = {
        (company_id, year, month)
        for company_id, dates in by_company.items()
        for year, month in closed_months(company_id, dates)
    }
    if not closed:
        return
    for group, dates in zip(groups, effective_of, strict=True):
        for n, (entry, day) in enumerate(zip(group.entries, dates, strict=True)):
            company_id = items[entry.debit_item_id].company_id
            if (company_id, day.year, day.month) in closed:
                raise InvalidInput.single(
                    f"{group.field}[{n}].effective_date",
                    "closed_period",
                    _("The period %(period)s is closed: nothing can be dated in it.")
                    % {"period": f"{day.year}-{day.month:02d}"},
                )


def _allocation(plan: _Planned, items: dict[int, OpenItem], actor) -> Allocation:
    debit = items[plan.entry.debit_item_id]
    return Allocation(
        company_id=debit.company_id,
        customer_id=debit.customer_id,
        debit_item_id=plan.entry.debit_item_id,
        credit_item_id=plan.entry.credit_item_id,
        amount=plan.amount,
        entry_date=plan.entry_date,
        effective_date=plan.effective,
        lettering=plan.lettering,
        rule=plan.entry.rule,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
