"""Which invoices a payment should settle: a pure calculation over frozen values.

First the invoices whose number the payer wrote in the reference (in the order written), then
the oldest due first (ties by document date, then id). Never more than an invoice's residual;
what the payment does not cover stays unapplied on the account.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

REFERENCE = "reference"
OLDEST_DUE = "oldest_due"
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OpenDebit:
    item_id: int
    number: str
    due_date: datetime.date | None
    document_date: datetime.date
    residual: Decimal


@dataclass(frozen=True, slots=True)
class Suggestion:
    item_id: int
    amount: Decimal
    rule: str

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a suggested allocation is greater than zero")


def _could_hold(number: str, reference: str, folded: str | None) -> bool:
    """False only when the search of `_position` cannot find `number` (stripped, not empty)
    in the reference: with both in ASCII its case-insensitive match needs the number as a
    substring of the reference, ignoring case (`folded` is the reference lowered when it is
    ASCII, else None). Outside ASCII, case folding pairs letters that `lower` does not
    (the Kelvin sign and k), so the search decides. Cheap, where compiling the search for
    every open invoice of an account cost some 0.25 ms each."""
    if folded is None or not number.isascii():
        return True
    return number.lower() in folded


def _folded(reference: str) -> str | None:
    return reference.lower() if reference.isascii() else None


def _position(number: str, reference: str, folded: str | None = None) -> int | None:
    """Where the invoice number stands in the reference as a whole word (so FA-1 is not
    found in FA-12), ignoring case; None when absent. `folded`: `_folded(reference)`, when
    the caller searches the same reference for many numbers."""
    number = number.strip()
    if not number or not reference:
        return None
    if not _could_hold(number, reference, _folded(reference) if folded is None else folded):
        return None
    pattern = r"(?<![0-9A-Za-z])" + re.escape(number) + r"(?![0-9A-Za-z])"
    match = re.search(pattern, reference, flags=re.IGNORECASE)
    return match.start() if match else None


def referenced(reference: str, open_debits: list[OpenDebit]) -> list[OpenDebit]:
    """The debits whose number appears in the reference, in the order they appear."""
    reference = reference or ""
    if not reference:
        return []
    folded = _folded(reference)
    found = []
    for debit in open_debits:
        position = _position(debit.number, reference, folded)
        if position is not None:
            found.append((position, debit.item_id, debit))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [debit for _position_, _id, debit in found]


def _oldest_due_key(debit: OpenDebit) -> tuple:
    due = debit.due_date or debit.document_date
    return (due, debit.document_date, debit.item_id)


def suggest_allocations(
    amount: Decimal, currency: str, reference: str, open_debits: list[OpenDebit]
) -> list[Suggestion]:
    """The allocations a payment of `amount` would make, each with the rule that chose it.

    `currency` is the payment's; the caller gives only debits in that currency."""
    if amount < 0:
        raise ValueError("a payment amount is not negative")
    if not currency:
        raise ValueError("a payment has a currency")
    open_only = [debit for debit in open_debits if debit.residual > 0]
    by_reference = referenced(reference, open_only)
    chosen = {debit.item_id for debit in by_reference}
    by_age = sorted((d for d in open_only if d.item_id not in chosen), key=_oldest_due_key)
    suggestions: list[Suggestion] = []
    left = amount
    seen: set[int] = set()
    for rule, debits in ((REFERENCE, by_reference), (OLDEST_DUE, by_age)):
        for debit in debits:
            if left <= 0:
                return suggestions
            if debit.item_id in seen:
                continue
            seen.add(debit.item_id)
            part = min(left, debit.residual)
            suggestions.append(Suggestion(debit.item_id, part, rule))
            left -= part
    return suggestions
