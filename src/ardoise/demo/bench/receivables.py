"""Receivables (issue 3): payments recorded and auto-allocated one by one and in batches,
aged balances over 100,000 and 1,000,000 open items, statement PDFs, on a company of their
own seeded with synthetic open items."""

import datetime
import resource
import statistics
import time
from decimal import Decimal

RECEIVABLES_CUSTOMERS = 2_000
RECEIVABLES_ITEMS = 100_000
LARGE_ITEMS = 1_000_000
SEED_BATCH = 50_000
STATEMENT_MOVEMENTS = 20
# A full run of the payments is cut to this many when it would take longer than this.
PAYMENTS_FALLBACK = 5_000
PAYMENTS_MAX_SECONDS = 300
# Payments recorded one by one before the batches, and the size of a batch.
SINGLE_PAYMENTS = 2_000
PAYMENTS_BATCH = 1_000


def _seed_items(company, customers, count: int, start: int, as_of: datetime.date) -> None:
    """Synthetic open debit items (invoices) inserted with bulk_create, in batches of
    SEED_BATCH: no validation, no audit record (load, not bookkeeping)."""
    from ardoise.ledger.models import Direction, ItemKind, OpenItem

    done = 0
    while done < count:
        batch = []
        for n in range(start + done, start + min(count, done + SEED_BATCH)):
            document_date = as_of - datetime.timedelta(days=n % 180)
            batch.append(
                OpenItem(
                    company=company,
                    customer=customers[n % len(customers)],
                    kind=ItemKind.INVOICE,
                    direction=Direction.DEBIT,
                    amount=Decimal(100 + n % 50),
                    currency=company.currency,
                    document_date=document_date,
                    due_date=document_date + datetime.timedelta(days=30),
                    reference=f"BENCH-{n + 1:07d}",
                )
            )
        OpenItem.objects.bulk_create(batch, batch_size=5_000)
        done += len(batch)


