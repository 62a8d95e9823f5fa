"""Staff page of the aged balance (balance âgée): as of any date, per customer and currency,
with a drill-down from each amount to the customer's account filtered to that bucket."""

from __future__ import annotations

import importlib
import importlib.util
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.web import company_view
from ardoise.ledger.queries import aged_balance
from ardoise.ledger.views import bucket_titles, parse_buckets, parse_date
from ardoise.parties.models import Customer

ZERO = Decimal(0)
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _exports():
    """The shared CSV/Excel writers, when the reporting package has them."""
    if importlib.util.find_spec("ardoise.reporting.exports") is None:
        return None
    return importlib.import_module("ardoise.reporting.exports")


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
    if _exports() is not None:
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
    exports = _exports()
    fmt = request.GET.get("format", "csv")
    if exports is None or fmt not in EXPORT_TYPES:
        raise Http404("No such export.")
    report = _report(request, company)
    headers = [_("Customer code"), _("Customer"), _("Currency"), *report["titles"], _("Total")]
    rows = [
        [row.code, row.name, row.currency, *_exact([*row.amounts, row.total], row.currency)]
        for row in report["rows"]
    ]
    name = f"aged-balance-{report['as_of'].isoformat()}.{fmt}"
    if fmt == "csv":
        content = exports.to_csv(headers, rows)
    else:
        totals = report["totals"]
        total_row = None
        if len(totals) == 1:
            only = totals[0]
            cur = only["currency"]
            total_row = [_("Total"), "", cur, *_exact([*only["amounts"], only["total"]], cur)]
        content = exports.to_xlsx(
            _("Aged balance"),
            headers,
            rows,
            totals=total_row,
            number_columns=range(3, len(headers)),
        )
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
