"""HTTP routes for the receivables ledger, mounted at the API root: a customer's account as
of a date (`/customers/{id}/ledger`), the reversal of an allocation
(`/allocations/{id}/reverse`), refunds of credits (`/customers/{id}/refunds`), write-offs of
small differences (`/items/{id}/write-off`) and closed months (`/periods`). Amounts travel
as decimal strings."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ardoise.core.errors import InvalidInput
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for, get_scoped, scoped
from ardoise.parties.models import Customer

from . import services
from .models import Allocation, ClosedPeriod, Direction, OpenItem
from .queries import residuals, signed, status_of

router = Router(tags=["ledger"])
ZERO = Decimal(0)
# Floats are accepted by the schemas only so that the service refuses them with a clear
# message naming the field (money is never a binary fraction).
Number = str | int | float | None


def money(amount: Decimal, currency: str) -> str:
    """In the currency's minor unit: 120.00, not the stored 120.0000."""
    return format(quantize(amount, currency), "f")


class ReverseIn(Schema):
    date: datetime.date | None = None


class RefundIn(Schema):
    credit_item: int | None = None
    amount: Number = None
    date: str | None = None
    method: str | None = None
    reference: str = ""


class WriteOffIn(Schema):
    reason: str = ""
    date: str | None = None


class PeriodIn(Schema):
    company: int | None = None
    year: int | str | None = None
    month: int | str | None = None


class ItemOut(Schema):
    id: int
    customer: int
    kind: str
    direction: str
    amount: str
    currency: str
    document_date: datetime.date
    due_date: datetime.date | None
    reference: str
    method: str


class PeriodOut(Schema):
    company: int
    year: int
    month: int
    period: str
    closed_at: datetime.datetime
    closed_by: str | None


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


def item_out(item: OpenItem) -> dict:
    return {
        "id": item.pk,
        "customer": item.customer_id,
        "kind": item.kind,
        "direction": item.direction,
        "amount": money(item.amount, item.currency),
        "currency": item.currency,
        "document_date": item.document_date,
        "due_date": item.due_date,
        "reference": item.reference,
        "method": item.method,
    }


def period_out(period: ClosedPeriod) -> dict:
    return {
        "company": period.company_id,
        "year": period.year,
        "month": period.month,
        "period": str(period),
        "closed_at": period.closed_at,
        "closed_by": period.closed_by.get_username() if period.closed_by else None,
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


class OperationOut(Schema):
    """The item an operation posted (the refund, the write-off) and its allocation."""

    item: ItemOut
    allocation: AllocationOut


def _operation_out(item: OpenItem, allocation: Allocation) -> dict:
    return {"item": item_out(item), "allocation": allocation_out(allocation)}


@router.post("/customers/{customer_id}/refunds", response={201: OperationOut})
def refund(request, customer_id: int, payload: RefundIn):
    """Pay back part or all of what is left on a credit of the customer's account (unapplied
    cash of a payment, a credit note's residual): a refund item allocated against it."""
    customer = get_scoped(Customer.objects.all(), request.user, customer_id, Action.REFUND)
    if payload.credit_item is None:
        raise InvalidInput.single("credit_item", "required", _("Give the credit to refund."))
    credit = OpenItem.objects.filter(customer=customer, pk=payload.credit_item).first()
    if credit is None:
        raise InvalidInput.single(
            "credit_item", "unknown", _("No item with this id on the customer's account.")
        )
    allocation = services.refund_credit(
        credit,
        actor=request.user,
        amount=payload.amount,
        date=payload.date,
        method=payload.method,
        reference=payload.reference,
    )
    return Status(201, _operation_out(allocation.debit_item, allocation))


@router.post("/items/{item_id}/write-off", response={201: OperationOut})
def write_off(request, item_id: int, payload: WriteOffIn):
    """Close a debit whose residual is within the company's write-off tolerance, with a
    reason: a write-off item allocated against it."""
    item = get_scoped(OpenItem.objects.all(), request.user, item_id, Action.ALLOCATE)
    allocation = services.write_off_residual(
        item, actor=request.user, reason=payload.reason, date=payload.date
    )
    return Status(201, _operation_out(allocation.credit_item, allocation))


@router.get("/periods", response=list[PeriodOut])
def periods(request, company: int | None = None):
    """The closed months of the user's companies (or of one), newest first. Every role may
    read them: what is closed is no secret to anyone who may read the ledger."""
    queryset = scoped(ClosedPeriod.objects.select_related("closed_by"), request.user)
    if company is not None:
        queryset = queryset.filter(company_id=company)
    return [period_out(period) for period in queryset.order_by("company_id", "-year", "-month")]


@router.post("/periods", response={201: PeriodOut})
def close_period(request, payload: PeriodIn):
    """Close a month: nothing can then be dated in it (no item, allocation, reversal, refund
    or write-off) until it is reopened. Accountants and admins."""
    company = company_for(request.user, payload.company, Action.CLOSE_PERIODS)
    period = services.close_period(
        company, actor=request.user, year=payload.year, month=payload.month
    )
    return Status(201, period_out(period))


@router.delete("/periods/{year}/{month}", response={204: None})
def reopen_period(request, year: int, month: int, company: int | None = None):
    """Reopen a closed month (audited). Accountants and admins."""
    owner = company_for(request.user, company, Action.CLOSE_PERIODS)
    services.reopen_period(owner, actor=request.user, year=year, month=month)
    return Status(204, None)
