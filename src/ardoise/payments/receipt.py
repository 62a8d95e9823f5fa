"""The receipt (reçu) of a payment: a one-page PDF built from plain data.

Reuses the invoice PDF's fonts, bidirectional typesetting and painter, so Arabic receipts are
shaped and laid out right to left like invoices. The same payment always gives the same
bytes (reportlab's invariant mode, dates fixed to the receipt date), so the archived SHA-256
can be checked again later.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4

from ardoise.compliance.rules import amount_in_words
from ardoise.core.formatting import babel_locale, format_money
from ardoise.invoicing.pdf.canvas import write_pdf
from ardoise.invoicing.pdf.formatting import format_date
from ardoise.invoicing.pdf.labels import SUPPORTED_LANGUAGES
from ardoise.invoicing.pdf.painter import CONTENT_WIDTH, MARGIN_TOP, MUTED, Painter
from ardoise.invoicing.pdf.text import isolate

PAGE_HEIGHT = A4[1]
BODY, SMALL, TITLE = 9.5, 7.5, 20.0

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Reçu",
        "number": "N°",
        "date": "Date",
        "received_from": "Reçu de",
        "seller": "Émis par",
        "amount": "Montant",
        "in_words": "Soit",
        "method": "Mode de paiement",
        "payment_date": "Date du paiement",
        "reference": "Référence",
        "cheque": "Chèque n°",
        "cheque_bank": "Banque tirée",
        "allocated": "Affecté aux factures",
        "invoice": "Facture",
        "applied": "Montant affecté",
        "unapplied": "Non affecté (au crédit du compte)",
        "footer": "Ce reçu atteste la réception du paiement ci-dessus.",
    },
    "en": {
        "title": "Receipt",
        "number": "No.",
        "date": "Date",
        "received_from": "Received from",
        "seller": "Issued by",
        "amount": "Amount",
        "in_words": "In words",
        "method": "Payment method",
        "payment_date": "Payment date",
        "reference": "Reference",
        "cheque": "Cheque no.",
        "cheque_bank": "Drawee bank",
        "allocated": "Applied to invoices",
        "invoice": "Invoice",
        "applied": "Amount applied",
        "unapplied": "Unapplied (credit on the account)",
        "footer": "This receipt acknowledges the payment above.",
    },
    "es": {
        "title": "Recibo",
        "number": "N.º",
        "date": "Fecha",
        "received_from": "Recibido de",
        "seller": "Emitido por",
        "amount": "Importe",
        "in_words": "Son",
        "method": "Forma de pago",
        "payment_date": "Fecha del pago",
        "reference": "Referencia",
        "cheque": "Cheque n.º",
        "cheque_bank": "Banco librado",
        "allocated": "Aplicado a las facturas",
        "invoice": "Factura",
        "applied": "Importe aplicado",
        "unapplied": "No aplicado (a favor en la cuenta)",
        "footer": "Este recibo acredita la recepción del pago indicado.",
    },
    "ar": {
        "title": "إيصال",
        "number": "رقم",
        "date": "التاريخ",
        "received_from": "استلمنا من",
        "seller": "صادر عن",
        "amount": "المبلغ",
        "in_words": "المبلغ بالحروف",
        "method": "طريقة الدفع",
        "payment_date": "تاريخ الدفع",
        "reference": "المرجع",
        "cheque": "شيك رقم",
        "cheque_bank": "البنك المسحوب عليه",
        "allocated": "مخصص للفواتير",
        "invoice": "فاتورة",
        "applied": "المبلغ المخصص",
        "unapplied": "غير مخصص (رصيد دائن في الحساب)",
        "footer": "يشهد هذا الإيصال باستلام الدفعة المذكورة أعلاه.",
    },
}

METHODS: dict[str, dict[str, str]] = {
    "fr": {
        "cash": "Espèces",
        "cheque": "Chèque",
        "transfer": "Virement",
        "card": "Carte bancaire",
        "direct_debit": "Prélèvement",
        "online": "Paiement en ligne",
        "compensation": "Compensation",
        "other": "Autre",
    },
    "en": {
        "cash": "Cash",
        "cheque": "Cheque",
        "transfer": "Bank transfer",
        "card": "Card",
        "direct_debit": "Direct debit",
        "online": "Online payment",
        "compensation": "Compensation",
        "other": "Other",
    },
    "es": {
        "cash": "Efectivo",
        "cheque": "Cheque",
        "transfer": "Transferencia",
        "card": "Tarjeta",
        "direct_debit": "Domiciliación",
        "online": "Pago en línea",
        "compensation": "Compensación",
        "other": "Otro",
    },
    "ar": {
        "cash": "نقدًا",
        "cheque": "شيك",
        "transfer": "تحويل بنكي",
        "card": "بطاقة",
        "direct_debit": "اقتطاع مباشر",
        "online": "دفع إلكتروني",
        "compensation": "مقاصة",
        "other": "أخرى",
    },
}


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    language: str
    number: str
    date: datetime.date
    seller: tuple[str, ...]  # name first, then address and identifiers
    payer: tuple[str, ...]
    method: str
    payment_date: datetime.date
    amount: Decimal
    currency: str
    reference: str = ""
    cheque_number: str = ""
    cheque_bank: str = ""
    allocations: tuple[tuple[str, Decimal], ...] = ()  # (invoice number, amount)


def _language(language: str) -> str:
    short = (language or "fr")[:2].lower()
    return short if short in SUPPORTED_LANGUAGES and short in LABELS else "fr"


class _Layout:
    def __init__(self, doc: ReceiptDocument, painter: Painter) -> None:
        self.doc, self.p = doc, painter
        self.labels, self.language = LABELS[doc.language], babel_locale(doc.language)
        self.y = PAGE_HEIGHT - MARGIN_TOP

    def money(self, amount: Decimal) -> str:
        return isolate(format_money(amount, self.doc.currency, self.doc.language))

    def text(self, text: str, size: float = BODY, *, bold=False, start=0.0, width=None, **kw):
        self.y -= self.p.paragraph(
            text, start, width or CONTENT_WIDTH - start, self.y, size, bold=bold, **kw
        )

    def row(self, label: str, value: str, *, bold: bool = False) -> None:
        if not value:
            return
        used = self.p.paragraph(label, 0, 150, self.y, BODY, color=MUTED)
        used = max(used, self.p.paragraph(value, 160, CONTENT_WIDTH - 160, self.y, BODY, bold=bold))
        self.y -= used + 3

    def draw(self) -> None:
        doc, labels = self.doc, self.labels
        self.text(labels["title"], TITLE, bold=True)
        self.text(f"{labels['number']} {isolate(doc.number)}", BODY + 2, bold=True)
        self.text(f"{labels['date']} {format_date(doc.date, self.language)}", color=MUTED)
        self.y -= 14
        half = CONTENT_WIDTH / 2 - 10
        top = self.y
        used = self.p.paragraph(labels["seller"], 0, half, top, SMALL, color=MUTED)
        used += self.p.paragraph("\n".join(doc.seller), 0, half, top - used, BODY)
        other = self.p.paragraph(labels["received_from"], half + 20, half, top, SMALL, color=MUTED)
        other += self.p.paragraph("\n".join(doc.payer), half + 20, half, top - other, BODY)
        self.y = top - max(used, other) - 16
        self.p.rule(0, CONTENT_WIDTH, self.y)
        self.y -= 12
        self.row(labels["amount"], self.money(doc.amount), bold=True)
        words = amount_in_words(doc.amount, doc.currency, doc.language)
        self.row(labels["in_words"], words[:1].upper() + words[1:])
        self.row(labels["method"], METHODS[doc.language].get(doc.method, doc.method))
        self.row(labels["payment_date"], format_date(doc.payment_date, self.language))
        self.row(labels["cheque"], isolate(doc.cheque_number) if doc.cheque_number else "")
        self.row(labels["cheque_bank"], doc.cheque_bank)
        self.row(labels["reference"], isolate(doc.reference) if doc.reference else "")
        if doc.allocations:
            self.y -= 10
            self.text(labels["allocated"], bold=True)
            self.y -= 4
            for number, amount in doc.allocations:
                self.row(f"{labels['invoice']} {isolate(number)}", self.money(amount))
        applied = sum((amount for _n, amount in doc.allocations), Decimal(0))
        if applied < doc.amount:
            self.row(labels["unapplied"], self.money(doc.amount - applied))
        self.y -= 10
        self.p.rule(0, CONTENT_WIDTH, self.y)
        self.y -= 10
        self.text(labels["footer"], SMALL, color=MUTED)
        self.p.end_page()


def render_receipt_document(doc: ReceiptDocument) -> bytes:
    """The receipt's PDF; the same document always gives the same bytes."""
    language = _language(doc.language)
    if language != doc.language:
        doc = ReceiptDocument(**{**_fields(doc), "language": language})
    return write_pdf(
        lambda painter: _Layout(doc, painter).draw(),
        language=language,
        title=f"{LABELS[language]['title']} {doc.number}",
        author=doc.seller[0] if doc.seller else "",
        date=doc.date,
    )


def _fields(doc: ReceiptDocument) -> dict:
    return {name: getattr(doc, name) for name in ReceiptDocument.__slots__}


def _lines(*parts: str) -> tuple[str, ...]:
    return tuple(part for part in parts if part)


def receipt_document(payment, allocations) -> ReceiptDocument:
    """The receipt's data from a payment with its number and its live allocations."""
    company, customer = payment.company, payment.customer
    identifiers = " · ".join(f"{k.upper()} {v}" for k, v in sorted(company.identifiers.items()))
    return ReceiptDocument(
        language=_language(customer.language),
        number=payment.receipt_reference,
        date=payment.receipt_date,
        seller=_lines(
            company.legal_name,
            company.address_line1,
            " ".join(_lines(company.postal_code, company.city)),
            identifiers,
        ),
        payer=_lines(
            payment.payer or customer.legal_name,
            customer.legal_name if payment.payer and payment.payer != customer.legal_name else "",
            customer.billing_line1,
            " ".join(_lines(customer.billing_postal_code, customer.billing_city)),
        ),
        method=payment.method,
        payment_date=payment.date,
        amount=payment.amount,
        currency=payment.currency,
        reference=payment.reference,
        cheque_number=payment.cheque_number,
        cheque_bank=payment.cheque_bank,
        allocations=tuple(
            (allocation.debit_item.reference, allocation.amount) for allocation in allocations
        ),
    )


def render_receipt(payment, allocations) -> bytes:
    return render_receipt_document(receipt_document(payment, allocations))
