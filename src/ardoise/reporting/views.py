"""Staff page of the aged balance (balance âgée): as of any date, per customer and currency,
with a drill-down from each amount to the customer's account filtered to that bucket."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.core.errors import BusinessError
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped, require
from ardoise.core.web import company_view
from ardoise.ledger.queries import aged_balance
from ardoise.ledger.views import bucket_titles, parse_buckets, parse_date
from ardoise.parties.models import Customer

from .exports import to_csv, to_xlsx
from .services import billing_recipient, send_statement
from .statement_files import FORMATS, statement_file
from .statements import check_period, customer_statement

ZERO = Decimal(0)
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _totals(rows) -> list[dict]:
    """One totals row per currency: amounts in different currencies are never added."""
    totals: dict[str, list[Decimal]] = {}
    for row in rows:
        sums = totals.setdefault(row.currency, [ZERO] * (len(row.amounts) + 1))
        for index, value in enumerate((*row.amounts, row.total)):
            sums[index] += value
    return [
        {"currency": cur, "amounts": sums[:-1], "total": sums[-1]}
        for cur, sums in sorted(totals.items())
    ]


def _report(request, company) -> dict:
    params = request.GET
    as_of = parse_date(params.get("as_of"), timezone.localdate())
    basis = params.get("basis") if params.get("basis") == "document_date" else "due_date"
    buckets = parse_buckets(params.get("buckets"))
    business_line = params.get("business_line", "").strip()
    rows = aged_balance(
        company, as_of=as_of, basis=basis, buckets=buckets, business_line=business_line or None
    )
    lines = sorted(
        set(
            Customer.objects.filter(company=company)
            .exclude(business_line="")
            .values_list("business_line", flat=True)
        )
    )
    return {
        "rows": rows,
        "totals": _totals(rows),
        "titles": bucket_titles(buckets),
        "as_of": as_of,
        "basis": basis,
        "buckets": ",".join(str(b) for b in buckets),
        "business_line": business_line,
        "business_lines": lines,
    }


@company_view(Action.VIEW)
def aged_balance_page(request, company):
    context = _report(request, company)
    query = request.GET.copy()
    query.pop("format", None)
    context["export_url"] = reverse("reporting:aged-balance-export")
    context["export_query"] = query.urlencode()
    return render(request, "reporting/aged_balance.html", context)


def _exact(amounts, currency: str) -> list[Decimal]:
    """Amounts written with the currency's minor unit (600 → 600.00)."""
    try:
        return [quantize(amount, currency) for amount in amounts]
    except ValueError:
        return list(amounts)


@company_view(Action.VIEW)
def aged_balance_export(request, company):
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_TYPES:
        raise Http404("No such export.")
    report = _report(request, company)
    headers = [_("Customer code"), _("Customer"), _("Currency"), *report["titles"], _("Total")]
    rows = [
        [row.code, row.name, row.currency, *_exact([*row.amounts, row.total], row.currency)]
        for row in report["rows"]
    ]
    name = f"aged-balance-{report['as_of'].isoformat()}.{fmt}"
    if fmt == "csv":
        content = to_csv(headers, rows)
    else:
        totals = report["totals"]
        total_row = None
        if len(totals) == 1:
            only = totals[0]
            cur = only["currency"]
            total_row = [_("Total"), "", cur, *_exact([*only["amounts"], only["total"]], cur)]
        content = to_xlsx(
            _("Aged balance"),
            headers,
            rows,
            totals=total_row,
            number_columns=range(3, len(headers)),
        )
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _period(request) -> tuple:
    """The statement period from the query (default: the last three months up to today)."""
    date_to = parse_date(request.GET.get("to"), timezone.localdate())
    default_from = (date_to.replace(day=1) - datetime.timedelta(days=62)).replace(day=1)
    return parse_date(request.GET.get("from"), default_from), date_to


@company_view(Action.VIEW)
def statement_page(request, company, customer_id: int):
    """The customer's statement for a period: summary on screen, PDF/CSV/Excel downloads,
    and sending it by email to the customer's billing contact."""
    customer = get_scoped(Customer.objects.select_related("company"), request.user, customer_id)
    if customer.company_id != company.pk:
        raise Http404("No such customer in this company.")
    date_from, date_to = _period(request)
    try:
        check_period(date_from, date_to)
    except BusinessError as error:
        messages.error(request, error.message)
        date_from = date_to
    statement = customer_statement(customer, date_from=date_from, date_to=date_to)
    file_format = request.GET.get("format", "")
    if file_format in FORMATS:
        content, content_type, name = statement_file(statement, customer.code, file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if request.method == "POST":
        return _send(request, customer, date_from, date_to)
    return render(
        request,
        "reporting/statement.html",
        {
            "customer": customer,
            "statement": statement,
            "can_send": can(request.user, company, Action.ALLOCATE),
            "recipient": _recipient(customer),
        },
    )


def _recipient(customer) -> str:
    try:
        return billing_recipient(customer)
    except BusinessError:
        return ""


def _send(request, customer, date_from, date_to):
    require(request.user, customer.company_id, Action.ALLOCATE)
    try:
        sent = send_statement(customer, actor=request.user, date_from=date_from, date_to=date_to)
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Statement sent to %(recipient)s.") % {"recipient": sent.recipient}
        )
    url = reverse("reporting:statement", args=[customer.pk])
    return redirect(f"{url}?from={date_from.isoformat()}&to={date_to.isoformat()}")
