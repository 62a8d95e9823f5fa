"""Writing to the ledger: one atomic, audited function per business action.

Lock order, the same in every path so that two actions never deadlock: the customer row
(it guards the customer's lettering codes), then the open items in id order, then the audit
chain head. Invoicing calls in here from inside its issuing transaction, after its own locks.

An allocation may never take more than what is left on either item, not only today but at
every date from its effective date on: allocations take effect at their items' dates, so a
reversal dated later leaves the earlier dates as they were (see `_lowest_residual_from`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import record, record_many
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.money import MAX_AMOUNT, is_currency, quantize, to_decimal
from ardoise.core.roles import Action
from ardoise.core.tenancy import require
from ardoise.parties.models import Customer

from ..models import (
    KIND_DIRECTIONS,
    Allocation,
    AllocationRule,
    ClosedPeriod,
    Direction,
    ItemKind,
    OpenItem,
    RefundMethod,
)

ZERO = Decimal(0)


# ----------------------------------------------------------------------------- helpers


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


# ----------------------------------------------------------------------------- items


def _build_item(company: Company, spec: dict) -> OpenItem:
    errors: list[FieldError] = []
    customer = spec["customer"]
    if customer.company_id != company.pk:
        errors.append(
            FieldError("customer", "other_company", _("This customer belongs to another company."))
        )
    kind, direction = spec["kind"], spec["direction"]
    if kind not in KIND_DIRECTIONS:
        errors.append(FieldError("kind", "invalid", _("Unknown kind of item.")))
    elif direction not in KIND_DIRECTIONS[kind]:
        errors.append(
            FieldError("direction", "invalid", _("This kind of item cannot stand on that side."))
        )
    currency = spec["currency"]
    if not is_currency(currency):
        errors.append(FieldError("currency", "unknown", _("Unknown currency.")))
    method = spec.get("method") or ""
    if method and (kind != ItemKind.REFUND or method not in RefundMethod.values):
        errors.append(FieldError("method", "unknown", _("Unknown refund method.")))
    if errors:
        raise InvalidInput(errors)
    amount = _amount(spec["amount"], "amount", currency)
    document_date = _date(spec["document_date"], "document_date")
    due = spec.get("due_date")
    if direction == Direction.CREDIT:
        due = None  # a credit is available at once
    else:
        due = _date(due, "due_date", default=document_date)
        if due < document_date:
            raise InvalidInput.single(
                "due_date", "before_document", _("The due date is before the document date.")
            )
    return OpenItem(
        company=company,
        customer=customer,
        kind=kind,
        direction=direction,
        amount=amount,
        currency=currency,
        document_date=document_date,
        due_date=due,
        reference=spec.get("reference") or "",
        method=spec.get("method") or "",
        source_type=spec.get("source_type") or "",
        source_id=spec.get("source_id"),
    )


def _refuse_duplicate_sources(company: Company, items: list[OpenItem]) -> None:
    sources = [(i.source_type, i.source_id) for i in items if i.source_id is not None]
    if len(set(sources)) != len(sources):
        raise Conflict(_("The same source document is posted twice."), field="source_id")
    for source_type in {source_type for source_type, _id in sources}:
        ids = [source_id for kind, source_id in sources if kind == source_type]
        if OpenItem.objects.filter(
            company=company, source_type=source_type, source_id__in=ids
        ).exists():
            raise Conflict(
                _("This source document is already posted to the ledger."),
                field="source_id",
                rule="already_posted",
            )


def post_items(company: Company, specs: list[dict], *, actor) -> list[OpenItem]:
    """Post several open items (each a dict of `post_item`'s keyword arguments): one closed
    period query, one INSERT, one audit INSERT. All or nothing."""
    items = [_build_item(company, spec) for spec in specs]
    if not items:
        return []
    with transaction.atomic():
        _refuse_closed(company.pk, "document_date", *(item.document_date for item in items))
        _refuse_duplicate_sources(company, items)
        try:
            with transaction.atomic():
                created = OpenItem.objects.bulk_create(items, batch_size=500)
        except IntegrityError as error:  # a concurrent post of the same source
            raise Conflict(
                _("This source document is already posted to the ledger."),
                field="source_id",
                rule="already_posted",
            ) from error
        record_many(
            [
                {
                    "actor": actor,
                    "action": "ledger.item.post",
                    "obj": item,
                    "after": item_snapshot(item),
                }
                for item in created
            ]
        )
    return created


def post_item(
    company: Company,
    *,
    actor,
    customer: Customer,
    kind: str,
    direction: str,
    amount,
    currency: str,
    document_date,
    due_date=None,
    reference: str = "",
    method: str = "",
    source_type: str = "",
    source_id: int | None = None,
) -> OpenItem:
    """Post one open item on a customer's account."""
    spec = {
        "customer": customer,
        "kind": kind,
        "direction": direction,
        "amount": amount,
        "currency": currency,
        "document_date": document_date,
        "due_date": due_date,
        "reference": reference,
        "method": method,
        "source_type": source_type,
        "source_id": source_id,
    }
    return post_items(company, [spec], actor=actor)[0]


# ----------------------------------------------------------------------------- allocations


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


def _allocate_locked(
    debit: OpenItem,
    credit: OpenItem,
    amount: Decimal,
    *,
    actor,
    entry_date: datetime.date,
    rule: str,
    lettering: str,
) -> Allocation:
    """Under the locks of the customer and both items, inside the action's transaction."""
    _check_pair(debit, credit)
    effective = max(debit.document_date, credit.document_date)
    _refuse_closed(debit.company_id, "effective_date", effective)
    if amount > _lowest_residual_from(debit, effective):
        raise _over_residual("amount", _lowest_residual_from(debit, effective), debit.currency)
    if amount > _lowest_residual_from(credit, effective):
        raise _over_residual("amount", _lowest_residual_from(credit, effective), debit.currency)
    allocation = Allocation.objects.create(
        company_id=debit.company_id,
        customer_id=debit.customer_id,
        debit_item=debit,
        credit_item=credit,
        amount=amount,
        entry_date=entry_date,
        effective_date=effective,
        lettering=lettering,
        rule=rule,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action="ledger.allocation.create",
        obj=allocation,
        after=allocation_snapshot(allocation),
    )
    return allocation


def allocate_unchecked(
    *, actor, debit_item: OpenItem, credit_item: OpenItem, amount, entry_date=None, rule
) -> Allocation:
    """`allocate` without the role check, for postings that another action already
    authorized (a credit note issued against its invoice). Inside the caller's transaction."""
    entry = _date(entry_date, "entry_date", default=timezone.localdate())
    if rule not in AllocationRule.values:
        raise InvalidInput.single("rule", "invalid", _("Unknown allocation rule."))
    with transaction.atomic():
        _lock_customer(debit_item.customer_id)
        locked = _lock_items(debit_item.pk, credit_item.pk)
        debit, credit = locked[debit_item.pk], locked[credit_item.pk]
        value = _amount(amount, "amount", debit.currency)
        return _allocate_locked(
            debit,
            credit,
            value,
            actor=actor,
            entry_date=entry,
            rule=rule,
            lettering=_next_lettering(debit.customer_id),
        )


def allocate(
    *,
    actor,
    debit_item: OpenItem,
    credit_item: OpenItem,
    amount,
    entry_date=None,
    rule: str = AllocationRule.EXPLICIT,
) -> Allocation:
    """Match part or all of a credit item with a debit item, under a new lettering code."""
    require(actor, debit_item.company_id, Action.ALLOCATE)
    return allocate_unchecked(
        actor=actor,
        debit_item=debit_item,
        credit_item=credit_item,
        amount=amount,
        entry_date=entry_date,
        rule=rule,
    )


def allocate_many(
    *,
    actor,
    credit_item: OpenItem,
    allocations: list[tuple[OpenItem, object]] | list[tuple[OpenItem, object, str]],
    entry_date=None,
    rule: str = AllocationRule.EXPLICIT,
) -> list[Allocation]:
    """One credit across several debits, one lettering code for the group. `allocations`
    holds (debit item, amount) pairs, or (debit item, amount, rule) triples when the rule
    that chose each differs (an automatic allocation: reference first, then oldest due);
    `rule` is for the pairs. All or nothing."""
    require(actor, credit_item.company_id, Action.ALLOCATE)
    if not allocations:
        raise InvalidInput.single("allocations", "required", _("Give at least one allocation."))
    entry = _date(entry_date, "entry_date", default=timezone.localdate())
    entries = [
        (entry_[0], entry_[1], entry_[2] if len(entry_) > 2 else rule) for entry_ in allocations
    ]
    if any(chosen not in AllocationRule.values for _d, _a, chosen in entries):
        raise InvalidInput.single("rule", "invalid", _("Unknown allocation rule."))
    with transaction.atomic():
        _lock_customer(credit_item.customer_id)
        locked = _lock_items(credit_item.pk, *(debit.pk for debit, _a, _r in entries))
        credit = locked[credit_item.pk]
        lettering = _next_lettering(credit.customer_id)
        return [
            _allocate_locked(
                locked[debit.pk],
                credit,
                _amount(amount, f"allocations[{n}].amount", credit.currency),
                actor=actor,
                entry_date=entry,
                rule=chosen,
                lettering=lettering,
            )
            for n, (debit, amount, chosen) in enumerate(entries)
        ]


def reverse_allocation(allocation: Allocation, *, actor, date=None) -> Allocation:
    """Undo an allocation by a new dated row of the opposite amount (once only)."""
    require(actor, allocation.company_id, Action.ALLOCATE)
    with transaction.atomic():
        _lock_customer(allocation.customer_id)
        _lock_items(allocation.debit_item_id, allocation.credit_item_id)
        original = Allocation.objects.get(pk=allocation.pk)
        if original.reverses_id is not None:
            raise Conflict(
                _("A reversal cannot be reversed; allocate again instead."),
                field="allocation",
                rule="is_reversal",
            )
        if Allocation.objects.filter(reverses=original).exists():
            raise Conflict(
                _("This allocation is already reversed."),
                field="allocation",
                rule="already_reversed",
            )
        when = _date(date, "date", default=max(timezone.localdate(), original.effective_date))
        if when < original.effective_date:
            raise InvalidInput.single(
                "date",
                "before_allocation",
                _("A reversal cannot be dated before the allocation takes effect."),
            )
        _refuse_closed(original.company_id, "date", when)
        try:
            with transaction.atomic():
                reversal = Allocation.objects.create(
                    company_id=original.company_id,
                    customer_id=original.customer_id,
                    debit_item_id=original.debit_item_id,
                    credit_item_id=original.credit_item_id,
                    amount=-original.amount,
                    entry_date=when,
                    effective_date=when,
                    reverses=original,
                    lettering=original.lettering,
                    rule=AllocationRule.REVERSAL,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError as error:
            raise Conflict(
                _("This allocation is already reversed."),
                field="allocation",
                rule="already_reversed",
            ) from error
        record(
            actor=actor,
            action="ledger.allocation.reverse",
            obj=reversal,
            after=allocation_snapshot(reversal),
        )
        return reversal


# ----------------------------------------------------------------------------- write-off


def write_off_residual(debit_item: OpenItem, *, actor, reason: str, date=None) -> Allocation:
    """Close a debit whose residual is within the company's tolerance: a write-off credit
    item for the residual, allocated against it."""
    require(actor, debit_item.company_id, Action.ALLOCATE)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.single("reason", "required", _("Give the reason for the write-off."))
    when = _date(date, "date", default=timezone.localdate())
    with transaction.atomic():
        _lock_customer(debit_item.customer_id)
        debit = _lock_items(debit_item.pk)[debit_item.pk]
        if debit.direction != Direction.DEBIT:
            raise InvalidInput.single("debit_item", "not_debit", _("This item is not a debit."))
        if when < debit.document_date:
            raise InvalidInput.single(
                "date", "before_document", _("A write-off cannot predate its item.")
            )
        _refuse_closed(debit.company_id, "date", when)
        residual = residual_now(debit)
        tolerance = Company.objects.get(pk=debit.company_id).write_off_tolerance
        if residual <= 0:
            raise Conflict(_("Nothing is left to write off."), field="debit_item", rule="settled")
        if residual > tolerance:
            raise InvalidInput.single(
                "debit_item",
                "above_tolerance",
                _("The residual %(residual)s is above the write-off tolerance %(tolerance)s.")
                % {
                    "residual": _shown(residual, debit.currency),
                    "tolerance": _shown(tolerance, debit.currency),
                },
            )
        item = post_item(
            debit.company,
            actor=actor,
            customer=debit.customer,
            kind=ItemKind.WRITE_OFF,
            direction=Direction.CREDIT,
            amount=residual,
            currency=debit.currency,
            document_date=when,
            reference=reason[:100],
        )
        return _allocate_locked(
            debit,
            item,
            residual,
            actor=actor,
            entry_date=when,
            rule=AllocationRule.WRITE_OFF,
            lettering=_next_lettering(debit.customer_id),
        )


# ----------------------------------------------------------------------------- refund


def _refund_errors(credit: OpenItem, amount, when, method, reference: str) -> list[FieldError]:
    """Every independent refusal of a refund's input at once, so a form shows them all."""
    errors: list[FieldError] = []
    try:
        _amount(amount, "amount", credit.currency)
    except InvalidInput as error:
        errors.extend(error.errors)
    if method not in RefundMethod.values:
        errors.append(FieldError("method", "unknown", _("Unknown refund method.")))
    if len(reference) > 100:
        errors.append(
            FieldError("reference", "too_long", _("The reference is longer than 100 characters."))
        )
    if when < credit.document_date:
        errors.append(
            FieldError(
                "date", "before_document", _("A refund cannot predate the credit it pays back.")
            )
        )
    else:
        try:
            _refuse_closed(credit.company_id, "date", when)
        except InvalidInput as error:
            errors.extend(error.errors)
    return errors


def refund_credit(
    credit_item: OpenItem, *, actor, amount, date=None, method, reference: str = ""
) -> Allocation:
    """Pay back to the customer part or all of what is left on a credit (unapplied cash of
    a payment, a credit note's residual): a refund debit item of the amount, allocated
    against the credit under a new lettering code.

    The amount may not exceed the credit's lowest residual from the refund's date on, so a
    refund never takes cash that a later-dated allocation already uses."""
    require(actor, credit_item.company_id, Action.REFUND)
    reference = (reference or "").strip()
    when = _date(date, "date", default=timezone.localdate())
    with transaction.atomic():
        _lock_customer(credit_item.customer_id)
        credit = _lock_items(credit_item.pk)[credit_item.pk]
        if credit.direction != Direction.CREDIT:
            raise InvalidInput.single(
                "credit_item", "not_credit", _("Only a credit can be refunded.")
            )
        errors = _refund_errors(credit, amount, when, method, reference)
        if errors:
            raise InvalidInput(errors)
        value = _amount(amount, "amount", credit.currency)
        available = _lowest_residual_from(credit, when)
        if available <= 0:
            raise Conflict(
                _("Nothing is left on this credit to refund."), field="credit_item", rule="settled"
            )
        if value > available:
            raise _over_residual("amount", available, credit.currency)
        refund = post_item(
            credit.company,
            actor=actor,
            customer=credit.customer,
            kind=ItemKind.REFUND,
            direction=Direction.DEBIT,
            amount=value,
            currency=credit.currency,
            document_date=when,
            due_date=when,
            reference=reference,
            method=method,
        )
        return _allocate_locked(
            refund,
            credit,
            value,
            actor=actor,
            entry_date=when,
            rule=AllocationRule.REFUND,
            lettering=_next_lettering(credit.customer_id),
        )


# ----------------------------------------------------------------------------- periods


def _month(year, month) -> tuple[int, int]:
    try:
        year, month = int(year), int(month)
    except (TypeError, ValueError) as error:
        raise InvalidInput.single("month", "invalid", _("Give a year and a month.")) from error
    if not 1 <= month <= 12:
        raise InvalidInput.single("month", "invalid", _("A month is between 1 and 12."))
    if not 1900 <= year <= 9999:
        raise InvalidInput.single("year", "invalid", _("Give a four-digit year."))
    return year, month


def close_period(company: Company, *, actor, year, month) -> ClosedPeriod:
    require(actor, company, Action.CLOSE_PERIODS)
    year, month = _month(year, month)
    with transaction.atomic():
        if ClosedPeriod.objects.filter(company=company, year=year, month=month).exists():
            raise Conflict(_("This period is already closed."), field="month", rule="closed")
        try:
            with transaction.atomic():
                period = ClosedPeriod.objects.create(
                    company=company, year=year, month=month, closed_by=actor
                )
        except IntegrityError as error:
            raise Conflict(
                _("This period is already closed."), field="month", rule="closed"
            ) from error
        record(
            actor=actor,
            action="ledger.period.close",
            obj=period,
            after={"year": year, "month": month},
        )
        return period


def reopen_period(company: Company, *, actor, year, month) -> None:
    require(actor, company, Action.CLOSE_PERIODS)
    year, month = _month(year, month)
    with transaction.atomic():
        period = (
            ClosedPeriod.objects.select_for_update()
            .filter(company=company, year=year, month=month)
            .first()
        )
        if period is None:
            raise Conflict(_("This period is not closed."), field="month", rule="not_closed")
        record(
            actor=actor,
            action="ledger.period.reopen",
            obj=period,
            before={"year": year, "month": month},
        )
        period.delete()


def allocate_available(
    *, actor, debit_item: OpenItem, credit_item: OpenItem, rule: str, entry_date=None
) -> Allocation | None:
    """Allocate as much as both items allow (at every date from the allocation's effective
    date on), without the role check: for postings another action authorized, e.g. a credit
    note issued against its invoice. None when nothing is left to match."""
    entry = _date(entry_date, "entry_date", default=timezone.localdate())
    with transaction.atomic():
        _lock_customer(debit_item.customer_id)
        locked = _lock_items(debit_item.pk, credit_item.pk)
        debit, credit = locked[debit_item.pk], locked[credit_item.pk]
        _check_pair(debit, credit)
        effective = max(debit.document_date, credit.document_date)
        amount = min(
            _lowest_residual_from(debit, effective), _lowest_residual_from(credit, effective)
        )
        if amount <= 0:
            return None
        return _allocate_locked(
            debit,
            credit,
            amount,
            actor=actor,
            entry_date=entry,
            rule=rule,
            lettering=_next_lettering(debit.customer_id),
        )
