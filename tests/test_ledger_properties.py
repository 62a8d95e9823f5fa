"""Property: any random sequence of invoices, credit notes, payments, allocations and
reversals keeps, for every customer at every date, balance = Σ residuals = Σ debits − Σ
credits posted by then, every residual between zero and its item's amount, and the
aged-balance total equal to the balance."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.core.errors import Conflict, InvalidInput
from ardoise.ledger import queries, services
from ardoise.ledger.models import Allocation, OpenItem

from .factories import CompanyFactory, CustomerFactory, member

START = datetime.date(2026, 1, 1)
CENTS = Decimal("0.01")

post = st.tuples(
    st.sampled_from(["invoice", "credit_note", "payment"]),
    st.integers(0, 1),  # customer
    st.integers(1, 50_000),  # cents
    st.integers(0, 60),  # day
)
allocate = st.tuples(
    st.just("allocate"),
    st.integers(0, 50),  # debit pick
    st.integers(0, 50),  # credit pick
    st.integers(1, 120),  # percent of the smaller residual today
)
reverse = st.tuples(st.just("reverse"), st.integers(0, 50), st.integers(0, 30), st.just(0))
operations = st.lists(st.one_of(post, post, allocate, allocate, reverse), min_size=1, max_size=25)


def run(company, clerk, customers, steps):
    for kind, first, second, third in steps:
        if kind in ("invoice", "credit_note", "payment"):
            debit = kind == "invoice"
            services.post_item(
                company,
                actor=clerk,
                customer=customers[first],
                kind=kind,
                direction="debit" if debit else "credit",
                amount=Decimal(second) * CENTS,
                currency="EUR",
                document_date=START + datetime.timedelta(days=third),
            )
            continue
        items = list(OpenItem.objects.filter(company=company).order_by("id"))
        try:
            if kind == "allocate":
                debits = [i for i in items if i.direction == "debit"]
                credits = [i for i in items if i.direction == "credit"]
                if not debits or not credits:
                    continue
                debit, credit = debits[first % len(debits)], credits[second % len(credits)]
                left = min(services.residual_now(debit), services.residual_now(credit))
                amount = (left * third / 100).quantize(CENTS)
                services.allocate(actor=clerk, debit_item=debit, credit_item=credit, amount=amount)
            else:
                allocations = list(Allocation.objects.filter(company=company).order_by("id"))
                if not allocations:
                    continue
                chosen = allocations[first % len(allocations)]
                date = chosen.effective_date + datetime.timedelta(days=second)
                services.reverse_allocation(chosen, actor=clerk, date=date)
        except (InvalidInput, Conflict):
            pass  # refused: over a residual, other customer, zero, reversed twice, ...


def check(company, customers):
    items = list(OpenItem.objects.filter(company=company))
    allocations = list(Allocation.objects.filter(company=company))
    dates = {START - datetime.timedelta(days=1)}
    for date in [i.document_date for i in items] + [a.effective_date for a in allocations]:
        dates |= {date - datetime.timedelta(days=1), date}
    for as_of in sorted(dates):
        aged = {row.customer_id: row.total for row in queries.aged_balance(company, as_of=as_of)}
        for customer in customers:
            rows = list(queries.residuals(company, customer=customer, as_of=as_of))
            for row in rows:
                assert 0 <= row.residual <= row.amount, (as_of, row, row.residual)
            posted = sum(
                (
                    queries.signed(i.direction, i.amount)
                    for i in items
                    if i.customer_id == customer.pk and i.document_date <= as_of
                ),
                Decimal(0),
            )
            balance = queries.balance(customer, as_of)
            assert (
                balance
                == posted
                == sum((queries.signed(r.direction, r.residual) for r in rows), Decimal(0))
            )
            assert aged.get(customer.pk, Decimal(0)) == balance


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_random_ledger_sequences_keep_the_ledger_balanced(steps):
    company = CompanyFactory()
    clerk = member(company, "clerk")
    customers = [CustomerFactory(company=company), CustomerFactory(company=company)]
    run(company, clerk, customers, steps)
    check(company, customers)
