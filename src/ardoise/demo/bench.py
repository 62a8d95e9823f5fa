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

ROOT = Path(__file__).resolve().parents[3]
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


def child(backend: str, invoices: int, singles: int) -> None:
    os.environ["ARDOISE_TESTING"] = "1"
    results = run_backend(invoices, singles)
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


def spawn(backend: str, url: str, invoices: int, singles: int) -> dict | None:
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
    row("peak RSS of the run (MB)", lambda r: str(r["peak_rss_mb"]))
    pdf_rows = "\n".join(
        f"| {name.replace('_', ' ')} | {v['median_ms']} ms | {v['per_second']} |"
        for name, v in pdf.items()
    )
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
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--pdf-repeat", type=int, default=200)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.invoices, args.singles)
        return
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
    backends["SQLite"] = spawn("sqlite", f"sqlite:///{sqlite_path}", args.invoices, args.singles)
    if _recreate_postgres(PG_URL):
        backends["PostgreSQL"] = spawn("postgres", PG_URL, args.invoices, args.singles)
    sizes = {
        "machine": machine(),
        "invoices": args.invoices,
        "singles": args.singles,
        "pdf_repeat": args.pdf_repeat,
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
    )
    previous = output.read_text().split("\n", 4)[-1] if output.exists() else ""
    previous = previous[previous.find("## Run of") :] if "## Run of" in previous else ""
    output.write_text(header + section + "\n" + previous)
    print(section)


if __name__ == "__main__":
    main()
