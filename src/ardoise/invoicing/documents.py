"""What is frozen onto a document at issue (seller snapshot) and the printable document built
from an invoice row and its snapshots."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from ardoise.core.models import Company

from .models import DocumentKind, Invoice, InvoiceLine
from .pdf import PdfDocument, PdfLine, PdfTaxRow, render_pdf


def _logo_path(company: Company) -> str:
    if not company.logo:
        return ""
    try:
        return company.logo.path
    except NotImplementedError:  # remote storage: the renderer gets no logo
        return ""


def seller_snapshot(company: Company) -> dict:
    """The seller as printed on the document the day it is issued (the company's own field
    names, which the PDF renderer and the compliance rules read)."""
    accounts = list(company.bank_accounts.all())
    defaults = [account for account in accounts if account.is_default] or accounts
    return {
        "code": company.code,
        "legal_name": company.legal_name,
        "trade_name": company.trade_name,
        "legal_form": company.legal_form,
        "share_capital": company.share_capital,
        "country": company.country,
        "currency": company.currency,
        "language": company.language,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "identifiers": dict(sorted((company.identifiers or {}).items())),
        "address_line1": company.address_line1,
        "address_line2": company.address_line2,
        "postal_code": company.postal_code,
        "city": company.city,
        "bank_accounts": [
            {
                "label": account.label,
                "bank_name": account.bank_name,
                "iban": account.iban,
                "bic": account.bic,
            }
            for account in defaults
        ],
        "invoice_footer": company.invoice_footer,
        "invoice_terms": company.invoice_terms,
        "logo_path": _logo_path(company),
    }


def pdf_document(
    invoice: Invoice,
    lines: list[InvoiceLine],
    *,
    seller: dict,
    buyer: dict,
    number: str,
    issue_date: datetime.date,
    due_date: datetime.date | None,
    legal_mentions: list[str],
    amount_in_words: str,
):
    """The printable document of an invoice, from its lines and the given snapshots."""
    credited = invoice.credited_invoice if invoice.kind == DocumentKind.CREDIT_NOTE else None
    return PdfDocument(
        kind=invoice.kind,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        currency=invoice.currency,
        language=invoice.language,
        seller=seller,
        buyer=buyer,
        lines=tuple(
            PdfLine(
                description=line.description,
                quantity=line.quantity,
                unit_code=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_rate=line.tax_rate,
                tax_category=line.tax_category,
                net_amount=line.net_amount,
            )
            for line in lines
        ),
        tax_breakdown=tuple(
            PdfTaxRow(
                category=row["category"],
                rate=Decimal(row["rate"]),
                taxable_amount=Decimal(row["taxable_amount"]),
                tax_amount=Decimal(row["tax_amount"]),
                exemption_reason=row.get("exemption_reason", ""),
            )
            for row in invoice.tax_breakdown
        ),
        total_net=invoice.total_net,
        total_tax=invoice.total_tax,
        total=invoice.total,
        purchase_order=invoice.purchase_order,
        delivery_notes=tuple(invoice.delivery_notes),
        contract=invoice.contract,
        notes=invoice.notes,
        credited_invoice_number=credited.number if credited else None,
        credited_invoice_date=credited.issue_date if credited else None,
        legal_mentions=tuple(legal_mentions),
        amount_in_words=amount_in_words,
        logo_path=seller.get("logo_path") or None,
    )


def _stored_party(snapshot: dict | None) -> dict:
    """A snapshot as read back from the database, in the order it was written: PostgreSQL's
    jsonb does not keep key order, and the renderer prints identifiers in dict order."""
    party = dict(snapshot or {})
    party["identifiers"] = dict(sorted((party.get("identifiers") or {}).items()))
    return party


def issued_pdf_document(invoice: Invoice, lines: list[InvoiceLine], amount_in_words: str):
    """The printable document of an issued invoice, from what was frozen on it at issue only.

    Whoever builds it (the issue itself, the batch archiver, an on-demand reader) gets the
    same document, hence the same bytes and SHA-256, whenever it is built.
    """
    if invoice.number is None or invoice.issue_date is None:
        raise ValueError(f"Invoice {invoice.pk} is not issued: it has no number or issue date.")
    seller = _stored_party(invoice.seller_snapshot)
    return pdf_document(
        invoice,
        lines,
        seller=seller,
        buyer=_stored_party(invoice.buyer_snapshot),
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        legal_mentions=list(invoice.legal_mentions),
        amount_in_words=amount_in_words,
    )


def archive_filename(invoice: Invoice) -> str:
    """The file name of an issued document's PDF (the field adds its folder)."""
    if invoice.seller_snapshot is None:
        raise ValueError(f"Invoice {invoice.pk} is not issued: it has no seller snapshot.")
    return get_valid_filename(f"{invoice.seller_snapshot['code']}-{invoice.number}.pdf")


def render(document) -> tuple[bytes, str]:
    """The PDF bytes of a document and their SHA-256."""
    content = render_pdf(document)
    return content, hashlib.sha256(content).hexdigest()


def read_archived_pdf(invoice: Invoice) -> bytes:
    if not invoice.pdf.name:
        raise FileNotFoundError(f"Invoice {invoice.pk} has no archived PDF.")
    with default_storage.open(invoice.pdf.name, "rb") as handle:
        return handle.read()
