"""Recording many payments in one transaction (imports, bank files, the benchmark).

`record_payments` gives exactly what calling `services.record_payment` once per payment, in
the order given, would give: the same payments, credit items, allocations (one lettering
code per payment, the rule kept per allocation), receipts and audit actions. It gets there
with a fixed number of queries per chunk of payments instead of some thirty per payment:
every spec is checked first (nothing is written if one is refused), then per chunk one
query for the open debits of all its customers, the suggestions computed in memory (each
payment sees what the earlier ones of the batch took), one INSERT for the payments, one for
their credit items, and the ledger's set-based allocation (`ledger.bulk`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import insert_rows
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.roles import Action
from ardoise.core.tenancy import require
from ardoise.ledger import bulk
from ardoise.ledger import services as ledger
from ardoise.ledger.models import OpenItem
from ardoise.ledger.queries import to_amount

from .allocation import OpenDebit, suggest_allocations
from .models import Payment
from .services import (
    SOURCE_TYPE,
    PaymentInput,
    _explicit,
    _group,
    _invoice_items,
    _issue_receipt_locked,
    _suggested,
    open_debits_of,
    parse_payment,
    payment_record_event,
)

# Payments per chunk: keeps every IN list and INSERT well under the databases' limits.
CHUNK = 1_000


def _prefixed(n: int, errors: Sequence[FieldError]) -> list[FieldError]:
    return [FieldError(f"payments[{n}].{e.field}", e.rule, e.message) for e in errors]


def parse_payments(company: Company, specs: Sequence[Mapping[str, Any]]) -> list[PaymentInput]:
    """Every spec parsed and checked as `record_payment` checks it (reads only); all the
    refusals at once, each named `payments[n].<field>`."""
    errors: list[FieldError] = []
    parsed: list[tuple[int, PaymentInput]] = []
    today = timezone.localdate()
    for n, spec in enumerate(specs):
        mine: list[FieldError] = []
        try:
            payment = parse_payment(company, mine, **spec)
        except TypeError:
            mine.append(FieldError("__all__", "invalid", _("Unknown payment field.")))
            payment = None
        if payment is not None and payment.receipt and payment.date > today:
            mine.append(
                FieldError(
                    "date",
                    "future",
                    _("A receipt is for money already received, not a future date."),
                )
            )
        errors.extend(_prefixed(n, mine))
        if payment is not None:
            parsed.append((n, payment))
    # A date in a closed period, named here: the ledger would refuse the batch's credit
    # items as a whole. One query for all the dates.
    closed = ledger.closed_months(company.pk, (payment.date for _n, payment in parsed))
    for n, payment in parsed:
        if (payment.date.year, payment.date.month) in closed:
            errors.append(
                FieldError(
                    f"payments[{n}].date",
                    "closed_period",
                    _("The period %(period)s is closed: nothing can be dated in it.")
                    % {"period": f"{payment.date.year}-{payment.date.month:02d}"},
                )
            )
    if errors:
        raise InvalidInput(errors)
    return [payment for _n, payment in parsed]


def record_payments(
    company: Company, specs: Sequence[Mapping[str, Any]], *, actor
) -> list[Payment]:
    """Record many payments (each spec holds `record_payment`'s keyword arguments) in one
    transaction, all or nothing. Refusals name the payment: `payments[n].<field>`."""
    require(actor, company, Action.ALLOCATE)
    parsed = parse_payments(company, specs)
    if not parsed:
        return []
    payments: list[Payment] = []
    with transaction.atomic():
        # Every customer of the batch first, in id order, before anything audited takes
        # the audit chain head: the ledger's lock order. Their items are then ours too.
        bulk.lock_customers(payment.customer.pk for payment in parsed)
        for start in range(0, len(parsed), CHUNK):
            payments += _record_chunk(company, parsed[start : start + CHUNK], start, actor)
    return payments


def _entries(
    company: Company, parsed: Sequence[PaymentInput], start: int
) -> list[list[tuple[int, Decimal, str]]]:
    """The allocations each payment makes: chosen by hand, or suggested over the open debits
    of all the chunk's customers (one query) as the earlier payments leave them."""
    auto_customers = sorted({p.customer.pk for p in parsed if p.auto and p.allocations is None})
    open_debits = open_debits_of(company.pk, auto_customers)
    result: list[list[tuple[int, Decimal, str]]] = []
    errors: list[FieldError] = []
    for n, payment in enumerate(parsed, start=start):
        if payment.allocations is not None:
            try:
                pairs = _invoice_items(
                    company,
                    payment.customer,
                    payment.currency,
                    payment.allocations,
                    payment.amount,
                )
            except InvalidInput as error:
                errors += _prefixed(n, error.errors)
                pairs = []
            result.append(_explicit(pairs))
        elif payment.auto:
            key = (payment.customer.pk, payment.currency)
            debits = open_debits.get(key, [])
            suggestions = suggest_allocations(
                payment.amount, payment.currency, payment.reference, debits
            )
            open_debits[key] = _after(debits, {s.item_id: s.amount for s in suggestions})
            result.append(_suggested(suggestions))
        else:
            result.append([])
    if errors:
        raise InvalidInput(errors)
    return result


def _after(debits: list[OpenDebit], taken: dict[int, Decimal]) -> list[OpenDebit]:
    """The open debits once the amounts `taken` are allocated, residuals at the stored
    scale as the ledger would give them back."""
    left = []
    for debit in debits:
        if debit.item_id in taken:
            residual = to_amount(debit.residual - taken[debit.item_id])
            if residual <= 0:
                continue
            debit = dataclasses.replace(debit, residual=residual)
        left.append(debit)
    return left


def _record_chunk(
    company: Company, parsed: Sequence[PaymentInput], start: int, actor
) -> list[Payment]:
    entries = _entries(company, parsed, start)
    # The debits before the audit head (lock order); our own new credit items need none.
    debits = bulk.lock_items(debit_id for chosen in entries for debit_id, _a, _r in chosen)
    payments = insert_rows([payment.new_payment(company, actor) for payment in parsed])
    items = ledger.post_items(
        company,
        [p.credit_item_spec(payment) for p, payment in zip(parsed, payments, strict=True)],
        actor=actor,
    )
    for payment, item in zip(payments, items, strict=True):
        payment.open_item = item
    # Each payment points to its credit item: one set-based UPDATE (the item is found by
    # its source, on the ledger's unique index), not a CASE of a thousand branches.
    Payment.objects.filter(pk__in=[payment.pk for payment in payments]).update(
        open_item_id=Subquery(
            OpenItem.objects.filter(
                company_id=company.pk, source_type=SOURCE_TYPE, source_id=OuterRef("pk")
            ).values("pk")[:1]
        )
    )
    groups = [
        _group(payment, chosen, p.date, field=f"payments[{n}].allocations")
        for n, (p, payment, chosen) in enumerate(
            zip(parsed, payments, entries, strict=True), start=start
        )
        if chosen
    ]
    bulk.allocate_groups(
        groups,
        actor=actor,
        also_record=[payment_record_event(payment, actor) for payment in payments],
        locked=debits,
    )
    for p, payment in zip(parsed, payments, strict=True):
        if p.receipt:
            _issue_receipt_locked(payment, actor=actor)
    return payments
