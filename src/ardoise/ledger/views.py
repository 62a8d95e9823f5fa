"""Staff pages of the ledger: a customer's account (every item with its residual and
lettering codes, the balance and the unapplied cash, as of any date; the aged balance drills
down here), with the refund of a credit and the write-off of a small difference from it; and
the closed months (periods).

The ledger sits below invoicing and payments: links to their pages are built from the item's
generic source in the template, never by importing them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import BusinessError
from ardoise.core.models import Company
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped, scoped
from ardoise.core.web import company_view
from ardoise.parties.models import Customer

from . import services
from .forms import ClosePeriodForm, RefundForm, WriteOffForm
from .models import Allocation, ClosedPeriod, Direction, OpenItem
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
    # Items carry their `residual` (set by the query), then their lettering and status.
    account: list[Any] = residuals(company, customer=customer, as_of=as_of)
    for item in account:
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
    _mark_actions(request, company, items, as_of)
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
            "has_actions": any(item.can_refund or item.can_write_off for item in items),
        },
    )


def _mark_actions(request, company: Company, items: list, as_of: datetime.date) -> None:
    """Which rows offer a refund (a credit with something left) or a write-off (a debit
    whose residual is within the company's tolerance), for the user's role. Only on today's
    account: an action always takes today's residuals, not those of the date looked at."""
    today = as_of == timezone.localdate()
    may_refund = today and can(request.user, company, Action.REFUND)
    may_write_off = today and can(request.user, company, Action.ALLOCATE)
    tolerance = company.write_off_tolerance
    for item in items:
        item.can_refund = may_refund and item.direction == Direction.CREDIT and item.residual > 0
        item.can_write_off = (
            may_write_off and item.direction == Direction.DEBIT and 0 < item.residual <= tolerance
        )


# ----------------------------------------------------------------------------- operations


def _item(
    request, company, customer_id: int, item_id: int, direction: str, action: Action
) -> OpenItem:
    """An item of this customer in the current company on the side the operation takes
    (a credit to refund, a debit to write off): 404 otherwise, 403 if the role forbids the
    action."""
    items = OpenItem.objects.filter(
        company=company, customer_id=customer_id, direction=direction
    ).select_related("customer")
    return get_scoped(items, request.user, item_id, action)


def _operation(request, company, item: OpenItem, form, template: str, done) -> HttpResponse:
    if request.method == "POST" and form.is_valid() and form.allocation is not None:
        messages.success(request, done(form.allocation))
        return redirect("ledger:account", customer_id=item.customer_id)
    context = {
        "customer": item.customer,
        "item": item,
        "residual": services.residual_now(item),
        "tolerance": company.write_off_tolerance,
        "form": form,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, template, context, status=status)


@company_view(Action.REFUND)
def refund(request, company, customer_id: int, item_id: int):
    """Pay back part or all of a credit's residual (unapplied cash, a credit note)."""
    item = _item(request, company, customer_id, item_id, Direction.CREDIT, Action.REFUND)
    data = request.POST if request.method == "POST" else None
    form = RefundForm(
        data, credit_item=item, actor=request.user, residual=services.residual_now(item)
    )

    def done(allocation: Allocation) -> str:
        return _("Refund of %(amount)s %(currency)s recorded (lettering %(code)s).") % {
            "amount": format(quantize(allocation.amount, item.currency), "f"),
            "currency": item.currency,
            "code": allocation.lettering,
        }

    return _operation(request, company, item, form, "ledger/refund.html", done)


@company_view(Action.ALLOCATE)
def write_off(request, company, customer_id: int, item_id: int):
    """Close a debit whose residual is within the company's tolerance, with a reason."""
    item = _item(request, company, customer_id, item_id, Direction.DEBIT, Action.ALLOCATE)
    data = request.POST if request.method == "POST" else None
    form = WriteOffForm(data, debit_item=item, actor=request.user)

    def done(allocation: Allocation) -> str:
        return _("%(amount)s %(currency)s written off (lettering %(code)s).") % {
            "amount": format(quantize(allocation.amount, item.currency), "f"),
            "currency": item.currency,
            "code": allocation.lettering,
        }

    return _operation(request, company, item, form, "ledger/write_off.html", done)


# ----------------------------------------------------------------------------- periods

PERIOD_ACTIONS = ("ledger.period.close", "ledger.period.reopen")
HISTORY_SIZE = 20


@company_view(Action.CLOSE_PERIODS)
def periods(request, company):
    """The closed months with who closed them and when, a form to close one, and the last
    closings and reopenings from the audit trail."""
    if request.method == "POST":
        form = ClosePeriodForm(request.POST, company=company, actor=request.user)
        if form.is_valid() and form.period is not None:
            messages.success(request, _("%(period)s is closed.") % {"period": str(form.period)})
            return redirect("ledger:periods")
        status = 422
    else:
        form = ClosePeriodForm(company=company, actor=request.user)
        status = 200
    closed = (
        scoped(ClosedPeriod.objects.filter(company=company), request.user)
        .select_related("closed_by")
        .order_by("-year", "-month")
    )
    history = AuditEvent.objects.filter(company=company, action__in=PERIOD_ACTIONS).order_by("-id")[
        :HISTORY_SIZE
    ]
    return render(
        request,
        "ledger/periods.html",
        {"form": form, "closed": closed, "history": history, "company": company},
        status=status,
    )


@require_POST
@company_view(Action.CLOSE_PERIODS)
def period_reopen(request, company, year: int, month: int):
    try:
        services.reopen_period(company, actor=request.user, year=year, month=month)
    except BusinessError as error:
        for item in error.errors:
            messages.error(request, item.message)
    else:
        messages.success(
            request, _("%(period)s is open again.") % {"period": f"{year}-{month:02d}"}
        )
    return redirect("ledger:periods")
