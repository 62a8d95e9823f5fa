"""Payments: parsing, allocation, recording and receipts (one module each).

`record_payment` validates everything before it writes, then in one transaction creates the
payment, posts its credit item on the customer's account (ledger), allocates it (by hand or
by the suggestion of `allocation`) and, for cash, issues its receipt. Any refusal rolls the
whole back: a payment is never left half recorded. The names below are the package's
interface; `batch` also uses the underscored helpers, to record many payments alike.
"""

from .allocating import (
    END_OF_TIME,
    ZERO,
    _allocate,
    _auto_allocate,
    _explicit,
    _group,
    _invoice_items,
    _suggested,
    open_debits,
    open_debits_of,
    payment_allocations,
    suggest_for,
    unallocated,
)
from .parsing import SOURCE_TYPE, PaymentInput, parse_payment
from .receipts import _issue_receipt_locked, issue_receipt
from .recording import (
    allocate_payment,
    payment_record_event,
    payment_snapshot,
    record_payment,
)

__all__ = [
    "END_OF_TIME",
    "SOURCE_TYPE",
    "ZERO",
    "PaymentInput",
    "_allocate",
    "_auto_allocate",
    "_explicit",
    "_group",
    "_invoice_items",
    "_issue_receipt_locked",
    "_suggested",
    "allocate_payment",
    "issue_receipt",
    "open_debits",
    "open_debits_of",
    "parse_payment",
    "payment_allocations",
    "payment_record_event",
    "payment_snapshot",
    "record_payment",
    "suggest_for",
    "unallocated",
]
