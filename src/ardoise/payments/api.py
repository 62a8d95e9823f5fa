"""HTTP routes for payments, mounted at /api/v1/payments. Thin: parse, scope, call one
service, shape the answer. Amounts travel as decimal strings; floats are refused by the
services with a message naming the field."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema, Status

from ardoise.core.errors import InvalidInput
from ardoise.core.http import decimal_str, paginate
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for, get_scoped, scoped
from ardoise.invoicing.services.posting import SOURCE_TYPE as INVOICE_SOURCE
from ardoise.ledger.models import Allocation
from ardoise.parties.models import Customer

from . import services
from .models import Payment

router = Router(tags=["payments"])

# Floats are accepted by the schemas only so that the service refuses them with a clear
# message naming the field (money is never a binary fraction).
Number = str | int | float | None
ZERO = Decimal(0)


def money(amount: Decimal, currency: str) -> str:
    """In the currency's minor unit: 120.00, not the stored 120.0000."""
    return format(quantize(amount, currency), "f")


class AllocationIn(Schema):
    invoice: int | str | None = None
    amount: Number = None


class PaymentIn(Schema):
    company: int | None = None
    customer: int | str | None = None
    amount: Number = None
    currency: str | None = None
    date: str | None = None
    method: str | None = None
    reference: str = ""
    payer: str = ""
    bank_account: int | str | None = None
    cheque_number: str = ""
    cheque_bank: str = ""
    cheque_deposit_date: str | None = None
    exchange_rate: Number = None
    allocations: list[AllocationIn] | None = None
    auto: bool = False
    receipt: bool | None = None


class AllocateIn(Schema):
    allocations: list[AllocationIn] | None = None
    auto: bool = False


class PaymentAllocationOut(Schema):
    id: int
    invoice: int | None
    amount: str
    lettering: str
    rule: str
    effective_date: datetime.date


class PaymentOut(Schema):
    id: int
    company: int
    customer: int
    amount: str
    currency: str
    date: datetime.date
    method: str
    reference: str
    payer: str
    bank_account: int | None
    cheque_number: str
    cheque_bank: str
    cheque_deposit_date: datetime.date | None
    exchange_rate: str | None
    allocations: list[PaymentAllocationOut]
    unallocated: str
    receipt_number: str | None


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


def _live_allocations(payments: list[Payment]) -> dict[int, list[Allocation]]:
    """The live (not reversed) allocations of many payments, in one query."""
    by_item: dict[int, list[Allocation]] = defaultdict(list)
    item_ids = [p.open_item_id for p in payments if p.open_item_id is not None]
    if item_ids:
        rows = (
            Allocation.objects.filter(
                credit_item_id__in=item_ids, reverses__isnull=True, reversal__isnull=True
            )
            .select_related("debit_item")
            .order_by("id")
        )
        for allocation in rows:
            by_item[allocation.credit_item_id].append(allocation)
    return {p.pk: by_item.get(p.open_item_id or 0, []) for p in payments}


def _allocation_out(allocation: Allocation) -> dict:
    debit = allocation.debit_item
    return {
        "id": allocation.pk,
        "invoice": debit.source_id if debit.source_type == INVOICE_SOURCE else None,
        "amount": money(allocation.amount, debit.currency),
        "lettering": allocation.lettering,
        "rule": allocation.rule,
        "effective_date": allocation.effective_date,
    }


def payment_out(payment: Payment, allocations: list[Allocation] | None = None) -> dict:
    if allocations is None:
        allocations = _live_allocations([payment])[payment.pk]
    allocated = sum((a.amount for a in allocations), ZERO)
    return {
        "id": payment.pk,
        "company": payment.company_id,
        "customer": payment.customer_id,
        "amount": money(payment.amount, payment.currency),
        "currency": payment.currency,
        "date": payment.date,
        "method": payment.method,
        "reference": payment.reference,
        "payer": payment.payer,
        "bank_account": payment.bank_account_id,
        "cheque_number": payment.cheque_number,
        "cheque_bank": payment.cheque_bank,
        "cheque_deposit_date": payment.cheque_deposit_date,
        "exchange_rate": decimal_str(
            payment.exchange_rate.normalize() if payment.exchange_rate is not None else None
        ),
        "allocations": [_allocation_out(a) for a in allocations],
        "unallocated": money(payment.amount - allocated, payment.currency),
        "receipt_number": payment.receipt_reference or None,
    }


def _allocations(entries: list[AllocationIn] | None) -> list[dict] | None:
    if entries is None:
        return None
    return [entry.model_dump() for entry in entries]


def _customer(request, customer_id) -> Customer:
    """The customer a body names: a field error, not a bare 404, when it is not the user's."""
    if customer_id in (None, ""):
        raise InvalidInput.single("customer", "required", "Give the customer.")
    try:
        return get_scoped(Customer.objects.all(), request.user, customer_id)
    except Http404 as error:
        raise InvalidInput.single(
            "customer", "not_found", f"No customer with id {customer_id}."
        ) from error


def _get(request, payment_id: int, action: Action = Action.VIEW) -> Payment:
    return get_scoped(Payment.objects.all(), request.user, payment_id, action)


def _reload(payment: Payment) -> dict:
    return payment_out(Payment.objects.get(pk=payment.pk))


@router.post("", response={201: PaymentOut})
def create_payment(request, payload: PaymentIn):
    """Record a payment and allocate it: `allocations` [{invoice, amount}] or `auto`: true
    (invoice numbers in the reference first, then the oldest due). What is not allocated
    stays as unapplied cash on the account."""
    company = company_for(request.user, payload.company, Action.ALLOCATE)
    customer = _customer(request, payload.customer)
    payment = services.record_payment(
        company,
        actor=request.user,
        customer=customer,
        amount=payload.amount,
        currency=payload.currency or "",
        date=payload.date,
        method=payload.method or "",
        reference=payload.reference,
        allocations=_allocations(payload.allocations),
        auto=payload.auto,
        payer=payload.payer,
        bank_account=payload.bank_account,
        cheque_number=payload.cheque_number,
        cheque_bank=payload.cheque_bank,
        cheque_deposit_date=payload.cheque_deposit_date,
        exchange_rate=payload.exchange_rate,
        receipt=payload.receipt,
    )
    return Status(201, _reload(payment))


@router.get("", response=PaymentPage)
def list_payments(
    request,
    company: int | None = None,
    customer: int | None = None,
    method: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Newest first; filter by company, customer, method and date range."""
    queryset = scoped(Payment.objects.all(), request.user)
    if company is not None:
        queryset = queryset.filter(company_id=company)
    if customer is not None:
        queryset = queryset.filter(customer_id=customer)
    if method:
        queryset = queryset.filter(method=method)
    if date_from:
        queryset = queryset.filter(date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__lte=date_to)
    rows, next_cursor = paginate(queryset, cursor, limit)
    allocations = _live_allocations(rows)
    return {
        "items": [payment_out(p, allocations[p.pk]) for p in rows],
        "next_cursor": next_cursor,
    }


@router.get("/{payment_id}", response=PaymentOut)
def get_payment(request, payment_id: int):
    return payment_out(_get(request, payment_id))


@router.post("/{payment_id}/allocations", response={201: PaymentOut})
def allocate(request, payment_id: int, payload: AllocateIn):
    """Allocate more of the payment's unapplied amount, to the invoices given or
    automatically."""
    payment = _get(request, payment_id, Action.ALLOCATE)
    services.allocate_payment(
        payment,
        actor=request.user,
        allocations=_allocations(payload.allocations),
        auto=payload.auto,
    )
    return Status(201, _reload(payment))
