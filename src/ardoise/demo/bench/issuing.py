"""Issuing invoices (drafts, one by one, in batch with archived PDFs) and PDF rendering."""

import datetime
import os
import resource
import statistics
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import cast


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
