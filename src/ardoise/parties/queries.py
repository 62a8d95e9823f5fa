"""Look-ups of customers: search and filters, set-based (one SQL query, no per-row queries)."""

import re

from django.db import models
from django.db.models import Q

from .models import Contact, Customer

SEPARATORS = re.compile(r"[\s.\-/]")


def search_customers(queryset: models.QuerySet[Customer], q: str | None):
    """Customers whose code, names, identifiers, email or a contact's email contain `q`.

    Identifiers are also matched without separators, so "732 829 320" finds 732829320.
    Contacts are matched through a subquery, so a customer never comes back twice."""
    q = (q or "").strip()
    if not q:
        return queryset
    condition = (
        Q(code__icontains=q)
        | Q(legal_name__icontains=q)
        | Q(trade_name__icontains=q)
        | Q(identifiers_text__icontains=q)
        | Q(email__icontains=q)
        | Q(pk__in=Contact.objects.filter(email__icontains=q).values("customer_id"))
    )
    compact = SEPARATORS.sub("", q)
    if compact and compact != q:
        condition |= Q(identifiers_text__icontains=compact)
    return queryset.filter(condition)


def filter_customers(
    queryset: models.QuerySet[Customer],
    *,
    q: str | None = None,
    country: str | None = None,
    business_line: str | None = None,
    active: bool | None = None,
) -> models.QuerySet[Customer]:
    queryset = search_customers(queryset, q)
    if country:
        queryset = queryset.filter(country=country.strip().upper())
    if business_line:
        queryset = queryset.filter(business_line=business_line.strip())
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset
