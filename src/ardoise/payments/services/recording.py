"""Recording payments: one atomic, audited action each.

`record_payment` validates everything before it writes, then in one transaction creates the
payment, posts its credit item on the customer's account (ledger), allocates it (by hand or
by the suggestion of `allocation`) and, for cash, issues its receipt. Any refusal rolls the
whole back: a payment is never left half recorded.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.roles import Action
from ardoise.core.tenancy import require
from ardoise.ledger import bulk
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation

from ..models import Payment
from .allocating import (
    _allocate,
    _auto_allocate,
    _explicit,
    _group,
    _invoice_items,
    _suggested,
    suggest_for,
    unallocated,
)
from .parsing import parse_payment
from .receipts import _issue_receipt_locked


def payment_snapshot(payment: Payment) -> dict[str, Any]:
    return {
        "customer": payment.customer_id,
        "method": payment.method,
        "amount": payment.amount,
        "currency": payment.currency,
        "date": payment.date,
        "payer": payment.payer,
        "reference": payment.reference,
        "bank_account": payment.bank_account_id,
        "cheque_number": payment.cheque_number,
        "cheque_bank": payment.cheque_bank,
        "cheque_deposit_date": payment.cheque_deposit_date,
        "exchange_rate": payment.exchange_rate,
        "open_item": payment.open_item_id,
        "receipt_number": payment.receipt_reference,
    }


def payment_record_event(payment: Payment, actor) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": "payment.record",
        "obj": payment,
        "after": payment_snapshot(payment),
    }


def record_payment(company: Company, *, actor, **arguments) -> Payment:
    """Record a payment received from a customer and allocate it: by hand (`allocations`:
    [{"invoice": Invoice or id, "amount"}]) or automatically (`auto`); what is not allocated
    stays as unapplied cash on the account. Cash gets its receipt at once (`receipt`
    overrides). The arguments are `parse_payment`'s: customer, amount, currency, date,
    method, reference, allocations, auto, payer, bank_account, cheque_number, cheque_bank,
    cheque_deposit_date, exchange_rate, receipt."""
    require(actor, company, Action.ALLOCATE)
    errors: list[FieldError] = []
    parsed = parse_payment(company, errors, **arguments)
    if parsed is None:
        raise InvalidInput(errors)
    customer = parsed.customer
    with transaction.atomic():
        # The customer first, before anything audited takes the audit chain head (the
        # ledger's lock order): its lettering codes and open items are ours until commit.
        bulk.lock_customers([customer.pk])
        if parsed.allocations is not None:
            entries = _explicit(
                _invoice_items(
                    company, customer, parsed.currency, parsed.allocations, parsed.amount
                )
            )
        elif parsed.auto:
            entries = _suggested(
                suggest_for(
                    customer,
                    amount=parsed.amount,
                    currency=parsed.currency,
                    reference=parsed.reference,
                )
            )
        else:
            entries = []
        payment = parsed.new_payment(company, actor)
        payment.save()
        payment.open_item = ledger.post_items(
            company, [parsed.credit_item_spec(payment)], actor=actor
        )[0]
        payment.save(update_fields=["open_item"])
        # The allocations and the payment's own audit event in one append to the chain.
        groups = [_group(payment, entries, parsed.date)] if entries else []
        bulk.allocate_groups(
            groups, actor=actor, also_record=[payment_record_event(payment, actor)]
        )
        if parsed.receipt:
            _issue_receipt_locked(payment, actor=actor)
        return payment


def allocate_payment(
    payment: Payment, *, actor, allocations: list | None = None, auto: bool = False
) -> list[Allocation]:
    """Allocate more of a recorded payment's unapplied amount: to the invoices given
    (`allocations`: [{"invoice": Invoice or id, "amount"}]) or automatically (`auto`).

    The ledger re-checks every residual under its locks, so two concurrent calls never
    allocate more than the payment; the check here only names the fields clearly."""
    require(actor, payment.company_id, Action.ALLOCATE)
    if auto and allocations:
        raise InvalidInput.single(
            "auto", "exclusive", _("Choose the invoices or automatic allocation.")
        )
    if not auto and not allocations:
        raise InvalidInput.single(
            "allocations", "required", _("Give at least one invoice to allocate to.")
        )
    with transaction.atomic():
        payment = Payment.objects.select_related("company", "customer", "open_item").get(
            pk=payment.pk
        )
        left = unallocated(payment)
        if left <= 0:
            raise Conflict(
                _("Nothing is left of this payment to allocate."),
                field="allocations",
                rule="fully_allocated",
            )
        today = timezone.localdate()
        if auto:
            made = _auto_allocate(payment, actor=actor, amount=left, entry_date=today)
            if not made:
                raise Conflict(
                    _("No invoice of this customer is open in this currency."),
                    field="auto",
                    rule="nothing_due",
                )
            return made
        explicit = _invoice_items(
            payment.company, payment.customer, payment.currency, allocations or [], left
        )
        return _allocate(payment, _explicit(explicit), actor=actor, entry_date=today)
