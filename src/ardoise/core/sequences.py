"""Gapless numbering (Tryton `ir.sequence.strict`): one locked counter per (company, kind, year).

`take_next_number` must run inside the transaction that issues the document: the counter row
stays locked until that transaction commits or rolls back, so a failed issue gives its number
back and two concurrent issues never share or skip one. A unique constraint on the document's
number is the last guard.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from .errors import InvalidInput
from .models import Company, DocumentSequence


def _locked_counter(company: Company, kind: str, year: int) -> DocumentSequence:
    queryset = DocumentSequence.objects.select_for_update()
    counter = queryset.filter(company=company, kind=kind, year=year).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            DocumentSequence.objects.create(company=company, kind=kind, year=year)
    except IntegrityError:
        pass  # another transaction created it first; lock theirs below
    return queryset.get(company=company, kind=kind, year=year)


def lock_counters(keys: Iterable[tuple[Company, str, int]]) -> None:
    """Lock several (company, kind, year) counters in one fixed order (company id, kind,
    year): a batch that takes several sequences locks them all first, so that two batches
    never wait on each other in a circle. Inside the issuing transaction."""
    for company, kind, year in sorted(set(keys), key=lambda key: (key[0].pk, key[1], key[2])):
        _locked_counter(company, kind, year)


def take_next_number(company: Company, kind: str, issue_date: datetime.date) -> int:
    """Reserve the next number of the (company, kind, year of issue_date) sequence.

    Refuses an issue date earlier than the last one issued in the sequence: the law
    (FR CGI art. 242 nonies A, ES RD 1619/2012) wants dates to follow the numbers.
    """
    return take_next_numbers(company, kind, issue_date, 1).start


def take_next_numbers(company: Company, kind: str, issue_date: datetime.date, count: int) -> range:
    """Reserve `count` consecutive numbers of the (company, kind, year of issue_date) sequence,
    all for documents dated `issue_date` (batch issue): one lock and one write for all.

    Same rules as one number at a time: inside the issuing transaction, the counter row locked
    until it ends, and no date earlier than the last one issued. A refusal reserves nothing.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_next_number must run inside the issuing transaction")
    counter = _locked_counter(company, kind, issue_date.year)
    if counter.last_date and issue_date < counter.last_date:
        raise InvalidInput.single(
            "issue_date",
            "date_order",
            f"The issue date {issue_date.isoformat()} is before the last {kind} issued "
            f"({counter.last_date.isoformat()}); dates must follow the order of the numbers.",
        )
    first = counter.last_number + 1
    counter.last_number += count
    counter.last_date = issue_date
    counter.save(update_fields=["last_number", "last_date"])
    return range(first, counter.last_number + 1)
