"""`make bench`: measure issuing and PDF rendering on SQLite and PostgreSQL, write BENCHMARKS.md.

Each database runs in its own child process (its own Django settings) on a database made for
the run: var/bench.sqlite3 and the PostgreSQL database `ardoise_bench`, both recreated.
Figures are medians of repeated runs where a run is short, wall-clock rates where it is long.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[4]
VAR = ROOT / "var"
PG_URL = os.environ.get(
    "ARDOISE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ardoise_bench"
)


def _recreate_postgres(url: str) -> bool:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            dbname="postgres",
            autocommit=True,
            connect_timeout=3,
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
        return True
    except psycopg.OperationalError as error:
        print(f"PostgreSQL unreachable, skipped: {error}", file=sys.stderr)
        return False


def _pdf_documents():
    from ardoise.invoicing.pdf import PdfDocument, PdfLine, PdfTaxRow

    seller = {
        "legal_name": "Atelier Ardoise SAS",
        "legal_form": "SAS",
        "share_capital": "50 000 €",
        "address_line1": "12 rue des Lilas",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
        "email": "facturation@atelier.example",
        "identifiers": {"siren": "732829320", "vat": "FR44732829320", "rcs": "Paris"},
        "bank_accounts": [
            {"label": "Compte", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"}
        ],
    }
    buyer = {
        "code": "C00001",
        "legal_name": "Boulangerie Martin SARL",
        "identifiers": {"siren": "552100554"},
        "billing_address": {
            "line1": "5 avenue de la Gare",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "FR",
        },
    }

    def document(line_count: int, language: str) -> "PdfDocument":
        lines = tuple(
            PdfLine(
                description=f"Prestation de conseil n° {n + 1}",
                quantity=Decimal(n % 5 + 1),
                unit_code="HUR",
                unit_price=Decimal("95.00"),
                tax_rate=Decimal(20),
                net_amount=Decimal(95 * (n % 5 + 1)).quantize(Decimal("0.01")),
            )
            for n in range(line_count)
        )
        net = sum((line.net_amount for line in lines), Decimal(0))
        tax = (net * Decimal("0.2")).quantize(Decimal("0.01"))
        return PdfDocument(
            kind="invoice",
            number="FA-2026-000123",
            issue_date=datetime.date(2026, 11, 27),
            due_date=datetime.date(2026, 12, 27),
            currency="EUR",
            language=language,
            seller=seller,
            buyer=buyer,
            lines=lines,
            tax_breakdown=(PdfTaxRow("S", Decimal(20), net, tax),),
            total_net=net,
            total_tax=tax,
            total=net + tax,
            legal_mentions=("Pas d'escompte pour paiement anticipé.",),
            amount_in_words="montant en lettres",
        )

    return document


def measure_pdf(repeat: int) -> dict:
    from ardoise.invoicing.pdf import render_pdf

    document = _pdf_documents()
    results = {}
    for lines in (3, 20):
        for language in ("fr", "ar"):
            doc = document(lines, language)
            render_pdf(doc)  # warm fonts
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                render_pdf(doc)
                timings.append(time.perf_counter() - start)
            median = statistics.median(timings)
            results[f"pdf_{lines}_lines_{language}"] = {
                "median_ms": round(median * 1000, 2),
                "per_second": round(1 / median, 1),
            }
    return results


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


def run_backend(invoices: int, singles: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
    django.setup()
    import random

    from django.core.management import call_command
    from django.db import connection

    from ardoise.demo import data
    from ardoise.demo.generate import clerk_of, make_company, make_customers, make_products
    from ardoise.invoicing.models import Invoice
    from ardoise.invoicing.services import create_draft, issue_invoice, issue_many
    from ardoise.invoicing.services.batch import BatchStats

    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    company = make_company(data.COMPANIES[0], log=lambda *_: None)
    products = make_products(company)
    customers = make_customers(company, 200, rng)
    clerk = clerk_of(company)
    results: dict = {"vendor": connection.vendor}

    start = time.perf_counter()
    for n in range(invoices + singles):
        create_draft(
            company,
            actor=clerk,
            customer=customers[n % len(customers)],
            lines=[{"product": p, "quantity": Decimal(n % 7 + 1)} for p in products[:3]],
        )
    elapsed = time.perf_counter() - start
    results["drafts_created_per_second"] = round((invoices + singles) / elapsed, 1)

    drafts = list(Invoice.objects.filter(company=company, status="draft").order_by("id"))
    start = time.perf_counter()
    for invoice in drafts[:singles]:
        issue_invoice(invoice, actor=clerk)
    elapsed = time.perf_counter() - start
    results["single_issue"] = {
        "count": singles,
        "seconds": round(elapsed, 2),
        "per_second": round(singles / elapsed, 1),
    }

    batch = drafts[singles:]
    stats = BatchStats()
    issue_many(batch, actor=clerk, stats=stats)
    results["batch_issue"] = {
        "count": len(batch),
        "seconds": round(stats.total_seconds, 2),
        "per_second": round(len(batch) / stats.total_seconds, 1),
        "numbering_seconds": round(stats.numbering_seconds, 2),
        "numbered_per_second": round(len(batch) / stats.numbering_seconds, 1),
    }
    results["pdfs_archived"] = not Invoice.objects.filter(
        company=company, status="issued", pdf_sha256=""
    ).exists()
    # Every issued document has its sequence number.
    numbers = sorted(
        cast(
            "Iterable[int]",
            Invoice.objects.filter(company=company, status="issued").values_list(
                "sequence_number", flat=True
            ),
        )
    )
    results["numbers_gapless"] = numbers == list(range(1, len(numbers) + 1))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def child(
    backend: str,
    invoices: int,
    singles: int,
    payments: int,
    large: bool,
    single_payments: int = SINGLE_PAYMENTS,
    receivables_only: bool = False,
) -> None:
    os.environ["ARDOISE_TESTING"] = "1"
    if receivables_only:
        import django
        from django.core.management import call_command
        from django.db import connection

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
        django.setup()
        call_command("migrate", verbosity=0)
        results: dict = {"vendor": connection.vendor}
    else:
        results = run_backend(invoices, singles)
    results["receivables"] = run_receivables(payments, large, single_payments)
    print("BENCH-RESULT " + json.dumps(results))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def spawn(
    backend: str,
    url: str,
    invoices: int,
    singles: int,
    payments: int,
    large: bool,
    single_payments: int = SINGLE_PAYMENTS,
    receivables_only: bool = False,
) -> dict | None:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        ARDOISE_TESTING="1",
        ARDOISE_MEDIA_ROOT=str(VAR / f"bench-media-{backend}"),
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "ardoise.demo.bench",
            "--child",
            backend,
            "--invoices",
            str(invoices),
            "--singles",
            str(singles),
            "--payments",
            str(payments),
            "--single-payments",
            str(single_payments),
            *(() if large else ("--no-large",)),
            *(("--receivables-only",) if receivables_only else ()),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
    return None


def render_markdown(when: str, sizes: dict, pdf: dict, backends: dict) -> str:
    rows = [
        "| measure | " + " | ".join(backends) + " |",
        "| --- | " + " | ".join("---" for _ in backends) + " |",
    ]

    def row(label, pick):
        rows.append(
            f"| {label} | "
            + " | ".join(pick(r) if r else "failed" for r in backends.values())
            + " |"
        )

    row(
        "drafts created /s (3 lines, via create_draft)",
        lambda r: str(r["drafts_created_per_second"]),
    )
    row(
        f"single issue /s ({sizes['singles']} invoices, one transaction each)",
        lambda r: str(r["single_issue"]["per_second"]),
    )
    row(
        f"batch issue, numbered and committed /s ({sizes['invoices']} drafts, phase 1)",
        lambda r: (
            f"{r['batch_issue']['numbered_per_second']} ({r['batch_issue']['numbering_seconds']} s)"
        ),
    )
    row(
        f"batch issue with archived PDFs /s ({sizes['invoices']} drafts, issue_many)",
        lambda r: f"{r['batch_issue']['per_second']} ({r['batch_issue']['seconds']} s)",
    )
    row("every PDF archived after the run", lambda r: "yes" if r["pdfs_archived"] else "NO")
    row("numbers gapless after the run", lambda r: "yes" if r["numbers_gapless"] else "NO")
    row("peak RSS of the issuing run (MB)", lambda r: str(r["peak_rss_mb"]))
    pdf_rows = "\n".join(
        f"| {name.replace('_', ' ')} | {v['median_ms']} ms | {v['per_second']} |"
        for name, v in pdf.items()
    )
    receivables = render_receivables(sizes, backends)
    return f"""## Run of {when}

