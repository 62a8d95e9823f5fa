"""Concurrent allocations of the same credit item, on PostgreSQL (real row locks).

A pair, as for every race: the control shows that "read the residual, then write the
allocation" without a lock over-allocates; the real test shows that `allocate`, which locks
both items, never lets the credit be allocated beyond its amount.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Sum

from ardoise.core.errors import InvalidInput
from ardoise.ledger import services
from ardoise.ledger.models import Allocation, OpenItem

from .factories import CompanyFactory, CustomerFactory, member

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serializes all writers, so there is no race to show",
    ),
]
THREADS = 8
DATE = datetime.date(2026, 3, 2)


def setup_account():
    company = CompanyFactory()
    clerk = member(company, "clerk")
    customer = CustomerFactory(company=company)

    def post(kind, direction, amount):
        return services.post_item(
            company,
            actor=clerk,
            customer=customer,
            kind=kind,
            direction=direction,
            amount=Decimal(amount),
            currency="EUR",
            document_date=DATE,
        )

    credit = post("payment", "credit", "100.00")
    debits = [post("invoice", "debit", "30.00") for _ in range(THREADS)]
    return clerk, credit, debits


def run_threads(work, debits):
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def target(debit):
        try:
            barrier.wait()
            work(debit)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(debit,)) for debit in debits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def allocated(credit):
    return Allocation.objects.filter(credit_item=credit).aggregate(s=Sum("amount"))["s"]


@pytest.mark.django_db(transaction=True)
def test_control_allocating_without_the_lock_over_allocates():
    clerk, credit, debits = setup_account()

    def naive(debit):
        with transaction.atomic():
            left = credit.amount - (allocated(credit) or 0)
            time.sleep(0.02)  # the work between reading and writing
            if left >= Decimal(30):
                Allocation.objects.create(
                    company_id=credit.company_id,
                    customer_id=credit.customer_id,
                    debit_item=debit,
                    credit_item=credit,
                    amount=Decimal(30),
                    entry_date=DATE,
                    effective_date=DATE,
                    lettering="ZZ",
                    rule="explicit",
                )

    assert run_threads(naive, debits) == []
    assert allocated(credit) > credit.amount, "without a lock, concurrent allocations over-allocate"


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_over_allocate():
    clerk, credit, debits = setup_account()

    def allocate(debit):
        actor = get_user_model().objects.get(pk=clerk.pk)
        item = OpenItem.objects.get(pk=credit.pk)
        services.allocate(actor=actor, debit_item=debit, credit_item=item, amount=Decimal(30))

    errors = run_threads(allocate, debits)
    assert allocated(credit) == Decimal(90)
    assert Allocation.objects.filter(credit_item=credit).count() == 3
    assert len(errors) == THREADS - 3
    assert all(
        isinstance(e, InvalidInput) and e.errors[0].rule == "exceeds_residual" for e in errors
    )
    letters = list(
        Allocation.objects.filter(credit_item=credit).values_list("lettering", flat=True)
    )
    assert sorted(letters) == ["AA", "AB", "AC"]
