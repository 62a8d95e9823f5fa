"""Staff page of a customer's account: every item with its residual and lettering codes, the
balance and the unapplied cash, as of any date; the aged balance drills down here.

The ledger sits below invoicing and payments: links to their pages are built from the item's
generic source in the template, never by importing them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped
from ardoise.core.web import company_view
from ardoise.parties.models import Customer

from .models import Allocation, Direction
from .queries import DEFAULT_BUCKETS, bucket_index, bucket_labels, residuals, signed, status_of

ZERO = Decimal(0)


def parse_date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def parse_buckets(value: str | None) -> tuple[int, ...]:
    """ "30,60,90" → (30, 60, 90); anything not increasing positive days → the default."""
    try:
        days = tuple(int(part) for part in (value or "").split(",") if part.strip())
    except ValueError:
        return DEFAULT_BUCKETS
    if not days or any(d <= 0 for d in days) or list(days) != sorted(set(days)):
        return DEFAULT_BUCKETS
    return days


def bucket_titles(buckets: tuple[int, ...]) -> list[str]:
    """The aged balance's column headings, in words (same order as `bucket_labels`)."""
    titles = [_("Not due")]
    low = 1
    for high in buckets:
        titles.append(_("%(low)s–%(high)s days") % {"low": low, "high": high})
        low = high + 1
    titles.append(_("Over %(days)s days") % {"days": buckets[-1]})
    titles.append(_("Unapplied"))
    return titles


def _letterings(customer: Customer, as_of: datetime.date) -> dict[int, list[str]]:
    """Per item, the lettering codes still matched by the date (a fully reversed group
    drops out): one query."""
    net: dict[tuple[int, str], Decimal] = {}
    rows = Allocation.objects.filter(customer=customer, effective_date__lte=as_of).values_list(
        "debit_item_id", "credit_item_id", "lettering", "amount"
    )
    for debit_id, credit_id, lettering, amount in rows:
        for item_id in (debit_id, credit_id):
            net[(item_id, lettering)] = net.get((item_id, lettering), ZERO) + amount
    result: dict[int, list[str]] = {}
    for (item_id, lettering), amount in sorted(net.items(), key=lambda e: e[0][1]):
        if amount:
            result.setdefault(item_id, []).append(lettering)
    return result


def _bucket_of(item, as_of, buckets, basis) -> int:
    """The aged balance's column of an item: its age bucket, or the unapplied column."""
    if item.direction == Direction.CREDIT:
        return len(buckets) + 2
    reference = item.document_date if basis == "document_date" else item.due_date
    return bucket_index((as_of - (reference or item.document_date)).days, buckets)


@company_view(Action.VIEW)
def customer_account(request, company, customer_id: int):
    customer = get_scoped(Customer.objects.filter(company=company), request.user, customer_id)
    params = request.GET
    as_of = parse_date(params.get("as_of"), timezone.localdate())
    show = params.get("show") if params.get("show") in ("open", "all") else "open"
    basis = params.get("basis") if params.get("basis") == "document_date" else "due_date"
    buckets = parse_buckets(params.get("buckets"))
    labels = bucket_labels(buckets)
    bucket = params.get("bucket", "")
    bucket = int(bucket) if bucket.isdigit() and int(bucket) < len(labels) else None
    letterings = _letterings(customer, as_of)
    items: list = []
    balances: dict[str, Decimal] = {}
    unapplied: dict[str, Decimal] = {}
    for item in residuals(company, customer=customer, as_of=as_of):
        balances[item.currency] = balances.get(item.currency, ZERO) + signed(
            item.direction, item.residual
        )
        if item.direction == Direction.CREDIT:
            unapplied[item.currency] = unapplied.get(item.currency, ZERO) + item.residual
        if show == "open" and not item.residual:
            continue
        if bucket is not None and (
            not item.residual or _bucket_of(item, as_of, buckets, basis) != bucket
        ):
            continue
        item.letterings = letterings.get(item.pk, [])
        item.status = status_of(item.amount, item.residual, item.due_date, as_of)
        items.append(item)
    currencies = sorted(set(balances) | {customer.currency})
    return render(
        request,
        "ledger/account.html",
        {
            "customer": customer,
            "items": items,
            "as_of": as_of,
            "show": show,
            "basis": basis,
            "buckets": ",".join(str(b) for b in buckets),
            "bucket": bucket,
            "bucket_label": bucket_titles(buckets)[bucket] if bucket is not None else "",
            "totals": [
                {
                    "currency": cur,
                    "balance": balances.get(cur, ZERO),
                    "unapplied": unapplied.get(cur, ZERO),
                }
                for cur in currencies
            ],
            "can_record": can(request.user, company, Action.ALLOCATE),
        },
    )