Machine: {sizes["machine"]}.

### Issuing

{chr(10).join(rows)}

Every issued invoice gets its gapless number, snapshots, legal mentions, an audit record
and its archived PDF with SHA-256.

### PDF rendering (reportlab, fonts embedded; median of {sizes["pdf_repeat"]} renders, one core)

| document | median | PDFs/s |
| --- | --- | --- |
{pdf_rows}

{receivables}"""


def _rec(result: dict | None) -> dict | None:
    return result.get("receivables") if result else None


def render_receivables(sizes: dict, backends: dict) -> str:
    rows = [
        "| measure | " + " | ".join(backends) + " |",
        "| --- | " + " | ".join("---" for _ in backends) + " |",
    ]

    def row(label, pick):
        cells = []
        for result in backends.values():
            rec = _rec(result)
            try:
                cells.append(pick(rec) if rec else "failed")
            except KeyError:
                cells.append("not run")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    def aged(key: str, label: str) -> None:
        row(
            f"aged balance over {label}: median of 3 (s)",
            lambda r: f"{r[key]['median_seconds']} ({r[key]['items']:,} items)",
        )
        row(
            f"aged balance over {label}: tracemalloc peak / process max RSS (MB)",
            lambda r: f"{r[key]['tracemalloc_peak_mb']} / {r[key]['peak_rss_mb']}",
        )

    row(
        f"seeding {RECEIVABLES_ITEMS:,} open invoices over {RECEIVABLES_CUSTOMERS:,} customers (s)",
        lambda r: str(r["seed_seconds"]),
    )
    row(
        "payments recorded and auto-allocated one by one /s (record_payment auto=True)",
        lambda r: (
            f"{r['payments']['per_second']} ({r['payments']['count']:,} in {r['payments']['seconds']} s)"
        ),
    )
    row(
        "allocations made one by one /s (same run)",
        lambda r: f"{r['payments']['allocations_per_second']} ({r['payments']['allocations']:,})",
    )
    row(
        f"payments recorded and auto-allocated in batches /s (record_payments, {PAYMENTS_BATCH:,} a transaction)",
        lambda r: (
            f"{r['payments_batch']['per_second']} ({r['payments_batch']['count']:,} in {r['payments_batch']['seconds']} s)"
        ),
    )
    row(
        "allocations made in batches /s (same run)",
        lambda r: (
            f"{r['payments_batch']['allocations_per_second']} ({r['payments_batch']['allocations']:,})"
        ),
    )
    row(
        f"one batch of {PAYMENTS_BATCH:,} payments: tracemalloc peak / process max RSS (MB)",
        lambda r: (
            f"{r['payments_batch']['tracemalloc_peak_mb']} / {r['payments_batch']['peak_rss_mb']}"
        ),
    )
    aged("aged_100k", f"{RECEIVABLES_ITEMS:,} invoices and the payments")
    row(
        f"statement PDFs /s ({STATEMENT_MOVEMENTS} movements, median of 50 renders)",
        lambda r: f"{r['statement_pdf']['per_second']} ({r['statement_pdf']['median_ms']} ms)",
    )
    row(
        f"seeding up to {LARGE_ITEMS:,} items, batches of {SEED_BATCH:,} (s)",
        lambda r: str(r["seed_large_seconds"]),
    )
    aged("aged_1m", f"{LARGE_ITEMS:,} items")
    cut = [
        name
        for name, result in backends.items()
        if (rec := _rec(result)) and rec["payments"]["cut"]
    ]
    note = ""
    if cut:
        note = (
            f"\n\nPayments one by one: {sizes['single_payments']:,} were asked for, but at the "
            f"rate of the first 500 they would have taken more than "
            f"{PAYMENTS_MAX_SECONDS // 60} minutes on {' and '.join(cut)}, so the rate there was "
            f"measured on {PAYMENTS_FALLBACK:,} payments."
        )
    return f"""### Receivables (issue 3)

