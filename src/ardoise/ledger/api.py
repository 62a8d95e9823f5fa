"""HTTP routes for the receivables ledger, mounted at the API root: a customer's account as
of a date (`/customers/{id}/ledger`) and the reversal of an allocation
(`/allocations/{id}/reverse`). Amounts travel as decimal strings."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status

from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import get_scoped
from ardoise.parties.models import Customer

from . import services
from .models import Allocation, Direction
from .queries import residuals, signed, status_of

router = Router(tags=["ledger"])
ZERO = Decimal(0)


def money(amount: Decimal, currency: str) -> str:
    """In the currency's minor unit: 120.00, not the stored 120.0000."""
    return format(quantize(amount, currency), "f")


class ReverseIn(Schema):
    date: datetime.date | None = None


class AllocationOut(Schema):
    id: int
    customer: int
    debit_item: int
    credit_item: int
    amount: str
    entry_date: datetime.date
    effective_date: datetime.date
    lettering: str
    rule: str
    reverses: int | None


class SourceOut(Schema):
    type: str
    id: int


class LedgerItemOut(Schema):
    id: int
    kind: str
    direction: str
    amount: str
    currency: str
    document_date: datetime.date
    due_date: datetime.date | None
    reference: str
    source: SourceOut | None
    residual: str
    lettering: list[str]
    payment_status: str | None
    days_overdue: int | None


class CurrencyBalanceOut(Schema):
    currency: str
    balance: str
    unapplied: str


class CustomerRefOut(Schema):
    id: int
    code: str
    name: str


class LedgerOut(Schema):
    customer: CustomerRefOut
    as_of: datetime.date
    currency: str
    items: list[LedgerItemOut]
    # In the customer's currency: what it owes (debits − credits) and its unapplied credits.
    balance: str
    unapplied: str
    # Every currency the account holds items in.
    balances: list[CurrencyBalanceOut]


def allocation_out(allocation: Allocation) -> dict:
    return {
        "id": allocation.pk,
        "customer": allocation.customer_id,
        "debit_item": allocation.debit_item_id,
        "credit_item": allocation.credit_item_id,
        "amount": money(allocation.amount, allocation.debit_item.currency),
        "entry_date": allocation.entry_date,
        "effective_date": allocation.effective_date,
        "lettering": allocation.lettering,
        "rule": allocation.rule,
        "reverses": allocation.reverses_id,
    }


def _letterings(customer: Customer, as_of: datetime.date) -> dict[int, list[str]]:
    """The lettering codes touching each item by the date, in one query."""
    rows = (
        Allocation.objects.filter(customer=customer, effective_date__lte=as_of)
        .order_by("lettering")
        .values_list("debit_item_id", "credit_item_id", "lettering")
        .distinct()
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for debit, credit, code in rows:
        for item in (debit, credit):
            if code not in codes[item]:
                codes[item].append(code)
    return codes


def _item_out(item, codes: list[str], as_of: datetime.date) -> dict:
    status = (
        status_of(item.amount, item.residual, item.due_date, as_of)
        if item.direction == Direction.DEBIT
        else None
    )
    return {
        "id": item.pk,
        "kind": item.kind,
        "direction": item.direction,
        "amount": money(item.amount, item.currency),
        "currency": item.currency,
        "document_date": item.document_date,
        "due_date": item.due_date,
        "reference": item.reference,
        "source": (
            {"type": item.source_type, "id": item.source_id} if item.source_id is not None else None
        ),
        "residual": money(item.residual, item.currency),
        "lettering": sorted(codes),
        "payment_status": status.payment_status if status else None,
        "days_overdue": status.days_overdue if status else None,
    }


@router.get("/customers/{customer_id}/ledger", response=LedgerOut)
def customer_ledger(request, customer_id: int, as_of: datetime.date | None = None):
    """The customer's account as of a date (today by default): every item posted by then
    with its residual and lettering codes, the balance and the unapplied credits."""
    customer = get_scoped(Customer.objects.select_related("company"), request.user, customer_id)
    as_of = as_of or timezone.localdate()
    items: list[Any] = residuals(customer.company, customer=customer, as_of=as_of)
    codes = _letterings(customer, as_of)
    totals: dict[str, list[Decimal]] = {}
    for item in items:
        balance_unapplied = totals.setdefault(item.currency, [ZERO, ZERO])
        balance_unapplied[0] += signed(item.direction, item.residual)
        if item.direction == Direction.CREDIT:
            balance_unapplied[1] += item.residual
    own = totals.get(customer.currency, [ZERO, ZERO])
    return {
        "customer": {"id": customer.pk, "code": customer.code, "name": customer.legal_name},
        "as_of": as_of,
        "currency": customer.currency,
        "items": [_item_out(item, codes.get(item.pk, []), as_of) for item in items],
        "balance": money(own[0], customer.currency),
        "unapplied": money(own[1], customer.currency),
        "balances": [
            {"currency": cur, "balance": money(b, cur), "unapplied": money(u, cur)}
            for cur, (b, u) in sorted(totals.items())
        ],
    }


@router.post("/allocations/{allocation_id}/reverse", response={201: AllocationOut})
def reverse(request, allocation_id: int, payload: ReverseIn | None = None):
    """Undo an allocation by a new dated row of the opposite amount (once only)."""
    allocation = get_scoped(Allocation.objects.all(), request.user, allocation_id, Action.ALLOCATE)
    reversal = services.reverse_allocation(
        allocation, actor=request.user, date=payload.date if payload else None
    )
    return Status(201, allocation_out(reversal))
