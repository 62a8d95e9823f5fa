"""The set-based residuals (allocations summed once per side, grouped) give the very figures
of the per-item subquery (`with_residuals`), for every item at every date, on random
sequences of postings, allocations and reversals; and they stay one query."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from ardoise.ledger import queries
from ardoise.ledger.models import Allocation, OpenItem
from ardoise.reporting.statements import _open_rows

from .factories import CompanyFactory, CustomerFactory, member
from .test_ledger_properties import operations, run


def per_item(company, customer, as_of, *, currency=None):
    """The figures of the per-item subquery: {item id: residual}."""
    items = OpenItem.objects.filter(company=company, customer=customer)
    if currency:
        items = items.filter(currency=currency)
    return dict(queries.with_residuals(items, as_of).values_list("id", "residual"))


def dates_of(company):
    days = set(OpenItem.objects.filter(company=company).values_list("document_date", flat=True))
    days |= set(Allocation.objects.filter(company=company).values_list("effective_date", flat=True))
    return sorted(days | {day - datetime.timedelta(days=1) for day in days})


def compare(company, customers):
    for as_of in dates_of(company):
        for customer in customers:
            expected = per_item(company, customer, as_of)
            rows = queries.residuals(company, customer=customer, as_of=as_of)
            assert {item.pk: item.residual for item in rows} == expected
            assert all(isinstance(item.residual, Decimal) for item in rows)
            assert queries.balance(customer, as_of) == sum(
                (queries.signed(i.direction, i.residual) for i in rows), Decimal(0)
            )
            open_rows = _open_rows(customer, "EUR", as_of)
            assert [(row[0], row[2], row[-1]) for row in open_rows] == [
                (item.document_date, item.reference, expected[item.pk])
                for item in sorted(rows, key=lambda item: (item.document_date, item.pk))
                if expected[item.pk]
            ]
        everyone = queries.residuals(company, as_of=as_of)
        assert [item.customer_id for item in everyone] == sorted(i.customer_id for i in everyone)
        assert len(everyone) == sum(len(per_item(company, c, as_of)) for c in customers)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_set_based_residuals_equal_the_per_item_subquery(steps):
    company = CompanyFactory()
    clerk = member(company, "clerk")
    customers = [CustomerFactory(company=company), CustomerFactory(company=company)]
    run(company, clerk, customers, steps)
    compare(company, customers)


@pytest.mark.django_db
def test_an_account_is_read_in_one_query(company, django_assert_num_queries):
    customer = CustomerFactory(company=company)
    as_of = datetime.date(2026, 6, 30)
    with django_assert_num_queries(1):
        assert queries.residuals(company, customer=customer, as_of=as_of) == []
    with django_assert_num_queries(1):
        assert queries.balance(customer, as_of) == Decimal(0)