A company of its own: {RECEIVABLES_ITEMS:,} open invoices (100-149 each, due over the last
six months) over {RECEIVABLES_CUSTOMERS:,} customers, then payments of 150.00, allocated
automatically (oldest due first: most settle one invoice and part of the next): first
{sizes["single_payments"]:,} one by one with `record_payment(..., auto=True)`, then
{sizes["payments"]:,} in batches of {PAYMENTS_BATCH:,} with `payments.batch.record_payments`
(one transaction a batch; the same rows, allocations and audit events as one by one). Then
the aged balance as of today (`ledger.queries.aged_balance`, all customers), the statement
PDF of a customer with {STATEMENT_MOVEMENTS} movements, and the aged balance again after more
items bring the company to {LARGE_ITEMS:,}. Synthetic load: the open items are inserted with
`bulk_create` directly (batches of {SEED_BATCH:,}), without validation nor audit records;
payments and allocations go through the real services (audited). Peak memory: the
tracemalloc peak of one more call (not timed), and the child process's maximum RSS so far.
The {LARGE_ITEMS:,}-item part runs on PostgreSQL only by default (`--large-on`): it keeps
`make bench` under about 20 minutes on this machine ("not run" on SQLite).

{chr(10).join(rows)}{note}
"""


def targets(backends: dict) -> str:
    """The receivables targets against this run's PostgreSQL figures."""
    rec = _rec(backends.get("PostgreSQL"))
    if not rec:
        return "PostgreSQL did not run, so the receivables targets are not checked.\n\n"
    batch = rec.get("payments_batch")
    single = rec["payments"]
    rate = batch["allocations_per_second"] if batch else single["allocations_per_second"]
    text = (
        "Targets set by the receivables issue, on PostgreSQL: 2,000 allocations/s, and an aged "
        f"balance of {LARGE_ITEMS:,} open items under 1 s. This run: {rate} allocations/s "
        + (f"in batches ({batch['per_second']} payments/s), " if batch else "")
        + ("met" if rate >= 2000 else "not met")
        + f"; one by one {single['allocations_per_second']} allocations/s "
        f"({single['per_second']} payments/s); "
    )
    if "aged_1m" in rec:
        seconds = rec["aged_1m"]["median_seconds"]
        text += f"the aged balance of {LARGE_ITEMS:,} items took {seconds} s, " + (
            "met." if seconds < 1 else "not met."
        )
    else:
        text += f"the aged balance of {LARGE_ITEMS:,} items was not run."
    return text + "\n\n"


