"""Staff pages of payments: entry with a live suggestion of allocations, list, detail with
the allocations (lettering codes), unapplied cash and the receipt.

Views parse, authorize and call one service; every payment and customer is fetched within
the current company, so an id of another company is a 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.core.errors import BusinessError
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped, scoped
from ardoise.core.web import company_view
from ardoise.invoicing.services.posting import SOURCE_TYPE as INVOICE_SOURCE
from ardoise.ledger.models import Allocation, AllocationRule

from . import services
from .forms import AUTO, PaymentForm, allocation_rows, company_customers, parse_amount
from .models import Method, Payment

PAGE_SIZE = 50
ZERO = Decimal(0)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _payments(request, company):
    return scoped(Payment.objects.filter(company=company), request.user).select_related("customer")


def _allocated_total():
    """Σ of the payment's allocations, reversals included (they are negative rows)."""
    output = DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)
    total = (
        Allocation.objects.filter(credit_item_id=OuterRef("open_item_id"))
        .order_by()
        .values("credit_item_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=output), Value(ZERO), output_field=output)


# ----------------------------------------------------------------------------- entry


def _plain(amount: Decimal | None, currency: str) -> str:
    """An amount for an input: machine digits with the currency's decimals ("80.00")."""
    if amount is None:
        return ""
    try:
        return format(quantize(amount, currency), "f")
    except ValueError:
        return format(amount.normalize(), "f")


def _suggestion_context(form: PaymentForm, data) -> dict:
    customer = None
    customer_id = str(data.get("customer", "")).strip()
    if customer_id.isdigit():
        customer = company_customers(form.company).filter(pk=int(customer_id)).first()
    amount = parse_amount(str(data.get("amount", "")))
    rows, left = allocation_rows(customer, amount, str(data.get("reference", "")))
    bound = form.is_bound and form.mode != AUTO
    chosen = dict(form.chosen_rows()) if bound else {}
    for row in rows:
        invoice_id = row["invoice_id"]
        if bound:
            row["checked"] = invoice_id in chosen
            row["value"] = chosen.get(invoice_id, "")
        else:
            row["checked"] = row["suggested"] is not None and invoice_id is not None
            row["value"] = _plain(row["suggested"], customer.currency) if customer else ""
        row["errors"] = form.row_errors.get(invoice_id, []) if invoice_id else []
        row["residual_plain"] = _plain(row["debit"].residual, customer.currency) if customer else ""
    if bound and amount is not None:
        typed = [parse_amount(text) or ZERO for text in chosen.values()]
        left = amount - sum(typed, ZERO)
    return {
        "customer": customer,
        "rows": rows,
        "amount": amount,
        "left": left,
        "mode": form.mode if form.is_bound else AUTO,
        "rules": dict(AllocationRule.choices),
    }


@company_view(Action.ALLOCATE)
def payment_suggest(request, company):
    """The live suggestion of allocations (htmx partial). Pure: it writes nothing."""
    # A new customer, amount or reference starts again from the suggestion.
    form = PaymentForm(company=company, actor=request.user)
    context = _suggestion_context(form, request.POST)
    return render(request, "payments/_allocations.html", context)


@company_view(Action.ALLOCATE)
def payment_create(request, company):
    if request.method == "POST":
        form = PaymentForm(request.POST, company=company, actor=request.user)
        if form.is_valid() and form.payment is not None:
            messages.success(request, _("Payment recorded."))
            return redirect("payments:detail", payment_id=form.payment.pk)
        status = 422
        data = request.POST
    else:
        initial = {}
        if request.GET.get("customer", "").isdigit():
            initial["customer"] = request.GET["customer"]
        form = PaymentForm(initial=initial, company=company, actor=request.user)
        status = 200
        data = request.GET
    context = {"form": form, "suggestion": _suggestion_context(form, data), "methods": Method}
    return render(request, "payments/form.html", context, status=status)


# ----------------------------------------------------------------------------- list


def _filtered(request, company):
    params = request.GET
    payments = _payments(request, company)
    if params.get("customer", "").isdigit():
        payments = payments.filter(customer_id=int(params["customer"]))
    if params.get("method") in Method.values:
        payments = payments.filter(method=params["method"])
    if date_from := _date(params.get("from", "")):
        payments = payments.filter(date__gte=date_from)
    if date_to := _date(params.get("to", "")):
        payments = payments.filter(date__lte=date_to)
    return payments


@company_view(Action.VIEW)
def payment_list(request, company):
    payments = (
        _filtered(request, company).annotate(allocated=_allocated_total()).order_by("-date", "-id")
    )
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    for payment in page:
        payment.unapplied = payment.amount - payment.allocated
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/list.html",
        {
            "page": page,
            "filters": request.GET,
            "query": query.urlencode(),
            "methods": Method.choices,
            "customers": company_customers(company),
            "can_record": can(request.user, company, Action.ALLOCATE),
        },
    )


# ----------------------------------------------------------------------------- detail


def _payment(request, company, payment_id: int, action: Action = Action.VIEW) -> Payment:
    return get_scoped(_payments(request, company), request.user, payment_id, action)


@company_view(Action.VIEW)
def payment_detail(request, company, payment_id: int):
    payment = _payment(request, company, payment_id)
    allocations = services.payment_allocations(payment)
    allocated = sum((a.amount for a in allocations), ZERO)
    for allocation in allocations:
        item = allocation.debit_item
        is_invoice = item.source_type == INVOICE_SOURCE
        allocation.invoice_id = item.source_id if is_invoice else None  # type: ignore[attr-defined]
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "allocations": allocations,
            "allocated": allocated,
            "unapplied": payment.amount - allocated,
            "can_issue_receipt": payment.receipt_number is None
            and can(request.user, company, Action.ALLOCATE),
        },
    )


@require_POST
@company_view(Action.ALLOCATE)
def payment_issue_receipt(request, company, payment_id: int):
    payment = _payment(request, company, payment_id, Action.ALLOCATE)
    try:
        payment = services.issue_receipt(payment, actor=request.user)
    except BusinessError as error:
        for item in error.errors:
            messages.error(request, item.message)
    else:
        messages.success(
            request, _("Receipt %(number)s issued.") % {"number": payment.receipt_reference}
        )
    return redirect("payments:detail", payment_id=payment.pk)


@company_view(Action.VIEW)
def payment_receipt(request, company, payment_id: int):
    payment = _payment(request, company, payment_id)
    if not payment.receipt_pdf:
        raise Http404(_("This payment has no receipt yet."))
    return FileResponse(
        payment.receipt_pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{payment.receipt_reference}.pdf",
    )