def _analyze() -> None:
    """Fresh planner statistics after the synthetic load, as autovacuum would gather them
    within a minute: without them PostgreSQL plans the first open-debits query of a batch
    for empty tables (seconds instead of a tenth)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure_aged(company, as_of: datetime.date, runs: int = 3) -> dict:
    import tracemalloc

    from ardoise.ledger.models import OpenItem
    from ardoise.ledger.queries import aged_balance

    timings = []
    rows: list = []
    for _ in range(runs):
        start = time.perf_counter()
        rows = aged_balance(company, as_of=as_of)
        timings.append(time.perf_counter() - start)
    # Peak memory on a separate run: tracemalloc slows the call it watches.
    tracemalloc.start()
    aged_balance(company, as_of=as_of)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "items": OpenItem.objects.filter(company=company).count(),
        "customers": len(rows),
        "median_seconds": round(statistics.median(timings), 3),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _statement_customer(company, template, as_of: datetime.date):
    """A customer with STATEMENT_MOVEMENTS movements in the month: invoices and payments."""
    from ardoise.ledger.models import Direction, ItemKind, OpenItem
    from ardoise.parties.models import Customer

    customer = _clone_customers(template, 1, prefix="S")[0]
    first = as_of - datetime.timedelta(days=STATEMENT_MOVEMENTS)
    items = []
    for n in range(STATEMENT_MOVEMENTS):
        paid = n % 3 == 2
        document_date = first + datetime.timedelta(days=n)
        items.append(
            OpenItem(
                company=company,
                customer=customer,
                kind=ItemKind.PAYMENT if paid else ItemKind.INVOICE,
                direction=Direction.CREDIT if paid else Direction.DEBIT,
                amount=Decimal("150.00") if paid else Decimal("120.00") + n,
                currency=company.currency,
                document_date=document_date,
                due_date=None if paid else document_date + datetime.timedelta(days=30),
                reference=f"ST-{n + 1:03d}",
            )
        )
    OpenItem.objects.bulk_create(items)
    return Customer.objects.get(pk=customer.pk), first


def _clone_customers(template, count: int, prefix: str) -> list:
    from ardoise.parties.models import Customer

    skip = {"id", "code", "legal_name", "created_at", "updated_at"}
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Customer._meta.concrete_fields
        if f.attname not in skip
    }
    return Customer.objects.bulk_create(
        [
            Customer(code=f"{prefix}{n + 1:05d}", legal_name=f"Client {prefix}{n + 1}", **fields)
            for n in range(count)
        ],
        batch_size=1_000,
    )


def _payment(customer, today: datetime.date) -> dict:
    return {
        "customer": customer,
        "amount": Decimal("150.00"),
        "currency": customer.currency,
        "date": today,
        "method": "transfer",
        "auto": True,
    }


def _allocations(company) -> int:
    from ardoise.ledger.models import Allocation

    return Allocation.objects.filter(company=company).count()


def _rates(count: int, allocations: int, elapsed: float) -> dict:
    return {
        "count": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        "allocations": allocations,
        "allocations_per_second": round(allocations / elapsed, 1),
    }


def _measure_single_payments(company, clerk, customers, asked: int, today) -> dict:
    from ardoise.payments.services import record_payment

    before = _allocations(company)
    probe = min(asked, 500)
    target = asked
    done = 0
    start = time.perf_counter()
    while done < target:
        record_payment(company, actor=clerk, **_payment(customers[done % len(customers)], today))
        done += 1
        if done == probe and target > PAYMENTS_FALLBACK:
            estimate = (time.perf_counter() - start) / probe * target
            if estimate > PAYMENTS_MAX_SECONDS:
                target = PAYMENTS_FALLBACK
    elapsed = time.perf_counter() - start
    result = _rates(done, _allocations(company) - before, elapsed)
    return {"asked": asked, "cut": done < asked, **result}


def _measure_batch_payments(company, clerk, customers, asked: int, today) -> dict:
    """`record_payments` in batches of PAYMENTS_BATCH, one transaction each; then one more
    batch under tracemalloc (not timed) for its peak memory."""
    import tracemalloc

    from ardoise.payments.batch import record_payments

    def specs(offset: int, count: int) -> list[dict]:
        return [_payment(customers[(offset + n) % len(customers)], today) for n in range(count)]

    before = _allocations(company)
    done = 0
    start = time.perf_counter()
    while done < asked:
        count = min(PAYMENTS_BATCH, asked - done)
        record_payments(company, specs(done, count), actor=clerk)
        done += count
    elapsed = time.perf_counter() - start
    result = _rates(done, _allocations(company) - before, elapsed)
    tracemalloc.start()
    record_payments(company, specs(done, PAYMENTS_BATCH), actor=clerk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        **result,
        "batch": PAYMENTS_BATCH,
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_receivables(payments: int, large: bool, singles: int = SINGLE_PAYMENTS) -> dict:
    """Payments recorded and allocated, aged balance and statements, on a company of their
    own (so the counts are exact)."""
    import random

    from django.utils import timezone

    from ardoise.demo import data
    from ardoise.demo.generate import clerk_of, make_company, make_customers
    from ardoise.reporting.statement_pdf import render_statement
    from ardoise.reporting.statements import customer_statement

    results: dict = {}
    rng = random.Random(2)
    company = make_company(data.COMPANIES[2], log=lambda *_: None)
    clerk = clerk_of(company)
    template = make_customers(company, 1, rng)[0]
    customers = _clone_customers(template, RECEIVABLES_CUSTOMERS, prefix="R")
    today = timezone.localdate()

    start = time.perf_counter()
    _seed_items(company, customers, RECEIVABLES_ITEMS, 0, today)
    results["seed_seconds"] = round(time.perf_counter() - start, 2)
    _analyze()

    # (a) Payments, auto-allocated (oldest due first): 150.00 each, so most cover one
    # invoice and part of the next. First one by one with record_payment (cut to
    # PAYMENTS_FALLBACK when the full count would take longer than PAYMENTS_MAX_SECONDS at
    # the rate of the first payments), then in batches with record_payments.
    results["payments"] = _measure_single_payments(company, clerk, customers, singles, today)
    results["payments_batch"] = _measure_batch_payments(company, clerk, customers, payments, today)

    # (b) Aged balance over the 100,000 invoices (plus the payments' credit items).
    results["aged_100k"] = _measure_aged(company, today)

    # (c) Statement PDFs.
    customer, first = _statement_customer(company, template, today)
    statement = customer_statement(customer, date_from=first, date_to=today)
    render_statement(statement)  # warm fonts
    timings = []
    for _ in range(50):
        begin = time.perf_counter()
        render_statement(statement)
        timings.append(time.perf_counter() - begin)
    median = statistics.median(timings)
    results["statement_pdf"] = {
        "movements": len(statement.movements),
        "median_ms": round(median * 1000, 2),
        "per_second": round(1 / median, 1),
    }

    if large:
        count = LARGE_ITEMS - RECEIVABLES_ITEMS
        start = time.perf_counter()
        _seed_items(company, customers, count, RECEIVABLES_ITEMS, today)
        results["seed_large_seconds"] = round(time.perf_counter() - start, 2)
        results["aged_1m"] = _measure_aged(company, today)
    return results