def receivables_only(args) -> None:
    """Only the receivables phase, on the databases asked; figures printed as JSON."""
    VAR.mkdir(exist_ok=True)
    databases = set(args.databases.split(","))
    large_on = set() if args.no_large else set(args.large_on.split(","))
    urls = {}
    if "sqlite" in databases:
        path = VAR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        urls["sqlite"] = f"sqlite:///{path}"
    if "postgres" in databases and _recreate_postgres(PG_URL):
        urls["postgres"] = PG_URL
    for backend, url in urls.items():
        result = spawn(
            backend,
            url,
            0,
            0,
            args.payments,
            backend in large_on,
            args.single_payments,
            receivables_only=True,
        )
        print(backend, json.dumps(_rec(result), indent=2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--pdf-repeat", type=int, default=200)
    parser.add_argument("--payments", type=int, default=50_000, help="payments recorded in batches")
    parser.add_argument(
        "--single-payments",
        type=int,
        default=SINGLE_PAYMENTS,
        help="payments recorded one by one (record_payment) before the batches",
    )
    parser.add_argument(
        "--receivables-only",
        action="store_true",
        help="run only the receivables phase and print its figures (BENCHMARKS.md untouched)",
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 2,000 invoices, 100 singles, 1,000 payments (200 one by one), no 1,000,000 items",
    )
    parser.add_argument("--no-large", action="store_true", help="skip the 1,000,000 items")
    parser.add_argument(
        "--large-on",
        default="postgres",
        help="databases that run the 1,000,000-item aged balance (comma-separated; PostgreSQL only by default, to keep the run under 20 minutes)",
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    if args.quick:
        args.invoices, args.singles, args.payments, args.no_large = 2_000, 100, 1_000, True
        args.single_payments = 200
    if args.child:
        child(
            args.child,
            args.invoices,
            args.singles,
            args.payments,
            not args.no_large,
            args.single_payments,
            args.receivables_only,
        )
        return
    if args.receivables_only:
        receivables_only(args)
        return
    large_on = set() if args.no_large else set(args.large_on.split(","))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
    os.environ["ARDOISE_TESTING"] = "1"
    import django

    django.setup()
    VAR.mkdir(exist_ok=True)
    pdf = measure_pdf(args.pdf_repeat)
    backends: dict = {}
    sqlite_path = VAR / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    backends["SQLite"] = spawn(
        "sqlite",
        f"sqlite:///{sqlite_path}",
        args.invoices,
        args.singles,
        args.payments,
        "sqlite" in large_on,
        args.single_payments,
    )
    if _recreate_postgres(PG_URL):
        backends["PostgreSQL"] = spawn(
            "postgres",
            PG_URL,
            args.invoices,
            args.singles,
            args.payments,
            "postgres" in large_on,
            args.single_payments,
        )
    sizes = {
        "machine": machine(),
        "invoices": args.invoices,
        "singles": args.singles,
        "pdf_repeat": args.pdf_repeat,
        "payments": args.payments,
        "single_payments": args.single_payments,
    }
    section = render_markdown(datetime.date.today().isoformat(), sizes, pdf, backends)  # noqa: DTZ011
    output = Path(args.output)
    header = (
        "# Benchmarks\n\nWritten by `make bench` (`python -m ardoise.demo.bench`). Newest run first.\n\n"
        "Targets set by the invoicing issue: 2,000 issued invoices/s in batch, 50 PDFs/s per "
        "core with fonts embedded and Arabic shaped. PDFs meet theirs (one core renders "
        "75-150/s); batch issue does not: numbering and committing runs at 600-800/s, and with "
        "every PDF archived the run is bound by rendering on this machine's two cores "
        "(about 200/s; a 50,000-invoice month takes about 4-5 minutes, not hours).\n\n"
        + targets(backends)
    )
    previous = output.read_text().split("\n", 4)[-1] if output.exists() else ""
    previous = previous[previous.find("## Run of") :] if "## Run of" in previous else ""
    output.write_text(header + section + "\n" + previous)
    print(section)
