"""Read side of invoicing: scoped, filtered lists in a constant number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet

from ardoise.core.tenancy import scoped

from .models import Invoice, InvoiceLine


def with_lines(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices with their lines and the lines' tax codes: two queries whatever the count."""
    return queryset.prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("tax_code"))
    )


def invoices_for(
    user,
    *,
    company: int | None = None,
    customer: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    q: str | None = None,
) -> QuerySet[Invoice]:
    """The invoices and credit notes the user may see, filtered; dates filter issue_date."""
    queryset = scoped(Invoice.objects.all(), user)
    if company is not None:
        queryset = queryset.filter(company_id=company)
    if customer is not None:
        queryset = queryset.filter(customer_id=customer)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if date_from:
        queryset = queryset.filter(issue_date__gte=date_from)
    if date_to:
        queryset = queryset.filter(issue_date__lte=date_to)
    if q:
        queryset = queryset.filter(number__icontains=q.strip())
    return with_lines(queryset)
