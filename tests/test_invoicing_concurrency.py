"""Gapless numbering under concurrent issue, on PostgreSQL (real row locks).

A pair, as for every race: the control shows that numbering without the lock ("read the
highest number, write it + 1") does collide; the real test shows that `issue_invoice`, which
takes the sequence row lock, gives 1..N with no gap and no duplicate.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from ardoise.core.models import DocumentSequence
from ardoise.invoicing import services
from ardoise.invoicing.models import Invoice, InvoiceLine

from .factories import CompanyFactory, CustomerFactory, TaxCodeFactory, member
from .test_invoicing_services import media_root

__all__ = ["media_root"]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serializes all writers, so there is no race to show",
    ),
]
THREADS = 8
DRAFTS = 400


def make_drafts(count: int):
    """One draft through the service, then copies of it in bulk (same lines and totals)."""
    company = CompanyFactory()
    clerk = member(company, "clerk")
    customer = CustomerFactory(company=company)
    TaxCodeFactory(company=company, code="S20", rate=Decimal("20"))
    first = services.create_draft(
        company,
        actor=clerk,
        customer=customer,
        lines=[{"description": "Service", "quantity": "1", "unit_price": "10", "tax_code": "S20"}],
    )
    line = first.lines.get()
    copies = Invoice.objects.bulk_create(
        [
            Invoice(
                company=company,
                customer=customer,
                currency="EUR",
                total_net=first.total_net,
                total_tax=first.total_tax,
                total=first.total,
                tax_breakdown=first.tax_breakdown,
            )
            for _ in range(count - 1)
        ]
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=copy,
                position=1,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_code_id=line.tax_code_id,
                tax_category=line.tax_category,
                tax_rate=line.tax_rate,
                net_amount=line.net_amount,
            )
            for copy in copies
        ]
    )
    return company, clerk, [first.pk, *(c.pk for c in copies)]


def run_threads(work, ids):
    """Run work(ids_slice) in THREADS threads, each on its own connection; collect errors."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def target(part):
        try:
            barrier.wait()
            work(part)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(ids[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_control_naive_numbering_collides_without_the_lock():
    company, _clerk, ids = make_drafts(THREADS * 6)
    collisions: list[int] = []

    def naive(part):
        for pk in part:
            try:
                with transaction.atomic():
                    highest = Invoice.objects.filter(
                        company=company, kind="invoice", sequence_year=2026
                    ).aggregate(m=Max("sequence_number"))["m"]
                    time.sleep(0.005)  # the work between reading and writing (PDF, ...)
                    Invoice.objects.filter(pk=pk).update(
                        sequence_year=2026, sequence_number=(highest or 0) + 1
                    )
            except IntegrityError:
                collisions.append(pk)

    assert run_threads(naive, ids) == []
    assert collisions, "without a lock, concurrent numbering collides"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_numbers_are_gapless_and_unique():
    company, clerk, ids = make_drafts(DRAFTS)

    def issue(part):
        actor = get_user_model().objects.get(pk=clerk.pk)
        for pk in part:
            services.issue_invoice(Invoice(pk=pk, company_id=company.pk), actor=actor)

    started = time.monotonic()
    errors = run_threads(issue, ids)
    assert errors == []
    numbers = list(
        Invoice.objects.filter(company=company).values_list("sequence_number", flat=True)
    )
    assert sorted(numbers) == list(range(1, DRAFTS + 1))
    assert Invoice.objects.filter(company=company, status="issued").count() == DRAFTS
    assert len(set(Invoice.objects.values_list("number", flat=True))) == DRAFTS
    assert DocumentSequence.objects.get(company=company, kind="invoice").last_number == DRAFTS
    assert time.monotonic() - started < 60
