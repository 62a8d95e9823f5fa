"""Allocations (lettrage): matching credit items with debit items under a lettering code,
and undoing a match by a dated reversal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from ..models import Allocation, AllocationRule, OpenItem
from .common import (
    _amount,
    _check_pair,
    _date,
    _lock_customer,
    _lock_items,
    _lowest_residual_from,
    _next_lettering,
    _over_residual,
    _refuse_closed,
    allocation_snapshot,
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
