"""Actions that post an item and allocate it at once: writing off a small residual, paying
back a credit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from ..models import Allocation, AllocationRule, Direction, ItemKind, OpenItem, RefundMethod
from .allocations import _allocate_locked
from .common import (
    _amount,
    _date,
    _lock_customer,
    _lock_items,
    _lowest_residual_from,
    _next_lettering,
    _over_residual,
    _refuse_closed,
    _shown,
    residual_now,
)
from .items import post_item


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
